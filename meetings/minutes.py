"""Minutes: drafted from what the portal knows, shared for comment, approved by the chair.

The draft's facts (who came, apologies, the agenda, papers taken, declarations, actions) are read
live from the meeting, so the secretariat only writes the discussion. Approval freezes them, in
both languages, into `Minutes.record`: an approved record never changes when attendance or the
agenda is edited later.
"""

import zoneinfo

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone, translation
from django.utils.formats import date_format

from members.models import Membership, Role
from ncg_portal.audit import with_reason
from ncg_portal.concurrency import Conflict, changed_names, history_row
from ncg_portal.mail import absolute_url, queue_mail

from .models import (
    Action,
    Attendance,
    Meeting,
    Minutes,
    MinutesComment,
    MinutesCorrection,
    MinutesEntry,
)
from .permissions import can_approve_minutes, can_comment_on_minutes
from .services import MeetingError, _check_open, _invitees

LONDON = zoneinfo.ZoneInfo("Europe/London")
LANGUAGES = ("en", "cy")


def _editable(minutes):
    _check_open(minutes.meeting)
    if minutes.is_approved:
        raise MeetingError("minutes_approved")


def _sync_entries(minutes):
    """One entry per agenda item, including items added after the draft was started."""
    have = set(minutes.entries.values_list("agenda_item_id", flat=True))
    for item in minutes.meeting.agenda_items.exclude(pk__in=have):
        with_reason(MinutesEntry(minutes=minutes, agenda_item=item), "Minutes drafted").save()


@transaction.atomic
def start_minutes(*, meeting, started_by):
    """The draft minutes of a held meeting (made once; later calls return the same draft)."""
    meeting = Meeting.objects.select_for_update().select_related("group").get(pk=meeting.pk)
    _check_open(meeting)
    if meeting.status != Meeting.Status.HELD:
        raise MeetingError("not_held")
    minutes = Minutes.objects.filter(meeting=meeting).first()
    if minutes is None:
        minutes = Minutes(meeting=meeting)
        with_reason(minutes, "Minutes drafted", user=started_by).save()
    if not minutes.is_approved:
        _sync_entries(minutes)
    return minutes


def _write(minutes, discussions, body_en, body_cy, reason, user=None):
    """Store the changed written parts; returns whether anything changed."""
    changed = False
    for entry in minutes.entries.select_related("agenda_item"):
        if entry.agenda_item_id not in discussions:
            continue
        english, welsh = discussions[entry.agenda_item_id]
        if (entry.discussion_en, entry.discussion_cy) != (english, welsh):
            entry.discussion_en, entry.discussion_cy = english, welsh
            with_reason(entry, reason, user=user).save()
            changed = True
    if (minutes.body_en, minutes.body_cy) != (body_en, body_cy):
        minutes.body_en, minutes.body_cy = body_en, body_cy
        with_reason(minutes, reason, user=user).save()
        changed = True
    return changed


# --- Two people writing the minutes at once (ncg_portal/concurrency.py) -------------------------


def _latest_row(model, **filters):
    return Subquery(
        model.history.filter(id=OuterRef("pk"), **filters)
        .order_by("-history_id")
        .values("history_id")[:1]
    )


def editing_minutes(meeting):
    """The meeting's minutes and their entries, for the editor, each read with the id of its
    newest history row (`latest_row`) in the same query as its words: the token made of them
    (edit_token_of) never claims more than the form shows. (None, []) without minutes."""
    minutes = (
        Minutes.objects.filter(meeting=meeting.pk)
        .select_related("meeting")
        .annotate(latest_row=_latest_row(Minutes))
        .first()
    )
    if minutes is None:
        return None, []
    entries = list(
        minutes.entries.select_related("agenda_item").annotate(latest_row=_latest_row(MinutesEntry))
    )
    return minutes, entries


def edit_token_of(minutes, entries):
    """What the minutes editor says it started from: the newest history row of the minutes and
    of each of their entries, as "row-entry.entry..." (from editing_minutes)."""
    rows = sorted(entry.latest_row for entry in entries)
    return f"{minutes.latest_row}-" + ".".join(str(row) for row in rows)


def minutes_edit_token(meeting):
    """The token of the meeting's minutes as they are stored now ("" without minutes)."""
    minutes, entries = editing_minutes(meeting)
    return edit_token_of(minutes, entries) if minutes else ""


