import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


def make_message_id():
    domain = settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].strip("> ") or "ncg-portal.invalid"
    return f"<{uuid.uuid4().hex}@{domain}>"


class OutgoingMail(models.Model):
    """One email to one recipient, written in the same transaction as the change that caused it.

    The worker sends it (`ncg_portal.tasks.send_outgoing_mail`); nothing is sent from a request.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENT = "sent", "Sent"
        SENDING = "sending", "Sending"
        FAILED = "failed", "Failed"
        WITHHELD = "withheld", "Withheld"
        BOUNCED = "bounced", "Bounced"

    MAX_ATTEMPTS = 5

    kind = models.CharField(max_length=50, help_text="Which template made it, e.g. invitation")
    group = models.ForeignKey(
        "members.Group", on_delete=models.PROTECT, null=True, blank=True, related_name="mails"
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="mails",
    )
    to_email = models.EmailField()
    # Fixed when the row is written, so a message sent twice (a worker killed just after the
    # server accepted it) carries the same Message-ID and mail clients fold the two.
    message_id = models.CharField(max_length=255, unique=True, default=make_message_id)
    reply_to = models.CharField(max_length=255, blank=True)
    language = models.CharField(max_length=2, default="en")
    subject = models.CharField(max_length=998)
    body_text = models.TextField()
    body_html = models.TextField(blank=True)
    # [{"filename": ..., "content_type": ..., "content": text}], e.g. a calendar invitation.
    attachments = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=10, choices=Status, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # When a worker last took the row to send it: a row left "sending" too long is taken again.
    sending_since = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # The email service's own id and what it last reported (delivered, bounced, complained…).
    esp_message_id = models.CharField(max_length=255, blank=True, db_index=True)
    esp_event = models.CharField(max_length=50, blank=True)
    history = HistoricalRecords(excluded_fields=["body_text", "body_html", "attachments"])

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self):
        return f"{self.kind} to {self.to_email} ({self.status})"


class RecordAccess(models.Model):
    """A read that matters, for the audit log: a draft letter opened, the audit log or a records
    archive exported, a person's data exported. (Paper downloads have their own record.)"""

    class What(models.TextChoices):
        LETTER_DRAFT_VIEWED = "letter_draft_viewed", _("Draft letter viewed")
        AUDIT_EXPORTED = "audit_exported", _("Audit log exported")
        ARCHIVE_EXPORTED = "archive_exported", _("Records archive exported")
        PERSON_EXPORTED = "person_exported", _("A person's data exported")

    group = models.ForeignKey("members.Group", on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="record_accesses"
    )
    what = models.CharField(max_length=24, choices=What)
    # What was read: the letter's id and version, the filters of an export… (free text).
    subject = models.CharField(max_length=300, blank=True)
    at = models.DateTimeField(default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-at"]
        verbose_name = _("record access")

    def __str__(self):
        return f"{self.what} by {self.person_id} ({self.subject})"


def archive_upload_to(archive, filename):
    return f"archives/{archive.group.slug}/{filename}"


class RecordsArchive(models.Model):
    """A ZIP of a group's records (ncg_portal/archive.py), made when the group closes or when the
    secretariat asks. Built by the worker; kept with its SHA-256 so a copy can be checked."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Being prepared")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")

    group = models.ForeignKey("members.Group", on_delete=models.PROTECT, related_name="archives")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    on_closing = models.BooleanField(default=False)
    status = models.CharField(max_length=7, choices=Status, default=Status.PENDING)
    file = models.FileField(upload_to=archive_upload_to, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    files = models.PositiveIntegerField(default=0)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-requested_at"]
        verbose_name = _("records archive")

    def __str__(self):
        return f"Archive {self.pk} of {self.group_id} ({self.status})"
