"""Every write to advice letters: drafting in versions, review, approval, issue, publication.

draft → in review → approved (the chair) → issued → published. Any change to the words after
approval is a new version, and the letter goes back to draft to be approved again.
"""

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from members.models import Role
from members.permissions import current_roles
from ncg_portal.audit import with_reason
from ncg_portal.concurrency import Conflict, changed_names, history_row

from .models import Letter, LetterComment, LetterVersion


class LetterError(Exception):
    """A change the letter's state does not allow (the code says which)."""


def _check_open(group):
    if group.is_closed:
        raise LetterError("group_closed")


def chair_of(group):
    membership = (
        group.memberships.current().filter(role=Role.CHAIR).select_related("person").first()
    )
    return membership.person if membership else None


@transaction.atomic
def create_letter(*, group, created_by, texts, **details):
    """A new draft, with version 1. `texts` holds LetterVersion.TEXT_FIELDS (Welsh may be blank);
    `details` any of DETAIL_FIELDS. The addressee defaults to the group's ("Cabinet Secretary for
    Education"), the signatory to the group's chair."""
    _check_open(group)
    if set(details) - DETAIL_FIELDS:
        raise LetterError("unknown_field")
    chair = chair_of(group)
    if chair is None:
        raise LetterError("no_chair")
    defaults = {
        "addressee_en": group.advises_en,
        "addressee_cy": group.advises_cy,
        "signatory_name": chair.display_name,
        "signatory_role_en": "Chair, " + group.name_en,
        "signatory_role_cy": "Cadeirydd, " + group.name_cy,
    }
    chosen = {k: v for k, v in details.items() if v not in (None, False, "")}
    letter = Letter(group=group, created_by=created_by, **{**defaults, **chosen})
    with_reason(letter, "Letter drafted", user=created_by).save()
    _new_version(letter, texts, saved_by=created_by, reason="Letter drafted")
    return letter


# What may be set on a letter besides its words (which are versions).
DETAIL_FIELDS = {
    "letter_date",
    "addressee_en",
    "addressee_cy",
    "signatory_name",
    "signatory_role_en",
    "signatory_role_cy",
    "signature",
}


def _new_version(letter, texts, *, saved_by, reason, restored_from=None):
    unknown = set(texts) - set(LetterVersion.TEXT_FIELDS)
    if unknown:
        raise LetterError("unknown_field")
    for required in ("title_en", "salutation_en", "body_en", "closing_en"):
        if not (texts.get(required) or "").strip():
            raise LetterError("english_missing")
    last = letter.versions.order_by("-number").values_list("number", flat=True).first() or 0
    version = LetterVersion(
        letter=letter,
        number=last + 1,
        saved_by=saved_by,
        restored_from=restored_from,
        **{name: (texts.get(name) or "").strip() for name in LetterVersion.TEXT_FIELDS},
    )
    with_reason(version, reason, user=saved_by).save()
    return version


@transaction.atomic
def save_letter(*, letter, saved_by, texts, reason="Letter edited", restored_from=None):
    """Save the words as the next version (nothing if they are unchanged). Approved words are
    never changed: after approval a new version sends the letter back to draft."""
    letter = Letter.objects.select_for_update().select_related("group").get(pk=letter.pk)
    _check_open(letter.group)
    if letter.status in (Letter.Status.ISSUED, Letter.Status.PUBLISHED):
        raise LetterError("already_issued")
    current = letter.current
    merged = {**current.texts(), **texts}
    if merged == current.texts():
        return current
    version = _new_version(
        letter, merged, saved_by=saved_by, reason=reason, restored_from=restored_from
    )
    if letter.status == Letter.Status.APPROVED:
        _unapprove(letter)
        with_reason(letter, "Changed after approval: to be approved again", user=saved_by).save()
    return version


# --- Two people editing the letter at once (ncg_portal/concurrency.py) ---------------------------

EDITED_DETAILS = (
    "letter_date",
    "addressee_en",
    "addressee_cy",
    "signatory_name",
    "signatory_role_en",
    "signatory_role_cy",
)


