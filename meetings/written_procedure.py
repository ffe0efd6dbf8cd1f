"""The written procedure: circulate papers and questions by email, collect responses online or by
reply, remind, close and summarise. Every write goes through these functions.

Inbound email (meetings/inbound.py) ends here too: `record_email_reply` turns a matched reply into
comments, the same rows an online response makes.
"""

import datetime
import hashlib

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from ncg_portal.audit import with_reason

from .models import (
    Circulation,
    CirculationRecipient,
    Comment,
    CommentAttachment,
    Position,
)
from .uploads import check_paper_file, clean_original_name


class CirculationError(Exception):
    """A change the circulation's state does not allow (the code says which)."""


def _mark_responded(circulation, person, when):
    recipient = CirculationRecipient.objects.filter(circulation=circulation, person=person).first()
    if recipient is not None and recipient.responded_at is None:
        recipient.responded_at = when
        with_reason(recipient, "Responded").save(update_fields=["responded_at"])


def _store_attachments(comment, attachments):
    """Keep each attachment that passes the same checks as papers; return the refused ones as
    (name, reason) so the secretariat can be told."""
    refused = []
    for name, content_type, content in attachments:
        upload = SimpleUploadedFile(
            clean_original_name(name) or "attachment", content, content_type
        )
        try:
            canonical_type = check_paper_file(upload)
        except ValidationError as error:
            refused.append((name, " ".join(error.messages)))
            continue
        attachment = CommentAttachment(
            comment=comment,
            original_name=clean_original_name(name) or "attachment",
            content_type=canonical_type,
            size=len(content),
            sha256=hashlib.sha256(content).hexdigest(),
        )
        attachment.file.save(attachment.original_name, upload, save=False)
        with_reason(attachment, "Attachment to a response").save()
    return refused


def _position_question(circulation):
    """The one question asking for a position, when there is exactly one (an email's "Agree" on
    its first line answers it); otherwise None and the position is on the whole circulation."""
    asking = [q for q in circulation.questions.all() if q.asks_position]
    return asking[0] if len(asking) == 1 else None


@transaction.atomic
def record_email_reply(
    *, inbound_message, circulation, person, text, position="", attachments=(), received_at=None
):
    """A matched reply becomes a comment on the circulation (late if after the deadline).

    `attachments` are (filename, content type, bytes). Returns (comment, refused attachments)."""
    if position and position not in Position.values:
        raise CirculationError("bad_position")
    if circulation.status == Circulation.Status.DRAFT:
        raise CirculationError("not_open")
    when = received_at or timezone.now()
    comment = Comment(
        circulation=circulation,
        person=person,
        question=_position_question(circulation) if position else None,
        position=position,
        body=text.strip(),
        source=Comment.Source.EMAIL,
        inbound_message=inbound_message,
        is_late=circulation.is_past_deadline(when)
        or circulation.status == Circulation.Status.CLOSED,
        created_at=when,
        updated_at=when,
    )
    with_reason(comment, "Reply by email").save()
    refused = _store_attachments(comment, attachments)
    if not comment.is_late:
        _mark_responded(circulation, person, when)
    return comment, refused


def reminder_due(circulation, now=None):
    now = now or timezone.now()
    return (
        circulation.is_open
        and now >= circulation.deadline - datetime.timedelta(days=circulation.remind_days_before)
        and now < circulation.deadline
    )


# --- Starting, opening, responding online, reminding, closing ------------------------------


def _check_group_open(group):
    if group.is_closed:
        raise CirculationError("group_closed")


def default_recipients(group):
    """Everyone with a seat at the table as of today: chair, members and observers."""
    from .services import invited_people

    return invited_people(group)