def minutes_snapshot(minutes, entries):
    """What the minutes editor shows of the minutes (or of history rows of them and of their
    entries), named as the form names its fields; entries missing then count as blank."""
    snapshot = {}
    for entry in entries:
        snapshot[f"discussion_en_{entry.agenda_item_id}"] = entry.discussion_en
        snapshot[f"discussion_cy_{entry.agenda_item_id}"] = entry.discussion_cy
    snapshot.update(body_en=minutes.body_en, body_cy=minutes.body_cy, status=minutes.status)
    return snapshot


def _snapshot_then(minutes, started_from):
    """The history rows the token names and the snapshot then; (None, None) when it names rows
    that are not this minutes' own."""
    row_id, _sep, entry_ids = str(started_from or "").partition("-")
    row = history_row(Minutes, minutes.pk, row_id)
    ids = entry_ids.split(".") if entry_ids else []
    if row is None or not all(i.isdigit() and len(i) < 19 for i in ids) or len(ids) > 1000:
        return None, None
    entries = list(
        MinutesEntry.history.filter(minutes_id=minutes.pk, history_id__in=[int(i) for i in ids])
    )
    if len(entries) != len(ids):
        return None, None
    return [row, *entries], minutes_snapshot(row, entries)


def minutes_conflict(minutes, started_from):
    """None when what the minutes editor shows is as it was when it was opened (`started_from`,
    minutes_edit_token then); otherwise a Conflict: what changed since, who changed it last, when."""
    if started_from == minutes_edit_token(minutes.meeting):
        return None
    rows, before = _snapshot_then(minutes, started_from)
    # Who changed it last: the newest row of the minutes, or of any entry, the token did not name.
    seen = {row.history_id for row in rows or []}
    newest = [
        model.history.filter(**{key: minutes.pk})
        .select_related("history_user")
        .order_by("-history_id")
        .first()
        for model, key in ((Minutes, "id"), (MinutesEntry, "minutes_id"))
    ]
    newest = [row for row in newest if row is not None and row.history_id not in seen]
    latest = max(newest, key=lambda row: row.history_date) if newest else None
    who, when = (latest.history_user, latest.history_date) if latest else (None, None)
    if before is None:
        return Conflict(who=who, when=when, known_start=False)
    now = minutes_snapshot(minutes, minutes.entries.all())
    before = {name: before.get(name, "") for name in now}
    changed = changed_names(before, now)
    return Conflict(changed, before, now, who, when) if changed else None


def _check_started_from(minutes, started_from):
    if started_from is not None and minutes_conflict(minutes, started_from) is not None:
        raise MeetingError("changed_since")


@transaction.atomic
def save_minutes(
    *, minutes, discussions, body_en="", body_cy="", reason="Minutes edited", started_from=None
):
    """Store the written parts. `discussions` maps agenda item id to (English, Welsh) text.

    With `started_from` (minutes_edit_token when the editor was opened) it is refused with
    "changed_since", and nothing stored, if someone else changed what the editor shows since."""
    minutes = (
        Minutes.objects.select_for_update().select_related("meeting__group").get(pk=minutes.pk)
    )
    _editable(minutes)
    _check_started_from(minutes, started_from)
    _sync_entries(minutes)
    _write(minutes, discussions, body_en, body_cy, reason)
    return minutes


@transaction.atomic
def correct_minutes(
    *, minutes, discussions, body_en="", body_cy="", corrected_by, reason, started_from=None
):
    """Correct approved minutes, with the reason (e.g. "agreed at the meeting of 5 March").

    The record is frozen again from the portal as it now stands, so a corrected attendance
    record is taken in too, and it lists every correction. The approval stays; the PDFs are made
    again (the old files are kept, the history points to them). Members are told, with the
    reason. Refuses (MeetingError): "not_approved", "no_reason", "no_change", and
    "changed_since" as save_minutes does."""
    minutes = (
        Minutes.objects.select_for_update().select_related("meeting__group").get(pk=minutes.pk)
    )
    _check_open(minutes.meeting)
    if not minutes.is_approved:
        raise MeetingError("not_approved")
    _check_started_from(minutes, started_from)
    reason = " ".join(reason.split())
    if not reason:
        raise MeetingError("no_reason")
    history_reason = f"Correction to approved minutes: {reason}"
    _sync_entries(minutes)
    if not _write(minutes, discussions, body_en, body_cy, history_reason, user=corrected_by):
        raise MeetingError("no_change")
    correction = MinutesCorrection(minutes=minutes, corrected_by=corrected_by, reason=reason)
    with_reason(correction, history_reason, user=corrected_by).save()
    minutes.record = {language: minutes_record(minutes, language) for language in LANGUAGES}
    minutes.pdf_en = minutes.pdf_cy = ""
    with_reason(minutes, history_reason, user=corrected_by).save()
    _tell_members(minutes, "minutes_corrected", reason=reason)
    return correction