def letter_edit_token(letter):
    """What the editor says it started from: the letter's newest history row (its details, status
    and sources) and the number of its current version (its words), as "row-number". Read it
    before reading the letter for the form, so the form never shows less than the token claims."""
    row, number = (
        Letter.objects.filter(pk=letter.pk)
        .annotate(
            row=Subquery(
                Letter.history.filter(id=OuterRef("pk"))
                .order_by("-history_id")
                .values("history_id")[:1]
            ),
            number=Subquery(
                LetterVersion.objects.filter(letter=OuterRef("pk"))
                .order_by("-number")
                .values("number")[:1]
            ),
        )
        .values_list("row", "number")
        .first()
    ) or (None, None)
    return f"{row or ''}-{number or ''}"


def letter_snapshot(letter, version, meetings, circulations):
    """What the editor shows of a letter (or of one of its history rows, with the version of its
    words and the ids of its sources then), named as the form names them."""
    return {
        **{name: getattr(letter, name) for name in EDITED_DETAILS},
        **version.texts(),
        "signature": str(letter.signature or ""),
        "meetings": frozenset(meetings),
        "circulations": frozenset(circulations),
        "status": letter.status,
    }


def letter_snapshot_now(letter):
    return letter_snapshot(
        letter,
        letter.current,
        letter.meetings.values_list("pk", flat=True),
        letter.circulations.values_list("pk", flat=True),
    )


def parse_edit_token(started_from):
    """("history row id", version number or None) from a letter_edit_token."""
    row_id, _sep, number = str(started_from or "").partition("-")
    return row_id, int(number) if number.isdigit() and len(number) < 10 else None


def _snapshot_then(letter, row_id, number):
    """The history row the token names and the editor's snapshot then; (None, None) when the
    token names no history row and version of this letter."""
    row = history_row(Letter, letter.pk, row_id)
    version = letter.versions.filter(number=number).first() if number else None
    if row is None or version is None:
        return None, None
    return row, letter_snapshot(
        row,
        version,
        row.meetings.values_list("meeting", flat=True),
        row.circulations.values_list("circulation", flat=True),
    )


def letter_conflict(letter, started_from):
    """None when what the editor shows is as it was when it was opened (`started_from`,
    letter_edit_token then); otherwise a Conflict: what changed since, who changed it last, when
    (the newer of the letter's newest history row and its newest version, if made since)."""
    if started_from == letter_edit_token(letter):
        return None
    row_id, number = parse_edit_token(started_from)
    row, before = _snapshot_then(letter, row_id, number)
    since = []
    newest = letter.history.select_related("history_user").order_by("-history_id").first()
    if newest is not None and (row is None or newest.history_id != row.history_id):
        since.append((newest.history_date, newest.history_user))
    current = letter.current
    if current is not None and current.number != number:
        since.append((current.saved_at, current.saved_by))
    when, who = max(since, key=lambda change: change[0]) if since else (None, None)
    if before is None:
        return Conflict(who=who, when=when, known_start=False)
    now = letter_snapshot_now(letter)
    changed = changed_names(before, now)
    return Conflict(changed, before, now, who, when) if changed else None


@transaction.atomic
def edit_letter(*, letter, by, texts, details, meetings, circulations, started_from=None):
    """One save of the letter's editor, all or nothing: its words (a new version when they
    changed), its details (DETAIL_FIELDS) and its sources.

    With `started_from` (letter_edit_token when the editor was opened) it is refused with
    "changed_since", and nothing stored, if someone else changed what the editor shows since:
    another version saved from the same one, other details or sources, a new status."""
    letter = Letter.objects.select_for_update().select_related("group").get(pk=letter.pk)
    _check_open(letter.group)
    if letter.status in (Letter.Status.ISSUED, Letter.Status.PUBLISHED):
        raise LetterError("already_issued")
    if started_from is not None and letter_conflict(letter, started_from) is not None:
        raise LetterError("changed_since")
    version = save_letter(letter=letter, saved_by=by, texts=texts)
    set_letter_details(letter=letter, by=by, **details)
    set_sources(letter=letter, meetings=meetings, circulations=circulations, by=by)
    return version


