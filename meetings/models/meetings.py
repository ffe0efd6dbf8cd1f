"""Meetings of a group: the termly plan, agendas, papers, attendance, minutes and actions."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from members.models import Group, Person, Phase, Workstream
from ncg_portal.i18n import BilingualMixin


class SchoolTerm(models.Model):
    """A Welsh school term. National data the secretariat can correct; defaults are seeded."""

    class Season(models.TextChoices):
        AUTUMN = "autumn", _("Autumn term")
        SPRING = "spring", _("Spring term")
        SUMMER = "summer", _("Summer term")

    academic_year = models.CharField(max_length=7, help_text="For example 2025-26")
    season = models.CharField(max_length=6, choices=Season)
    starts_on = models.DateField()
    ends_on = models.DateField()
    half_term_starts_on = models.DateField(null=True, blank=True)
    half_term_ends_on = models.DateField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["starts_on"]
        constraints = [
            models.UniqueConstraint(fields=["academic_year", "season"], name="one_term_per_season"),
            models.CheckConstraint(
                condition=Q(ends_on__gt=models.F("starts_on")), name="term_ends_after_start"
            ),
        ]

    def __str__(self):
        return f"{self.get_season_display()} {self.academic_year}"

    def in_half_term(self, day):
        return bool(
            self.half_term_starts_on
            and self.half_term_ends_on
            and self.half_term_starts_on <= day <= self.half_term_ends_on
        )


class MeetingRule(BilingualMixin, models.Model):
    """A rule from the terms of reference, checked against the meetings held or planned."""

    class Kind(models.TextChoices):
        AT_LEAST_BY = "at_least_by", _("At least a number of meetings by a date")
        EACH_TERM = "each_term", _("At least one meeting every school term")

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="meeting_rules")
    kind = models.CharField(max_length=12, choices=Kind)
    minimum = models.PositiveSmallIntegerField(default=1)
    starts_on = models.DateField()
    ends_on = models.DateField()
    description_en = models.CharField(max_length=300)
    description_cy = models.CharField(max_length=300)
    history = HistoricalRecords()

    bilingual_fields = ("description",)

    class Meta:
        ordering = ["group", "starts_on"]

    def __str__(self):
        return self.description_en


class Meeting(BilingualMixin, models.Model):
    class Mode(models.TextChoices):
        IN_PERSON = "in_person", _("In person")
        ONLINE = "online", _("Online")
        HYBRID = "hybrid", _("In person and online")

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        CONFIRMED = "confirmed", _("Confirmed")
        HELD = "held", _("Held")
        CANCELLED = "cancelled", _("Cancelled")
        WRITTEN_PROCEDURE = "written", _("Moved to written procedure")

    group = models.ForeignKey(Group, on_delete=models.PROTECT, related_name="meetings")
    title_en = models.CharField(max_length=200)
    title_cy = models.CharField(max_length=200)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    mode = models.CharField(max_length=10, choices=Mode, default=Mode.HYBRID)
    venue = models.CharField(max_length=300, blank=True)
    join_url = models.URLField(blank=True, help_text=_("Shown only to members of the group"))
    phase = models.ForeignKey(
        Phase, on_delete=models.SET_NULL, null=True, blank=True, related_name="meetings"
    )
    status = models.CharField(max_length=10, choices=Status, default=Status.PLANNED)
    # Calendar identity: the UID never changes; SEQUENCE goes up with every change sent out.
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    sequence = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    history = HistoricalRecords()

    bilingual_fields = ("title",)

    class Meta:
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="meeting_ends_after_start"
            ),
        ]
        indexes = [models.Index(fields=["group", "starts_at"])]

    def __str__(self):
        return f"{self.title_en} ({self.starts_at:%Y-%m-%d})"

    @property
    def counts_towards_rules(self):
        return self.status in (self.Status.PLANNED, self.Status.CONFIRMED, self.Status.HELD)


class AgendaItem(BilingualMixin, models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="agenda_items")
    position = models.PositiveSmallIntegerField()
    title_en = models.CharField(max_length=300)
    title_cy = models.CharField(max_length=300)
    starts_at = models.TimeField(null=True, blank=True)
    minutes = models.PositiveSmallIntegerField(null=True, blank=True)
    presenter = models.CharField(max_length=200, blank=True)
    workstream = models.ForeignKey(Workstream, on_delete=models.SET_NULL, null=True, blank=True)
    history = HistoricalRecords()

    bilingual_fields = ("title",)

    class Meta:
        ordering = ["meeting", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "position"],
                name="agenda_position_unique",
                deferrable=models.Deferrable.DEFERRED,
            )
        ]

    def __str__(self):
        return f"{self.position}. {self.title_en}"


class Paper(BilingualMixin, models.Model):
    class Classification(models.TextChoices):
        OFFICIAL = "official", "OFFICIAL"
        OFFICIAL_SENSITIVE = "official_sensitive", "OFFICIAL-SENSITIVE"

    group = models.ForeignKey(Group, on_delete=models.PROTECT, related_name="papers")
    meeting = models.ForeignKey(
        Meeting, on_delete=models.SET_NULL, null=True, blank=True, related_name="papers"
    )
    agenda_item = models.ForeignKey(
        AgendaItem, on_delete=models.SET_NULL, null=True, blank=True, related_name="papers"
    )
    title_en = models.CharField(max_length=300)
    title_cy = models.CharField(max_length=300, blank=True)
    reference = models.CharField(max_length=30, blank=True, help_text=_("For example NCG(25)04"))
    classification = models.CharField(
        max_length=20, choices=Classification, default=Classification.OFFICIAL
    )
    workstream = models.ForeignKey(Workstream, on_delete=models.SET_NULL, null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # Set when the paper was last sent to members by email (circulated).
    circulated_at = models.DateTimeField(null=True, blank=True)
    # A withdrawn paper stays in the record (and the archive) but is no longer sent or offered
    # to members; the reason is shown to them.
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    withdrawal_reason = models.TextField(blank=True)
    history = HistoricalRecords()

    bilingual_fields = ("title",)

    class Meta:
        ordering = ["reference", "title_en"]

    def __str__(self):
        return f"{self.reference} {self.title_en}".strip()

    @property
    def current_version(self):
        return self.versions.order_by("-number").first()

    @property
    def is_withdrawn(self):
        return self.withdrawn_at is not None


def paper_upload_to(version, filename):
    # Random names: the original name is kept in the row, never trusted as a path.
    return f"papers/{version.paper.group_id}/{uuid.uuid4().hex}"


class PaperVersion(models.Model):
    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveSmallIntegerField()
    file = models.FileField(upload_to=paper_upload_to)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=120)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        ordering = ["paper", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["paper", "number"], name="paper_version_unique")
        ]

    def __str__(self):
        return f"{self.paper} v{self.number}"


class PaperDownload(models.Model):
    """Who opened which version, and when."""

    version = models.ForeignKey(PaperVersion, on_delete=models.CASCADE, related_name="downloads")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="paper_downloads")
    downloaded_at = models.DateTimeField(default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-downloaded_at"]
        indexes = [models.Index(fields=["person", "version"])]

    def __str__(self):
        return f"{self.person} opened {self.version}"


class Attendance(models.Model):
    """One person's answer to a meeting invitation, and whether they came."""

    class Response(models.TextChoices):
        NO_REPLY = "no_reply", _("No reply yet")
        IN_PERSON = "in_person", _("Attending in person")
        ONLINE = "online", _("Attending online")
        APOLOGIES = "apologies", _("Apologies")

    class Attended(models.TextChoices):
        IN_PERSON = "in_person", _("Attended in person")
        ONLINE = "online", _("Attended online")
        ABSENT = "absent", _("Absent")
        DEPUTY = "deputy", _("Represented by a deputy")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendances")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="attendances")
    response = models.CharField(max_length=10, choices=Response, default=Response.NO_REPLY)
    deputy_name = models.CharField(max_length=200, blank=True)
    responded_at = models.DateTimeField(null=True, blank=True)
    attended = models.CharField(max_length=10, choices=Attended, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["meeting", "person__full_name"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "person"], name="one_attendance_per_person")
        ]

    def __str__(self):
        return f"{self.person} – {self.meeting}: {self.response}"

    @property
    def is_attending(self):
        return self.response in (self.Response.IN_PERSON, self.Response.ONLINE)