def _minutes_url(minutes, language):
    meeting = minutes.meeting
    return absolute_url(
        "meetings:minutes", args=[meeting.group.slug, meeting.pk], language=language
    )


def _tell_members(minutes, kind, **extra):
    for person in _invitees(minutes.meeting):
        language = person.preferred_language or "en"
        queue_mail(
            kind=kind,
            to_email=person.email,
            language=language,
            person=person,
            group=minutes.meeting.group,
            context={
                "meeting": minutes.meeting,
                "person": person,
                "url": _minutes_url(minutes, language),
                **extra,
            },
        )


@transaction.atomic
def share_minutes(*, minutes, shared_by, notify=True):
    """Send the draft to members for comment; the secretariat may still edit it afterwards.

    `notify=False` records the change without emailing anyone (loading past minutes)."""
    minutes = (
        Minutes.objects.select_for_update().select_related("meeting__group").get(pk=minutes.pk)
    )
    _editable(minutes)
    if minutes.status != Minutes.Status.DRAFT:
        raise MeetingError("already_shared")
    minutes.status = Minutes.Status.SHARED
    minutes.shared_at = timezone.now()
    with_reason(minutes, "Draft minutes shared for comment", user=shared_by).save()
    if notify:
        _tell_members(minutes, "minutes_shared")
    return minutes


@transaction.atomic
def comment_on_minutes(*, minutes, person, body, agenda_item=None):
    minutes = Minutes.objects.select_related("meeting__group").get(pk=minutes.pk)
    if not can_comment_on_minutes(person, minutes):
        raise MeetingError("cannot_comment")
    body = body.strip()
    if not body:
        raise MeetingError("empty_comment")
    if agenda_item is not None and agenda_item.meeting_id != minutes.meeting_id:
        raise MeetingError("wrong_meeting")
    comment = MinutesComment(minutes=minutes, person=person, agenda_item=agenda_item, body=body)
    with_reason(comment, "Comment on draft minutes").save()
    return comment


@transaction.atomic
def approve_minutes(*, minutes, approved_by, notify=True):
    """The chair approves: the minutes are frozen as they stand and published to members."""
    minutes = (
        Minutes.objects.select_for_update().select_related("meeting__group").get(pk=minutes.pk)
    )
    _editable(minutes)
    if not can_approve_minutes(approved_by, minutes):
        raise MeetingError("not_chair")
    _sync_entries(minutes)
    minutes.status = Minutes.Status.APPROVED
    minutes.approved_by = approved_by
    minutes.approved_at = timezone.now()
    minutes.record = {language: minutes_record(minutes, language) for language in LANGUAGES}
    with_reason(minutes, "Minutes approved by the chair", user=approved_by).save()
    if notify:
        _tell_members(minutes, "minutes_approved")
    return minutes


def minutes_pdf(minutes, language):
    """The approved minutes as a tagged PDF, rendered once per language and kept."""
    from ncg_portal.pdf import render_pdf

    field = f"pdf_{language}"
    if getattr(minutes, field):
        return getattr(minutes, field)
    with transaction.atomic():
        locked = (
            Minutes.objects.select_for_update().select_related("meeting__group").get(pk=minutes.pk)
        )
        if not locked.is_approved:
            raise MeetingError("not_approved")
        if not getattr(locked, field):
            pdf = render_pdf(
                "meetings/pdf/minutes.html",
                {"group": locked.meeting.group, "record": locked.record[language]},
                language=language,
            )
            getattr(locked, field).save(f"minutes-{language}.pdf", ContentFile(pdf), save=False)
            with_reason(locked, f"PDF of the approved minutes ({language}) stored").save()
        return getattr(locked, field)


def _text(english, welsh, language):
    """The text in the language if there is one, else English; says which it is (for `lang`)."""
    if language == "cy" and welsh:
        return {"text": welsh, "lang": "cy"}
    return {"text": english, "lang": "en" if english else language}


def _when(moment, language):
    local = timezone.localtime(moment, LONDON)
    return {
        "date": date_format(local, "j F Y"),
        "time": local.strftime("%H:%M"),
        "iso": local.isoformat(),
    }


