"""Everything the portal holds about one person, for a subject access request (UK GDPR art. 15),
as one JSON document. Scoped to the groups the person asking keeps records for (their secretariat
duty), plus the person's own account; a superuser's export covers every group.

Secrets are never included: password hashes, authenticator secrets, recovery codes, reply-address
keys and calendar feed tokens. Only the kinds of second factor are listed.
"""

import datetime

from django.db.models import Q
from django.utils import timezone


def _when(value):
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.UTC).isoformat(timespec="seconds")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def person_data(person, groups):
    """A dict (JSON-ready) of what the portal holds about `person` within `groups`."""
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator

    from advice.models import LetterComment
    from meetings.models import (
        Action,
        Attendance,
        Comment,
        Declaration,
        InboundMessage,
        MinutesComment,
        PaperDownload,
    )
    from ncg_portal.audit_log import AuditLog, Filters
    from ncg_portal.models import OutgoingMail

    from .models import Membership

    group_ids = [g.pk for g in groups]
    data = {
        "exported_at": _when(timezone.now()),
        "groups": [g.name_en for g in groups],
        "account": {
            "email": person.email,
            "full_name": person.full_name,
            "post_nominals": person.post_nominals,
            "job_title": person.job_title,
            "preferred_language": person.preferred_language,
            "active": person.is_active,
            "date_joined": _when(person.date_joined),
            "last_login": _when(person.last_login),
            "email_addresses": [
                {"email": e.email, "verified": e.verified, "primary": e.primary}
                for e in EmailAddress.objects.filter(user=person)
            ],
            "second_factors": sorted({a.type for a in Authenticator.objects.filter(user=person)}),
        },
        "memberships": [
            {
                "group": m.group.name_en,
                "role": m.role,
                "organisation": m.organisation.name_en if m.organisation_id else "",
                "position": m.position_en,
                "starts_on": _when(m.starts_on),
                "ends_on": _when(m.ends_on),
            }
            for m in Membership.objects.filter(person=person, group__in=group_ids).select_related(
                "group", "organisation"
            )
        ],
        "attendance": [
            {
                "meeting": a.meeting.title_en,
                "starts_at": _when(a.meeting.starts_at),
                "reply": a.response,
                "deputy": a.deputy_name,
                "attended": a.attended,
            }
            for a in Attendance.objects.filter(
                person=person, meeting__group__in=group_ids
            ).select_related("meeting")
        ],
        "declarations_of_interest": [
            {"meeting": d.meeting.title_en, "interest": d.interest, "at": _when(d.declared_at)}
            for d in Declaration.objects.filter(
                person=person, meeting__group__in=group_ids
            ).select_related("meeting")
        ],
        "actions": [
            {
                "description": a.description,
                "due_on": _when(a.due_on),
                "status": a.status,
                "completed_on": _when(a.completed_on),
            }
            for a in Action.objects.filter(owner=person, group__in=group_ids)
        ],
        "responses_to_written_procedures": [
            {
                "circulation": c.circulation.subject_en,
                "position": c.position,
                "comment": c.body,
                "source": c.source,
                "at": _when(c.created_at),
            }
            for c in Comment.objects.filter(
                person=person, circulation__group__in=group_ids
            ).select_related("circulation")
        ],
        "comments_on_minutes": [
            {"meeting": c.minutes.meeting.title_en, "comment": c.body, "at": _when(c.created_at)}
            for c in MinutesComment.objects.filter(
                person=person, minutes__meeting__group__in=group_ids
            ).select_related("minutes__meeting")
        ],
        "comments_on_letters": [
            {
                "letter": c.letter_id,
                "comment": c.body,
                "source": c.source,
                "at": _when(c.created_at),
            }
            for c in LetterComment.objects.filter(person=person, letter__group__in=group_ids)
        ],
        "papers_opened": [
            {
                "paper": d.version.paper.title_en,
                "version": d.version.number,
                "at": _when(d.downloaded_at),
            }
            for d in PaperDownload.objects.filter(
                person=person, version__paper__group__in=group_ids
            ).select_related("version__paper")
        ],
        "emails_sent_to_them": [
            {
                "subject": m.subject,
                "to": m.to_email,
                "created_at": _when(m.created_at),
                "status": m.status,
            }
            for m in OutgoingMail.objects.filter(
                Q(person=person) | Q(to_email__iexact=person.email), group__in=group_ids
            ).only("subject", "to_email", "created_at", "status")
        ],
        "emails_received_from_them": [
            {
                "from": m.from_address,
                "subject": m.subject,
                "received_at": _when(m.received_at),
                "status": m.status,
                "body": bytes(m.raw).decode("utf-8", "replace"),
            }
            for m in InboundMessage.objects.filter(person=person).filter(
                Q(circulation__group__in=group_ids) | Q(letter__group__in=group_ids)
            )
        ],
    }
    changes = []
    for group in groups:
        for entry in AuditLog(group, Filters(person=person.pk)):
            changes.append(
                {
                    "group": group.name_en,
                    "when": _when(entry.when),
                    "kind": entry.kind.key,
                    "object": entry.object_label,
                    "action": {"+": "created", "~": "changed", "-": "deleted"}[entry.action],
                    "reason": entry.reason,
                }
            )
    data["changes_they_made"] = changes
    return data
