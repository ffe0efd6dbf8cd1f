import datetime

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from ncg_portal.i18n import BilingualMixin


class Language(models.TextChoices):
    ENGLISH = "en", "English"
    WELSH = "cy", "Cymraeg"


class PersonManager(BaseUserManager):
    use_in_migrations = True

    def get_by_natural_key(self, email):
        return self.get(email__iexact=email)

    def create_user(self, email, password=None, **extra):
        if not email:
            raise ValueError("A person needs an email address.")
        person = self.model(email=self.normalize_email(email).lower(), **extra)
        person.set_password(password)
        person.save(using=self._db)
        return person

    def create_superuser(self, email, password=None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class Person(AbstractBaseUser, PermissionsMixin):
    """Anyone who signs in: members, chairs, secretariat officers, observers."""

    email = models.EmailField(_("email address"), max_length=254, unique=True)
    full_name = models.CharField(_("full name"), max_length=200)
    post_nominals = models.CharField(
        _("post-nominals"), max_length=50, blank=True, help_text=_("For example, CBE or OBE")
    )
    job_title = models.CharField(_("job title"), max_length=200, blank=True)
    preferred_language = models.CharField(
        _("preferred language"), max_length=2, choices=Language, default=Language.ENGLISH
    )
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = PersonManager()
    # Password hashes and login times stay out of the audit trail.
    history = HistoricalRecords(excluded_fields=["password", "last_login"])

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["full_name"]
        constraints = [models.UniqueConstraint(Lower("email"), name="person_email_unique_ci")]

    def __str__(self):
        return self.display_name

    def save(self, *args, **kwargs):
        self.email = self.email.strip().lower()
        super().save(*args, **kwargs)

    @property
    def display_name(self):
        return f"{self.full_name} {self.post_nominals}".strip()

    def get_full_name(self):
        return self.display_name

    def get_short_name(self):
        return self.full_name


class Organisation(BilingualMixin, models.Model):
    name_en = models.CharField(_("name (English)"), max_length=200, unique=True)
    name_cy = models.CharField(_("name (Welsh)"), max_length=200, blank=True)
    history = HistoricalRecords()

    bilingual_fields = ("name",)

    class Meta:
        ordering = ["name_en"]

    def __str__(self):
        return self.name


class Group(BilingualMixin, models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        CLOSED = "closed", _("Closed")

    class QuorumRule(models.TextChoices):
        MAJORITY = "majority", _("A majority of current members")
        FIXED = "fixed", _("A fixed number of members")

    slug = models.SlugField(unique=True)
    name_en = models.CharField(_("name (English)"), max_length=200)
    name_cy = models.CharField(_("name (Welsh)"), max_length=200)
    short_name = models.CharField(max_length=20, blank=True, help_text=_("For example, NCG"))
    summary_en = models.TextField(_("summary (English)"), blank=True)
    summary_cy = models.TextField(_("summary (Welsh)"), blank=True)
    terms_of_reference_en = models.TextField(_("terms of reference (English)"))
    terms_of_reference_cy = models.TextField(_("terms of reference (Welsh)"))
    advises_en = models.CharField(_("advises (English)"), max_length=200)
    advises_cy = models.CharField(_("advises (Welsh)"), max_length=200)
    logo = models.ImageField(
        _("logo"),
        upload_to="logos/",
        blank=True,
        help_text=_("PNG or JPEG, shown in the letterhead of the group's letters."),
    )
    advises_email = models.EmailField(
        _("email address for letters"),
        blank=True,
        help_text=_("Where the group's approved letters are sent, e.g. the minister's office."),
    )
    membership_note_en = models.TextField(_("about the membership (English)"), blank=True)
    membership_note_cy = models.TextField(_("about the membership (Welsh)"), blank=True)
    mode_of_operation_en = models.TextField(_("mode of operation (English)"), blank=True)
    mode_of_operation_cy = models.TextField(_("mode of operation (Welsh)"), blank=True)
    starts_on = models.DateField(_("start date"))
    ends_on = models.DateField(_("end date"), null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status, default=Status.ACTIVE)
    quorum_rule = models.CharField(max_length=10, choices=QuorumRule, default=QuorumRule.MAJORITY)
    quorum_number = models.PositiveSmallIntegerField(null=True, blank=True)
    allows_deputies = models.BooleanField(
        _("members may send a deputy"),
        default=False,
        help_text=_(
            "When a member sends apologies, they may name someone to attend in their place."
        ),
    )
    silence_is_agreement = models.BooleanField(
        _("silence counts as agreement"),
        default=False,
        help_text=_(
            "In the written procedure, a member who does not answer by the deadline is taken to agree."
        ),
    )
    # Closing: the secretariat's reason, and who and when (ends_on holds the date it concluded).
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        "members.Person", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    closure_reason = models.TextField(_("why the group closed"), blank=True)
    history = HistoricalRecords()

    bilingual_fields = (
        "name",
        "summary",
        "terms_of_reference",
        "advises",
        "membership_note",
        "mode_of_operation",
    )

    class Meta:
        ordering = ["name_en"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="group_ends_after_start",
            ),
            models.CheckConstraint(
                condition=~Q(quorum_rule="fixed") | Q(quorum_number__gte=1),
                name="group_fixed_quorum_has_number",
            ),
        ]

    def __str__(self):
        return self.name_en

    @property
    def is_closed(self):
        return self.status == self.Status.CLOSED

    def current_memberships(self):
        return self.memberships.current().select_related("person", "organisation")

    def quorum(self, voting=None):
        """How many voting members (chair and members) make a quorum today. `voting` is how many
        voting members there are today, when the caller has counted them already."""
        if self.quorum_rule == self.QuorumRule.FIXED:
            return self.quorum_number
        if voting is None:
            voting = self.memberships.current().filter(role__in=Membership.VOTING_ROLES).count()
        return voting // 2 + 1


class Role(models.TextChoices):
    CHAIR = "chair", _("Chair")
    MEMBER = "member", _("Member")
    SECRETARIAT = "secretariat", _("Secretariat")
    OBSERVER = "observer", _("Observer")


class MembershipQuerySet(models.QuerySet):
    def current(self, on=None):
        on = on or timezone.localdate()
        return self.filter(starts_on__lte=on).filter(Q(ends_on__isnull=True) | Q(ends_on__gte=on))

    def ordered_for_display(self):
        order = models.Case(
            *(models.When(role=role, then=i) for i, role in enumerate(Role.values)),
            output_field=models.IntegerField(),
        )
        return self.annotate(role_order=order).order_by("role_order", "person__full_name")


class Membership(BilingualMixin, models.Model):
    VOTING_ROLES = (Role.CHAIR, Role.MEMBER)
    bilingual_fields = ("position",)

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="memberships")
    group = models.ForeignKey(Group, on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(_("role"), max_length=12, choices=Role, default=Role.MEMBER)
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="memberships",
        verbose_name=_("organisation represented"),
    )
    position_en = models.CharField(
        _("position (English)"),
        max_length=250,
        blank=True,
        help_text=_(
            "How the group lists them, for example Leader of Carmarthenshire County Council"
        ),
    )
    position_cy = models.CharField(_("position (Welsh)"), max_length=250, blank=True)
    starts_on = models.DateField(_("start date"), default=datetime.date.today)
    ends_on = models.DateField(_("end date"), null=True, blank=True)
    history = HistoricalRecords()

    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["group", "person__full_name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="membership_ends_after_start",
            ),
            models.UniqueConstraint(
                fields=["person", "group"],
                condition=Q(ends_on__isnull=True),
                name="one_open_membership_per_group",
            ),
        ]

    def __str__(self):
        return f"{self.person} – {self.get_role_display()} – {self.group}"

    @property
    def is_current(self):
        today = timezone.localdate()
        return self.starts_on <= today and (self.ends_on is None or self.ends_on >= today)