@transaction.atomic
def start_circulation(
    *,
    group,
    created_by,
    subject_en,
    subject_cy,
    message_en,
    message_cy,
    deadline,
    papers=(),
    questions=(),
    recipients=None,
    meeting=None,
    remind_days_before=None,
):
    """A draft circulation. `questions` are (English, Welsh, asks for a position) triples.

    From a meeting that cannot reach a quorum: its papers come too, and the meeting is marked
    "moved to written procedure" (if it was not already)."""
    from django.conf import settings

    from . import services
    from .models import Meeting, Paper, Question

    _check_group_open(group)
    if deadline <= timezone.now():
        raise CirculationError("deadline_past")
    papers = list(papers)
    if meeting is not None:
        if meeting.group_id != group.pk:
            raise CirculationError("wrong_group")
        papers += [p for p in meeting.papers.filter(withdrawn_at=None) if p not in papers]
    if any(p.group_id != group.pk for p in papers):
        raise CirculationError("wrong_group")
    # Asked of the database: the objects passed in may predate the withdrawal.
    if Paper.objects.filter(pk__in=[p.pk for p in papers], withdrawn_at__isnull=False).exists():
        raise CirculationError("withdrawn")
    members = {p.pk for p in default_recipients(group)}
    recipients = default_recipients(group) if recipients is None else list(recipients)
    if not recipients:
        raise CirculationError("no_recipients")
    if any(p.pk not in members for p in recipients):
        raise CirculationError("not_a_member")
    circulation = Circulation(
        group=group,
        meeting=meeting,
        subject_en=subject_en,
        subject_cy=subject_cy,
        message_en=message_en,
        message_cy=message_cy,
        deadline=deadline,
        silence_is_agreement=group.silence_is_agreement,
        remind_days_before=settings.CIRCULATION_REMINDER_DAYS
        if remind_days_before is None
        else remind_days_before,
        created_by=created_by,
    )
    with_reason(circulation, "Circulation drafted", user=created_by).save()
    circulation.papers.set(papers)
    for position, (text_en, text_cy, asks_position) in enumerate(questions, start=1):
        question = Question(
            circulation=circulation,
            position=position,
            text_en=text_en,
            text_cy=text_cy or text_en,
            asks_position=asks_position,
        )
        with_reason(question, "Circulation drafted").save()
    for person in recipients:
        with_reason(
            CirculationRecipient(circulation=circulation, person=person), "Circulation drafted"
        ).save()
    if meeting is not None and meeting.status in (
        Meeting.Status.PLANNED,
        Meeting.Status.CONFIRMED,
    ):
        services.move_to_written_procedure(
            meeting=meeting, reason="Moved to the written procedure", moved_by=created_by
        )
    return circulation


def _circulation_url(circulation, language):
    from ncg_portal.mail import absolute_url

    return absolute_url(
        "meetings:circulation", args=[circulation.group.slug, circulation.pk], language=language
    )


def _paper_links(circulation, language):
    from .paper_mail import paper_links

    papers = [
        p
        for p in circulation.papers.filter(withdrawn_at=None).prefetch_related("versions")
        if p.versions.all()
    ]
    versions = {p.pk: max(p.versions.all(), key=lambda v: v.number) for p in papers}
    return paper_links(circulation.group, papers, versions, language)


def _attachments(links):
    """The papers themselves, when together they are small enough to travel by email."""
    from django.conf import settings

    if sum(link["version"].size for link in links) > settings.CIRCULATION_ATTACHMENTS_MAX_BYTES:
        return []
    return [
        {
            "filename": link["version"].original_name,
            "content_type": link["version"].content_type,
            "storage_name": link["version"].file.name,
        }
        for link in links
    ]


def _shared_parts(circulation, language):
    """What every recipient's email in one language has in common: the questions, the papers and
    the links. Read once per language and sending, not once per recipient (a circulation to a
    thousand people made three queries and three URL reversals for each)."""
    links = _paper_links(circulation, language)
    return {
        "questions": list(circulation.questions.all()),
        "papers": links,
        "attachments": _attachments(links),
        "url": _circulation_url(circulation, language),
    }


