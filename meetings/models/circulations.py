"""The written procedure: papers circulated by email for comment, and the replies that come back."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from members.models import Group, Person
from ncg_portal.i18n import BilingualMixin

from .meetings import Meeting, Paper


class Position(models.TextChoices):
    """A member's answer to a question that asks for a position."""

    AGREE = "agree", _("Agree")
    AGREE_WITH_COMMENTS = "agree_comments", _("Agree, with comments")
    DISAGREE = "disagree", _("Disagree")
    NO_COMMENT = "no_comment", _("No comment")


class Circulation(BilingualMixin, models.Model):
    """Papers and questions put to members by email, with a deadline (the written procedure)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        OPEN = "open", _("Open for comment")
        CLOSED = "closed", _("Closed")

    group = models.ForeignKey(Group, on_delete=models.PROTECT, related_name="circulations")
    # Set when the circulation replaces a meeting that could not reach a quorum.
    meeting = models.ForeignKey(
        Meeting, on_delete=models.SET_NULL, null=True, blank=True, related_name="circulations"
    )
    subject_en = models.CharField(max_length=200)
    subject_cy = models.CharField(max_length=200)
    message_en = models.TextField()
    message_cy = models.TextField()
    papers = models.ManyToManyField(Paper, blank=True, related_name="circulations")
    deadline = models.DateTimeField()
    # Copied from the group's setting when the circulation opens, and shown with it.
    silence_is_agreement = models.BooleanField(default=False)
    remind_days_before = models.PositiveSmallIntegerField(default=2)
    status = models.CharField(max_length=6, choices=Status, default=Status.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    summary_pdf_en = models.FileField(upload_to="circulations/", blank=True, editable=False)
    summary_pdf_cy = models.FileField(upload_to="circulations/", blank=True, editable=False)
    history = HistoricalRecords(m2m_fields=[papers])

    bilingual_fields = ("subject", "message")

    class Meta:
        ordering = ["-deadline"]
        indexes = [models.Index(fields=["group", "status"])]

    def __str__(self):
        return self.subject_en

    @property
    def is_open(self):
        return self.status == self.Status.OPEN

    def is_past_deadline(self, now=None):
        return (now or timezone.now()) > self.deadline


class Question(BilingualMixin, models.Model):
    circulation = models.ForeignKey(Circulation, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField()
    text_en = models.TextField()
    text_cy = models.TextField()
    asks_position = models.BooleanField(
        default=True,
        help_text=_("Members answer agree, agree with comments, disagree or no comment"),
    )
    history = HistoricalRecords()

    bilingual_fields = ("text",)

    class Meta:
        ordering = ["circulation", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["circulation", "position"], name="question_position_unique"
            )
        ]

    def __str__(self):
        return f"Q{self.position}. {self.text_en[:60]}"


class CirculationRecipient(models.Model):
    """One person a circulation was sent to: their reply address and whether they answered."""

    circulation = models.ForeignKey(
        Circulation, on_delete=models.CASCADE, related_name="recipients"
    )
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="circulations")
    sent_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    responded_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["circulation", "person__full_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["circulation", "person"], name="one_recipient_row_per_person"
            )
        ]

    def __str__(self):
        return f"{self.person} for {self.circulation}"


class InboundMessage(models.Model):
    """An email received for the portal, stored raw before anything else happens to it."""

    class Source(models.TextChoices):
        PIPE = "pipe", _("Mail server (pipe)")
        MAILDIR = "maildir", _("Mailbox (Maildir)")
        WEBHOOK = "webhook", _("Email service (webhook)")

    class Status(models.TextChoices):
        RECEIVED = "received", _("Received, not yet read")
        ACCEPTED = "accepted", _("Recorded as a response")
        HELD = "held", _("Held for the secretariat")
        AUTO_REPLY = "auto_reply", _("Automatic reply, not counted")
        BOUNCE = "bounce", _("Delivery failure report, not counted")
        DUPLICATE = "duplicate", _("Already received")
        RELEASED = "released", _("Released by the secretariat")
        DISMISSED = "dismissed", _("Dismissed by the secretariat")

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    source = models.CharField(max_length=8, choices=Source)
    raw = models.BinaryField(editable=False)
    size = models.PositiveIntegerField(default=0)
    received_at = models.DateTimeField(default=timezone.now)
    message_id = models.CharField(max_length=998, blank=True, db_index=True)
    from_address = models.CharField(max_length=998, blank=True)
    to_address = models.CharField(max_length=998, blank=True)
    subject = models.CharField(max_length=998, blank=True)
    status = models.CharField(max_length=10, choices=Status, default=Status.RECEIVED)
    hold_reason = models.CharField(max_length=300, blank=True)
    circulation = models.ForeignKey(
        Circulation,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="inbound_messages",
    )
    # A reply to a letter sent to members for review (advice), instead of a circulation.
    letter = models.ForeignKey(
        "advice.Letter",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="inbound_messages",
    )
    person = models.ForeignKey(
        Person, on_delete=models.SET_NULL, null=True, blank=True, related_name="inbound_messages"
    )
    history = HistoricalRecords(excluded_fields=["raw"])

    class Meta:
        ordering = ["-received_at"]

    def __str__(self):
        return f"{self.from_address}: {self.subject[:60]} ({self.status})"


class Comment(models.Model):
    """A member's response: on one paper, one question or the whole circulation.

    Online comments can be edited until the deadline (history keeps every version); each email
    reply adds comments of its own, linked to the message it came from."""

    class Source(models.TextChoices):
        WEB = "web", _("Online")
        EMAIL = "email", _("Email")

    circulation = models.ForeignKey(Circulation, on_delete=models.CASCADE, related_name="comments")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="comments")
    paper = models.ForeignKey(
        Paper, on_delete=models.PROTECT, null=True, blank=True, related_name="comments"
    )
    question = models.ForeignKey(
        Question, on_delete=models.PROTECT, null=True, blank=True, related_name="comments"
    )
    position = models.CharField(max_length=14, choices=Position, blank=True)
    body = models.TextField(blank=True)
    source = models.CharField(max_length=5, choices=Source, default=Source.WEB)
    inbound_message = models.ForeignKey(
        InboundMessage, on_delete=models.PROTECT, null=True, blank=True, related_name="comments"
    )
    is_late = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        ordering = ["circulation", "created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(paper__isnull=True) | Q(question__isnull=True),
                name="comment_on_a_paper_or_a_question_not_both",
            ),
        ]

    def __str__(self):
        return f"{self.person} on {self.circulation}: {self.body[:60]}"


def comment_attachment_upload_to(attachment, filename):
    return f"comments/{attachment.comment.circulation.group_id}/{uuid.uuid4().hex}"


class CommentAttachment(models.Model):
    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=comment_attachment_upload_to)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=120)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    history = HistoricalRecords()

    def __str__(self):
        return self.original_name
