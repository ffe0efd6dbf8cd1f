"""Advice letters from the chair: drafted in versions, reviewed, approved, issued, published."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from meetings.models import Circulation, Meeting
from members.models import Group, Person
from ncg_portal.i18n import BilingualMixin


class Letter(BilingualMixin, models.Model):
    """A letter of advice. Its words live in versions; `current` is the latest, `approved` the
    version the chair approved (issued and published as it stands)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        REVIEW = "review", _("In review")
        APPROVED = "approved", _("Approved")
        ISSUED = "issued", _("Issued")
        PUBLISHED = "published", _("Published")

    group = models.ForeignKey(Group, on_delete=models.PROTECT, related_name="letters")
    status = models.CharField(max_length=9, choices=Status, default=Status.DRAFT)
    letter_date = models.DateField(default=timezone.localdate)
    addressee_en = models.CharField(max_length=200)
    addressee_cy = models.CharField(max_length=200, blank=True)
    signatory_name = models.CharField(max_length=200)
    signatory_role_en = models.CharField(max_length=200, blank=True)
    signatory_role_cy = models.CharField(max_length=200, blank=True)
    signature = models.ImageField(upload_to="signatures/", blank=True)
    meetings = models.ManyToManyField(Meeting, blank=True, related_name="letters")
    circulations = models.ManyToManyField(Circulation, blank=True, related_name="letters")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    approved_version = models.ForeignKey(
        "LetterVersion", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    issued_to = models.EmailField(blank=True)
    issued_at = models.DateTimeField(null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The PDFs exactly as they were sent, kept as the record of what was issued.
    issued_pdf_en = models.FileField(upload_to="letters/issued/", blank=True)
    issued_pdf_cy = models.FileField(upload_to="letters/issued/", blank=True)
    issued_mail = models.ForeignKey(
        "ncg_portal.OutgoingMail",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    published_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords(m2m_fields=[meetings, circulations])

    bilingual_fields = ("addressee", "signatory_role")

    class Meta:
        ordering = ["-letter_date", "-pk"]
        indexes = [models.Index(fields=["group", "status"])]

    def __str__(self):
        current = self.versions.order_by("-number").first()
        return current.title_en if current else f"Letter {self.pk}"

    @property
    def current(self):
        return self.versions.order_by("-number").first()


class LetterVersion(BilingualMixin, models.Model):
    """The letter's words as saved once. Saving again makes the next version; none is changed."""

    letter = models.ForeignKey(Letter, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    title_en = models.CharField(max_length=300)
    title_cy = models.CharField(max_length=300, blank=True)
    salutation_en = models.CharField(max_length=200)
    salutation_cy = models.CharField(max_length=200, blank=True)
    # Markdown: headings, paragraphs, lists, emphasis and links; rendered through a sanitiser.
    body_en = models.TextField()
    body_cy = models.TextField(blank=True)
    closing_en = models.CharField(max_length=200)
    closing_cy = models.CharField(max_length=200, blank=True)
    saved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    saved_at = models.DateTimeField(default=timezone.now)
    # Set when this version restores an older one.
    restored_from = models.PositiveIntegerField(null=True, blank=True)
    history = HistoricalRecords()

    bilingual_fields = ("title", "salutation", "body", "closing")

    class Meta:
        ordering = ["letter", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["letter", "number"], name="letter_version_unique")
        ]

    def __str__(self):
        return f"{self.title_en} v{self.number}"

    TEXT_FIELDS = (
        "title_en",
        "title_cy",
        "salutation_en",
        "salutation_cy",
        "body_en",
        "body_cy",
        "closing_en",
        "closing_cy",
    )

    def texts(self):
        return {name: getattr(self, name) for name in self.TEXT_FIELDS}

    @property
    def has_welsh(self):
        return bool(self.title_cy and self.body_cy and self.salutation_cy and self.closing_cy)


class LetterComment(models.Model):
    """A member's comment on a letter in review, on the version they read."""

    class Source(models.TextChoices):
        WEB = "web", _("Online")
        EMAIL = "email", _("Email")

    letter = models.ForeignKey(Letter, on_delete=models.CASCADE, related_name="comments")
    version = models.ForeignKey(LetterVersion, on_delete=models.PROTECT, related_name="comments")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="letter_comments")
    body = models.TextField()
    source = models.CharField(max_length=5, choices=Source, default=Source.WEB)
    inbound_message = models.OneToOneField(
        "meetings.InboundMessage",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="letter_comment",
    )
    created_at = models.DateTimeField(default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        ordering = ["letter", "created_at"]

    def __str__(self):
        return f"{self.person} on {self.letter}"