def _mail_recipient(circulation, recipient, kind, shared):
    """Queue one recipient's email; `shared` caches _shared_parts by language for one sending."""
    from ncg_portal.mail import queue_mail

    from .reply_tokens import reply_address

    person = recipient.person
    language = person.preferred_language or "en"
    if language not in shared:
        shared[language] = _shared_parts(circulation, language)
    parts = shared[language]
    queue_mail(
        kind=kind,
        to_email=person.email,
        language=language,
        person=person,
        group=circulation.group,
        reply_to=reply_address(circulation, person),
        context={
            "circulation": circulation,
            "person": person,
            "questions": parts["questions"],
            "papers": parts["papers"],
            "attached": bool(parts["papers"]) and bool(parts["attachments"]),
            "url": parts["url"],
        },
        attachments=parts["attachments"] if kind == "circulation" else [],
    )


@transaction.atomic
def open_circulation(*, circulation, opened_by):
    """Send the circulation to each recipient in their language, with their own reply address."""
    circulation = (
        Circulation.objects.select_for_update().select_related("group").get(pk=circulation.pk)
    )
    _check_group_open(circulation.group)
    if circulation.status != Circulation.Status.DRAFT:
        raise CirculationError("not_draft")
    if circulation.deadline <= timezone.now():
        raise CirculationError("deadline_past")
    now = timezone.now()
    circulation.status = Circulation.Status.OPEN
    circulation.opened_at = now
    circulation.silence_is_agreement = circulation.group.silence_is_agreement
    with_reason(circulation, "Circulated to members", user=opened_by).save()
    shared = {}
    for recipient in circulation.recipients.select_related("person"):
        _mail_recipient(circulation, recipient, "circulation", shared)
        recipient.sent_at = now
        with_reason(recipient, "Circulated").save(update_fields=["sent_at"])
    _schedule(circulation)
    return circulation


def _schedule(circulation):
    """The reminder and the closing happen by themselves, as tasks due at their time."""
    from .tasks import close_circulation_when_due, remind_circulation_when_due

    remind_at = circulation.deadline - datetime.timedelta(days=circulation.remind_days_before)
    pk = circulation.pk
    transaction.on_commit(
        lambda: remind_circulation_when_due.using(run_after=remind_at).enqueue(pk)
    )
    transaction.on_commit(
        lambda: close_circulation_when_due.using(run_after=circulation.deadline).enqueue(pk)
    )


@transaction.atomic
def send_reminders(*, circulation, sent_by=None, now=None):
    """Remind everyone who has not responded (once each, unless the secretariat asks again)."""
    circulation = (
        Circulation.objects.select_for_update().select_related("group").get(pk=circulation.pk)
    )
    if not circulation.is_open:
        raise CirculationError("not_open")
    now = now or timezone.now()
    waiting = circulation.recipients.filter(responded_at__isnull=True).select_related("person")
    if sent_by is None:  # the automatic reminder goes once
        waiting = waiting.filter(reminded_at__isnull=True)
    count, shared = 0, {}
    for recipient in waiting:
        _mail_recipient(circulation, recipient, "circulation_reminder", shared)
        recipient.reminded_at = now
        with_reason(recipient, "Reminded", user=sent_by).save(update_fields=["reminded_at"])
        count += 1
    return count


@transaction.atomic
def close_circulation(*, circulation, closed_by=None):
    """Close it: later replies are still kept, marked late. The chair is sent the summary."""
    from members.models import Role
    from ncg_portal.mail import queue_mail

    circulation = (
        Circulation.objects.select_for_update().select_related("group").get(pk=circulation.pk)
    )
    if circulation.status != Circulation.Status.OPEN:
        raise CirculationError("not_open")
    circulation.status = Circulation.Status.CLOSED
    circulation.closed_at = timezone.now()
    with_reason(circulation, "Circulation closed", user=closed_by).save()
    for membership in (
        circulation.group.memberships.current().filter(role=Role.CHAIR).select_related("person")
    ):
        person = membership.person
        language = person.preferred_language or "en"
        queue_mail(
            kind="circulation_closed",
            to_email=person.email,
            language=language,
            person=person,
            group=circulation.group,
            context={
                "circulation": circulation,
                "person": person,
                "url": _circulation_url(circulation, language) + "summary/",
            },
        )
    return circulation