@transaction.atomic
def restore_version(*, letter, number, restored_by):
    """An older version's words become the newest version (the older one stays as it was)."""
    old = letter.versions.filter(number=number).first()
    if old is None:
        raise LetterError("no_such_version")
    return save_letter(
        letter=letter,
        saved_by=restored_by,
        texts=old.texts(),
        reason=f"Restored version {number}",
        restored_from=number,
    )


def _transition(letter, to, *, allowed_from):
    letter = Letter.objects.select_for_update().select_related("group").get(pk=letter.pk)
    _check_open(letter.group)
    if letter.status not in allowed_from:
        raise LetterError(f"not_{'_or_'.join(allowed_from)}")
    letter.status = to
    return letter


@transaction.atomic
def send_for_review(*, letter, sent_by, notify=True):
    """Members are emailed the letter in their language, each with a reply address of their own:
    a reply becomes their comment, as a comment made online does. (`notify=False`: no emails,
    for demo data and imports.)"""
    letter = _transition(letter, Letter.Status.REVIEW, allowed_from=(Letter.Status.DRAFT,))
    with_reason(letter, "Sent to members for review", user=sent_by).save()
    for person in reviewers(letter.group) if notify else ():
        if person.pk != sent_by.pk:
            _mail_reviewer(letter, person)
    return letter


def reviewers(group):
    """Who is asked to comment: everyone with a seat at the table (chair, members, observers)."""
    from meetings.services import invited_people

    return invited_people(group)


def _mail_reviewer(letter, person):
    from meetings.reply_tokens import letter_reply_address
    from ncg_portal.mail import absolute_url, queue_mail

    from .text import plain_text

    language = person.preferred_language or "en"
    version = letter.current
    welsh = language == "cy" and version.has_welsh
    queue_mail(
        kind="letter_review",
        to_email=person.email,
        language=language,
        person=person,
        group=letter.group,
        reply_to=letter_reply_address(letter, person),
        context={
            "letter": letter,
            "person": person,
            "title": version.title_cy if welsh else version.title_en,
            "salutation": version.salutation_cy if welsh else version.salutation_en,
            "body": plain_text(version.body_cy if welsh else version.body_en),
            "closing": version.closing_cy if welsh else version.closing_en,
            "english_only": language == "cy" and not welsh,
            "url": absolute_url(
                "advice:letter", args=[letter.group.slug, letter.pk], language=language
            ),
        },
    )


@transaction.atomic
def comment_on_letter(
    *, letter, person, body, source=LetterComment.Source.WEB, inbound_message=None
):
    letter = Letter.objects.select_related("group").get(pk=letter.pk)
    if letter.status != Letter.Status.REVIEW:
        raise LetterError("not_in_review")
    if not current_roles(person, letter.group):
        raise LetterError("not_a_member")
    body = (body or "").strip()
    if not body:
        raise LetterError("empty_comment")
    comment = LetterComment(
        letter=letter,
        version=letter.current,
        person=person,
        body=body,
        source=source,
        inbound_message=inbound_message,
    )
    why = "Comment on a letter in review" + (" (email reply)" if inbound_message else "")
    with_reason(comment, why, user=person).save()
    return comment


def record_letter_email_reply(*, inbound_message, letter, person, text):
    """A member's emailed reply to a letter in review, read by meetings.inbound."""
    return comment_on_letter(
        letter=letter,
        person=person,
        body=text,
        source=LetterComment.Source.EMAIL,
        inbound_message=inbound_message,
    )


@transaction.atomic
def approve_letter(*, letter, approved_by):
    """Only the group's chair approves; the version approved is the current one, locked."""
    letter = _transition(
        letter,
        Letter.Status.APPROVED,
        allowed_from=(Letter.Status.DRAFT, Letter.Status.REVIEW),
    )
    if Role.CHAIR not in current_roles(approved_by, letter.group):
        raise LetterError("not_chair")
    letter.approved_version = letter.current
    letter.approved_by = approved_by
    letter.approved_at = timezone.now()
    with_reason(
        letter,
        f"Approved by the chair (version {letter.approved_version.number})",
        user=approved_by,
    ).save()
    return letter


