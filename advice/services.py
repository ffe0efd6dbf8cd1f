"""Every write to advice letters: drafting in versions, review, approval, issue, publication.

draft → in review → approved (the chair) → issued → published. Any change to the words after
approval is a new version, and the letter goes back to draft to be approved again.
"""

from django.db import transaction
from django.utils import timezone

from members.models import Role
from members.permissions import current_roles
from ncg_portal.audit import with_reason

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
def create_letter(
    *, group, created_by, texts, letter_date=None, addressee_en=None, addressee_cy=None
):
    """A new draft, with version 1. `texts` holds LetterVersion.TEXT_FIELDS (Welsh may be blank).
    The addressee defaults to the group's ("Cabinet Secretary for Education"); the signatory is
    the group's chair."""
    _check_open(group)
    chair = chair_of(group)
    if chair is None:
        raise LetterError("no_chair")
    letter = Letter(
        group=group,
        addressee_en=addressee_en or group.advises_en,
        addressee_cy=addressee_cy if addressee_cy is not None else group.advises_cy,
        signatory_name=chair.display_name,
        signatory_role_en="Chair, " + group.name_en,
        signatory_role_cy="Cadeirydd, " + group.name_cy,
        created_by=created_by,
    )
    if letter_date is not None:
        letter.letter_date = letter_date
    with_reason(letter, "Letter drafted", user=created_by).save()
    _new_version(letter, texts, saved_by=created_by, reason="Letter drafted")
    return letter


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
        letter.status = Letter.Status.DRAFT
        letter.approved_version = None
        letter.approved_by = None
        letter.approved_at = None
        with_reason(letter, "Changed after approval: to be approved again", user=saved_by).save()
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
def send_for_review(*, letter, sent_by):
    letter = _transition(letter, Letter.Status.REVIEW, allowed_from=(Letter.Status.DRAFT,))
    with_reason(letter, "Sent to members for review", user=sent_by).save()
    return letter


@transaction.atomic
def comment_on_letter(*, letter, person, body, source=LetterComment.Source.WEB):
    letter = Letter.objects.select_related("group").get(pk=letter.pk)
    if letter.status != Letter.Status.REVIEW:
        raise LetterError("not_in_review")
    if not current_roles(person, letter.group):
        raise LetterError("not_a_member")
    body = (body or "").strip()
    if not body:
        raise LetterError("empty_comment")
    comment = LetterComment(
        letter=letter, version=letter.current, person=person, body=body, source=source
    )
    with_reason(comment, "Comment on a letter in review").save()
    return comment


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


@transaction.atomic
def set_letter_date(*, letter, letter_date, by):
    letter = Letter.objects.select_for_update().select_related("group").get(pk=letter.pk)
    _check_open(letter.group)
    if letter.status in (Letter.Status.ISSUED, Letter.Status.PUBLISHED):
        raise LetterError("already_issued")
    letter.letter_date = letter_date
    with_reason(letter, "Date of the letter changed", user=by).save()
    return letter