@transaction.atomic
def save_online_response(
    *, circulation, person, answers, paper_comments, general, no_comment=False, attachment=None
):
    """A member's online response, editable until the deadline (history keeps each version).

    `answers` maps question id to (position, text); `paper_comments` maps paper id to text.
    One web comment per person and question, paper, or the circulation as a whole."""
    circulation = Circulation.objects.select_related("group").get(pk=circulation.pk)
    if not circulation.is_open:
        raise CirculationError("not_open")
    if circulation.is_past_deadline():
        raise CirculationError("past_deadline")
    if not circulation.recipients.filter(person=person).exists():
        raise CirculationError("not_a_recipient")
    now = timezone.now()
    questions = {q.pk: q for q in circulation.questions.all()}
    papers = {p.pk: p for p in circulation.papers.all()}
    existing = {
        (c.question_id, c.paper_id): c
        for c in Comment.objects.filter(
            circulation=circulation, person=person, source=Comment.Source.WEB
        )
    }

    def put(question, paper, position, body):
        comment = existing.get((question.pk if question else None, paper.pk if paper else None))
        body = body.strip()
        if comment is None:
            if not body and not position:
                return None
            comment = Comment(
                circulation=circulation,
                person=person,
                question=question,
                paper=paper,
                source=Comment.Source.WEB,
                created_at=now,
            )
        elif (comment.position, comment.body) == (position, body):
            return comment
        comment.position, comment.body, comment.updated_at = position, body, now
        with_reason(comment, "Response online").save()
        return comment

    for question_id, (position, body) in answers.items():
        question = questions.get(question_id)
        if question is None or (position and position not in Position.values):
            raise CirculationError("bad_answer")
        put(question, None, position if question.asks_position else "", body)
    for paper_id, body in paper_comments.items():
        if paper_id not in papers:
            raise CirculationError("bad_answer")
        put(None, papers[paper_id], "", body)
    overall = put(None, None, Position.NO_COMMENT if no_comment else "", general)
    refused = []
    if attachment is not None:
        if overall is None:
            overall = Comment(
                circulation=circulation,
                person=person,
                source=Comment.Source.WEB,
                created_at=now,
                updated_at=now,
            )
            with_reason(overall, "Response online").save()
        refused = _store_attachments(
            overall, [(attachment.name, attachment.content_type, attachment.read())]
        )
    if Comment.objects.filter(circulation=circulation, person=person).exists():
        _mark_responded(circulation, person, now)
    return refused


def circulation_summary(circulation):
    """All responses per question and paper, positions counted, silence shown as the group's
    rule says (taken as agreement only where the rule says so)."""
    recipients = list(circulation.recipients.select_related("person"))
    comments = list(
        circulation.comments.select_related("person", "question", "paper").order_by("created_at")
    )
    overall_position = {}
    for c in comments:
        if c.question_id is None and c.paper_id is None and c.position:
            overall_position[c.person_id] = c.position
    questions = []
    for question in circulation.questions.all():
        on_it = [c for c in comments if c.question_id == question.pk]
        positions = {}
        for c in on_it:
            if c.position:
                positions[c.person_id] = c.position
        counts = {value: 0 for value in Position.values}
        silent = []
        for r in recipients:
            position = positions.get(r.person_id) or (
                overall_position.get(r.person_id) if question.asks_position else None
            )
            if position:
                counts[position] += 1
            elif question.asks_position:
                silent.append(r.person)
        if circulation.silence_is_agreement:
            counts[Position.AGREE] += len(silent)
        questions.append(
            {
                "question": question,
                "counts": [(Position(value).label, counts[value]) for value in Position.values],
                "silent": silent,
                "comments": [c for c in on_it if c.body],
            }
        )
    papers = [
        {"paper": paper, "comments": [c for c in comments if c.paper_id == paper.pk and c.body]}
        for paper in circulation.papers.all()
    ]
    return {
        "circulation": circulation,
        "total": len(recipients),
        "responded": [r.person for r in recipients if r.responded_at],
        "not_responded": [r.person for r in recipients if not r.responded_at],
        "questions": questions,
        "papers": papers,
        "general": [
            c for c in comments if not c.question_id and not c.paper_id and (c.body or c.position)
        ],
    }
