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