@transaction.atomic
def issue_letter(*, letter, to_email, issued_by):
    """Email the approved letter to its addressee with the PDF attached (the Welsh PDF too when
    the Welsh text is there). The PDFs sent are kept on the letter as the record of what was
    issued, with who sent it, when and to whom; the message's delivery shows on the letter."""
    from ncg_portal.mail import queue_mail

    from .pdf import letter_filename, letter_pdf

    to_email = (to_email or "").strip()
    try:
        validate_email(to_email)
    except ValidationError as error:
        raise LetterError("bad_address") from error
    letter = _transition(letter, Letter.Status.ISSUED, allowed_from=(Letter.Status.APPROVED,))
    languages = ["en", "cy"] if letter.approved_version.has_welsh else ["en"]
    attachments = []
    for language in languages:
        name = letter_filename(letter, language)
        field = getattr(letter, f"issued_pdf_{language}")
        field.save(name, ContentFile(letter_pdf(letter, language)), save=False)
        attachments.append(
            {"filename": name, "content_type": "application/pdf", "storage_name": field.name}
        )
    letter.issued_to = to_email
    letter.issued_at = timezone.now()
    letter.issued_by = issued_by
    letter.issued_mail = queue_mail(
        kind="letter_issued",
        to_email=to_email,
        language="cy" if "cy" in languages else "en",
        group=letter.group,
        reply_to=issued_by.email,
        context={
            "letter": letter,
            "version": letter.approved_version,
            "welsh": "cy" in languages,
            "sender": issued_by,
        },
        attachments=attachments,
    )
    with_reason(letter, f"Issued to {to_email}", user=issued_by).save()
    return letter


@transaction.atomic
def set_sources(*, letter, meetings, circulations, by):
    """The meetings and circulations the letter draws on (the group's own only)."""
    letter = Letter.objects.select_for_update().select_related("group").get(pk=letter.pk)
    _check_open(letter.group)
    if letter.status in (Letter.Status.ISSUED, Letter.Status.PUBLISHED):
        raise LetterError("already_issued")
    if any(m.group_id != letter.group_id for m in meetings) or any(
        c.group_id != letter.group_id for c in circulations
    ):
        raise LetterError("other_group")
    if set(letter.meetings.all()) == set(meetings) and set(letter.circulations.all()) == set(
        circulations
    ):
        return letter
    with_reason(letter, "Sources of the letter changed", user=by)
    letter.meetings.set(meetings)
    letter.circulations.set(circulations)
    return letter


@transaction.atomic
def set_letter_details(*, letter, by, **details):
    """Addressee and signatory (the words of the letter itself are versions, not these). A change
    after approval sends the letter back to draft, as a change of words does."""
    if set(details) - DETAIL_FIELDS:
        raise LetterError("unknown_field")
    letter = Letter.objects.select_for_update().select_related("group").get(pk=letter.pk)
    _check_open(letter.group)
    if letter.status in (Letter.Status.ISSUED, Letter.Status.PUBLISHED):
        raise LetterError("already_issued")
    signature = details.pop("signature", None)
    changed = {k: v for k, v in details.items() if v is not None and getattr(letter, k) != v}
    if signature is False:
        if letter.signature:
            changed["signature"] = ""  # the form's "remove" box
    elif signature is not None:
        changed["signature"] = signature
    if not changed:
        return letter
    for name, value in changed.items():
        setattr(letter, name, value)
    reason = "Details of the letter changed"
    if letter.status == Letter.Status.APPROVED:
        _unapprove(letter)
        reason = "Details changed after approval: to be approved again"
    with_reason(letter, reason, user=by).save()
    return letter


def _unapprove(letter):
    letter.status = Letter.Status.DRAFT
    letter.approved_version = None
    letter.approved_by = None
    letter.approved_at = None


@transaction.atomic
def publish_letter(*, letter, published_by):
    """Both languages at once (Welsh Language Standards): refused until the Welsh is there."""
    letter = _transition(
        letter,
        Letter.Status.PUBLISHED,
        allowed_from=(Letter.Status.APPROVED, Letter.Status.ISSUED),
    )
    if not letter.approved_version.has_welsh or not letter.addressee_cy:
        raise LetterError("welsh_missing")
    letter.published_at = timezone.now()
    with_reason(letter, "Published in English and Welsh", user=published_by).save()
    return letter