class Phase(BilingualMixin, models.Model):
    """A named stage of the group's programme, e.g. design, transition, benefits."""

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="phases")
    name_en = models.CharField(max_length=200)
    name_cy = models.CharField(max_length=200)
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True)
    history = HistoricalRecords()

    bilingual_fields = ("name",)

    class Meta:
        ordering = ["group", "starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="phase_ends_after_start",
            ),
            models.UniqueConstraint(fields=["group", "name_en"], name="phase_name_unique"),
        ]

    def __str__(self):
        return self.name_en


class Workstream(BilingualMixin, models.Model):
    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="workstreams")
    number = models.PositiveSmallIntegerField()
    title_en = models.CharField(max_length=300)
    title_cy = models.CharField(max_length=300)
    history = HistoricalRecords()

    bilingual_fields = ("title",)

    class Meta:
        ordering = ["group", "number"]
        constraints = [
            models.UniqueConstraint(fields=["group", "number"], name="workstream_number_unique")
        ]

    def __str__(self):
        return f"{self.number}. {self.title_en}"


class Invitation(models.Model):
    """A link, sent by email, that lets an invited person set a password. Only its hash is kept."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="invitations")
    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="invitations")
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="invitations_sent"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords(excluded_fields=["token_hash"])

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"Invitation for {self.person.email} to {self.group.slug}"

    @property
    def is_usable(self):
        return self.accepted_at is None and self.expires_at > timezone.now()


class GroupVisit(models.Model):
    """When a person last looked at a group, so its pages can say what is new since then.

    `seen_before` is the start of the previous visit: what changed after it is "new". History has
    a row per sitting, not per page view: within a sitting `last_seen_at` moves on with a
    queryset update (members/visits.py)."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="group_visits")
    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="visits")
    last_seen_at = models.DateTimeField(default=timezone.now)
    seen_before = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person", "group"], name="one_visit_per_group")
        ]

    def __str__(self):
        return f"{self.person} last saw {self.group.slug} at {self.last_seen_at:%Y-%m-%d %H:%M}"


# Second factors added or removed are part of the audit trail too (their secrets are not).
def _register_authenticator_history():
    from allauth.mfa.models import Authenticator
    from simple_history import register

    register(Authenticator, app="members", excluded_fields=["data"])


_register_authenticator_history()
