"""What happened to each email after it was queued, for the secretariat: retry a failed one,
and record what the email service or a bounce message reports about a sent one."""

import logging

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from .audit import with_reason
from .models import OutgoingMail
from .outbox import enqueue_send, message_ids_in

log = logging.getLogger(__name__)

Status = OutgoingMail.Status

RETRYABLE = (Status.FAILED, Status.BOUNCED)
PROBLEMS = (Status.FAILED, Status.BOUNCED)

# What each kind of email is, for the deliveries page; an unknown kind shows its code.
KIND_LABELS = {
    "invitation": _("Invitation to join"),
    "account_password_reset_key": _("Password reset"),
    "account_unknown_account": _("Password reset (no account)"),
    "meeting_invitation": _("Meeting invitation"),
    "meeting_updated": _("Meeting changed"),
    "meeting_cancelled": _("Meeting cancelled"),
    "meeting_papers": _("Meeting papers"),
    "meeting_written_procedure": _("Meeting replaced by the written procedure"),
    "circulation": _("Papers for comment"),
    "circulation_reminder": _("Reminder to comment"),
    "circulation_closed": _("Responses to a circulation"),
    "minutes_shared": _("Draft minutes"),
    "minutes_approved": _("Approved minutes"),
}

# anymail's normalised event types (anymail.signals.EventType) that mean "not delivered".
BOUNCE_EVENTS = {"bounced", "rejected", "failed"}
# Events recorded on the row as what the email service last said, without changing its status.
NOTED_EVENTS = {"delivered", "deferred", "complained", "autoresponded", "unsubscribed"}


class DeliveryError(Exception):
    """A refused change to a delivery; the argument names why."""


def kind_label(kind):
    return KIND_LABELS.get(kind, kind)


@transaction.atomic
def retry_delivery(*, mail, by):
    """Send a failed or bounced email again: back to QUEUED with no attempts counted, handed to
    the worker once this commits. Same Message-ID, so a copy that did arrive folds with it.

    Refuses (DeliveryError "not_failed") for any other status."""
    mail = OutgoingMail.objects.select_for_update().get(pk=mail.pk)
    if mail.status not in RETRYABLE:
        raise DeliveryError("not_failed")
    mail.status = Status.QUEUED
    mail.attempts = 0
    mail.last_error = ""
    mail.esp_event = ""
    with_reason(mail, f"Sent again by {by.email}", user=by).save(
        update_fields=["status", "attempts", "last_error", "esp_event"]
    )
    transaction.on_commit(lambda: enqueue_send(mail.pk, attempt=1), robust=True)
    return mail


def _normalised_message_ids(message_id):
    message_id = (message_id or "").strip()
    if not message_id:
        return []
    bare = message_id.strip("<>")
    return [message_id, f"<{bare}>", bare]


def find_delivery(*, message_id=None, esp_message_id=None):
    """The row for our Message-ID (with or without angle brackets) or the email service's id."""
    if message_id:
        mail = OutgoingMail.objects.filter(
            message_id__in=_normalised_message_ids(message_id)
        ).first()
        if mail is not None:
            return mail
    if esp_message_id:
        return OutgoingMail.objects.filter(esp_message_id=esp_message_id).first()
    return None


def mark_bounced(*, message_id=None, esp_message_id=None, reason="", event="bounced"):
    """Record that an email did not reach its recipient (a bounce message, or the email
    service's report): status BOUNCED, with the reason as the last error. Returns the row, or
    None when no row matches (the report is logged and dropped)."""
    mail = find_delivery(message_id=message_id, esp_message_id=esp_message_id)
    if mail is None:
        log.info(
            "bounce for an unknown message (message_id=%r, esp_message_id=%r)",
            message_id,
            esp_message_id,
        )
        return None
    with transaction.atomic():
        mail = OutgoingMail.objects.select_for_update().get(pk=mail.pk)
        mail.status = Status.BOUNCED
        mail.esp_event = (event or "bounced")[:50]
        mail.last_error = (reason or event or "bounced")[:2000]
        with_reason(mail, f"Reported as {mail.esp_event}").save(
            update_fields=["status", "esp_event", "last_error"]
        )
    log.warning("mail %s to %s %s: %s", mail.pk, mail.to_email, mail.esp_event, mail.last_error)
    return mail


def note_esp_event(*, mail, event):
    """Keep what the email service last said about a delivered message (a bounce stays)."""
    with transaction.atomic():
        mail = OutgoingMail.objects.select_for_update().get(pk=mail.pk)
        if mail.status == Status.BOUNCED or mail.esp_event == event:
            return mail
        mail.esp_event = event[:50]
        with_reason(mail, f"Reported as {mail.esp_event}").save(update_fields=["esp_event"])
    return mail


def record_tracking_event(sender, event, esp_name="", **kwargs):
    """Receiver of anymail's `tracking` signal (connected in apps.py): bounced, rejected and
    failed mark the delivery BOUNCED; delivered and the like are noted as its ESP event.

    The row is found by the email service's id (event.message_id, stored when it was sent), or
    else by our own Message-ID where the service passes it in its raw event."""
    event_type = getattr(event, "event_type", "") or ""
    if event_type not in BOUNCE_EVENTS | NOTED_EVENTS:
        return None
    esp_id = str(event.message_id) if event.message_id not in (None, "") else None
    mail = find_delivery(esp_message_id=esp_id)
    if mail is None:
        for message_id in sorted(message_ids_in(event.esp_event)):
            mail = find_delivery(message_id=message_id)
            if mail is not None:
                break
    if mail is None:
        log.info("%s event from %s for an unknown message %r", event_type, esp_name, esp_id)
        return None
    if event_type in BOUNCE_EVENTS:
        reason = event.mta_response or event.description or event.reject_reason or event_type
        return mark_bounced(message_id=mail.message_id, reason=str(reason), event=event_type)
    return note_esp_event(mail=mail, event=event_type)