def minutes_pdf_upload_to(minutes, filename):
    return f"minutes/{minutes.meeting.group_id}/{uuid.uuid4().hex}.pdf"


class Minutes(BilingualMixin, models.Model):
    """The record of a meeting. Attendance, apologies, agenda, papers, declarations and actions come
    from the portal's own data; the secretariat writes the discussion (MinutesEntry, one per agenda
    item) and any other business (`body`). Approval freezes it all into `record`."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SHARED = "shared", _("Shared for comment")
        APPROVED = "approved", _("Approved")

    meeting = models.OneToOneField(Meeting, on_delete=models.CASCADE, related_name="minutes")
    body_en = models.TextField(blank=True)
    body_cy = models.TextField(blank=True)
    status = models.CharField(max_length=8, choices=Status, default=Status.DRAFT)
    shared_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    # The approved minutes as they were approved, per language ({"en": {...}, "cy": {...}}), so later
    # changes to attendance or the agenda never rewrite an approved record.
    record = models.JSONField(null=True, blank=True, editable=False)
    pdf_en = models.FileField(upload_to=minutes_pdf_upload_to, blank=True, editable=False)
    pdf_cy = models.FileField(upload_to=minutes_pdf_upload_to, blank=True, editable=False)
    history = HistoricalRecords()

    bilingual_fields = ("body",)

    class Meta:
        verbose_name_plural = "minutes"

    def __str__(self):
        return f"Minutes of {self.meeting}"

    @property
    def is_approved(self):
        return self.status == self.Status.APPROVED


class MinutesCorrection(models.Model):
    """A change to minutes after the chair approved them: who, when and why."""

    minutes = models.ForeignKey(Minutes, on_delete=models.CASCADE, related_name="corrections")
    corrected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    corrected_at = models.DateTimeField(default=timezone.now)
    reason = models.TextField()
    history = HistoricalRecords()

    class Meta:
        ordering = ["corrected_at"]

    def __str__(self):
        return f"Correction to {self.minutes}"


class MinutesEntry(BilingualMixin, models.Model):
    """What was discussed and agreed under one agenda item."""

    minutes = models.ForeignKey(Minutes, on_delete=models.CASCADE, related_name="entries")
    agenda_item = models.OneToOneField(
        AgendaItem, on_delete=models.PROTECT, related_name="minutes_entry"
    )
    discussion_en = models.TextField(blank=True)
    discussion_cy = models.TextField(blank=True)
    history = HistoricalRecords()

    bilingual_fields = ("discussion",)

    class Meta:
        ordering = ["agenda_item__position"]
        verbose_name_plural = "minutes entries"

    def __str__(self):
        return f"Minutes on {self.agenda_item}"


class MinutesComment(models.Model):
    """A member's comment on draft minutes shared for comment."""

    minutes = models.ForeignKey(Minutes, on_delete=models.CASCADE, related_name="comments")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="minutes_comments")
    agenda_item = models.ForeignKey(
        AgendaItem, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        ordering = ["created_at"]

    def __str__(self):
        return f"{self.person} on {self.minutes}"


class Action(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DONE = "done", _("Done")
        DROPPED = "dropped", _("Dropped")

    group = models.ForeignKey(Group, on_delete=models.PROTECT, related_name="actions")
    meeting = models.ForeignKey(
        Meeting, on_delete=models.SET_NULL, null=True, blank=True, related_name="actions"
    )
    description = models.TextField()
    owner = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="actions")
    due_on = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=8, choices=Status, default=Status.OPEN)
    completed_on = models.DateField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["status", "due_on"]

    def __str__(self):
        return self.description[:80]

    @property
    def is_overdue(self):
        return (
            self.status == self.Status.OPEN
            and self.due_on is not None
            and self.due_on < timezone.localdate()
        )


class Declaration(models.Model):
    """A declaration of interest, for a meeting or one of its agenda items."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="declarations")
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="declarations")
    agenda_item = models.ForeignKey(
        AgendaItem, on_delete=models.CASCADE, null=True, blank=True, related_name="declarations"
    )
    interest = models.TextField()
    declared_at = models.DateTimeField(default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        ordering = ["meeting", "declared_at"]

    def __str__(self):
        return f"{self.person}: {self.interest[:60]}"


class CalendarFeed(models.Model):
    """A person's private calendar feed: a secret URL, revocable by making a new one."""

    person = models.OneToOneField(Person, on_delete=models.CASCADE, related_name="calendar_feed")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    history = HistoricalRecords(excluded_fields=["token_hash"])

    def __str__(self):
        return f"Calendar feed of {self.person}"