def minutes_record(minutes, language):
    """Everything the minutes say, in one language, as plain data (stored on approval)."""
    meeting = minutes.meeting
    with translation.override(language):
        memberships = {
            m.person_id: m
            for m in Membership.objects.current(meeting.starts_at.date())
            .filter(group=meeting.group)
            .select_related("organisation")
        }

        def who(person):
            membership = memberships.get(person.pk)
            organisation = (
                membership.organisation.name if membership and membership.organisation else ""
            )
            return {
                "name": person.display_name,
                "organisation": organisation,
                "chair": bool(membership and membership.role == Role.CHAIR),
            }

        attendances = list(
            Attendance.objects.filter(meeting=meeting)
            .select_related("person")
            .order_by("person__full_name")
        )
        present = [
            {**who(a.person), "online": a.attended == Attendance.Attended.ONLINE}
            for a in attendances
            if a.attended in (Attendance.Attended.IN_PERSON, Attendance.Attended.ONLINE)
        ]
        present.sort(key=lambda p: (not p["chair"], p["name"]))
        deputies = [
            {"name": a.deputy_name or "", "for": who(a.person)}
            for a in attendances
            if a.attended == Attendance.Attended.DEPUTY
        ]
        apologies = [
            who(a.person)
            for a in attendances
            if a.attended in (Attendance.Attended.ABSENT, Attendance.Attended.DEPUTY)
            and a.response == Attendance.Response.APOLOGIES
        ]
        absent = [
            who(a.person)
            for a in attendances
            if a.attended == Attendance.Attended.ABSENT
            and a.response != Attendance.Response.APOLOGIES
        ]
        secretariat = [
            who(m.person)
            for m in Membership.objects.current(meeting.starts_at.date())
            .filter(group=meeting.group, role=Role.SECRETARIAT)
            .select_related("person")
            .order_by("person__full_name")
        ]

        declarations = list(meeting.declarations.select_related("person", "agenda_item"))
        entries = {e.agenda_item_id: e for e in minutes.entries.all()}
        papers = list(meeting.papers.prefetch_related("versions"))
        items = []
        for item in meeting.agenda_items.select_related("workstream"):
            entry = entries.get(item.pk)
            items.append(
                {
                    "number": item.position,
                    "title": _text(item.title_en, item.title_cy, language),
                    "presenter": item.presenter,
                    "workstream": item.workstream.title if item.workstream else "",
                    "papers": [_paper(p, language) for p in papers if p.agenda_item_id == item.pk],
                    "declarations": [
                        {"name": d.person.display_name, "interest": d.interest}
                        for d in declarations
                        if d.agenda_item_id == item.pk
                    ],
                    "discussion": _text(
                        entry.discussion_en if entry else "",
                        entry.discussion_cy if entry else "",
                        language,
                    ),
                }
            )
        actions = [
            {
                "description": a.description,
                "owner": a.owner.display_name,
                "due_on": date_format(a.due_on, "j F Y") if a.due_on else "",
                "status": str(a.get_status_display()),
            }
            for a in Action.objects.filter(meeting=meeting).select_related("owner").order_by("pk")
        ]
        return {
            "language": language,
            "group": meeting.group.name,
            "title": _text(meeting.title_en, meeting.title_cy, language),
            "starts": _when(meeting.starts_at, language),
            "ends": _when(meeting.ends_at, language),
            "mode": str(meeting.get_mode_display()),
            "venue": meeting.venue,
            "present": present,
            "deputies": deputies,
            "apologies": apologies,
            "absent": absent,
            "secretariat": secretariat,
            "declarations": [
                {"name": d.person.display_name, "interest": d.interest}
                for d in declarations
                if d.agenda_item_id is None
            ],
            "any_declarations": bool(declarations),
            "items": items,
            "other_papers": [_paper(p, language) for p in papers if p.agenda_item_id is None],
            "other_business": _text(minutes.body_en, minutes.body_cy, language),
            "actions": actions,
            "approved_by": minutes.approved_by.display_name if minutes.approved_by else "",
            "approved_on": date_format(timezone.localtime(minutes.approved_at, LONDON), "j F Y")
            if minutes.approved_at
            else "",
            "corrections": [
                {
                    "date": date_format(timezone.localtime(c.corrected_at, LONDON), "j F Y"),
                    "by": c.corrected_by.display_name,
                    "reason": c.reason,
                }
                for c in minutes.corrections.select_related("corrected_by")
            ]
            # Only approved minutes are corrected; a draft need not ask.
            if minutes.is_approved
            else [],
        }


def _paper(paper, language):
    versions = list(paper.versions.all())
    return {
        "reference": paper.reference,
        "title": _text(paper.title_en, paper.title_cy, language),
        "classification": paper.get_classification_display(),
        "version": max((v.number for v in versions), default=None),
        "withdrawn": paper.is_withdrawn,
    }
