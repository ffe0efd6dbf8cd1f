from django import forms
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _

from .models import Group, Language, Membership, Organisation, Person, Role
from .services import GROUP_SETTINGS

LANGUAGE_CHOICES = [(Language.ENGLISH, "English"), (Language.WELSH, "Cymraeg")]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(
            attrs={"class": "govuk-input--width-10", **(attrs or {})}, format="%Y-%m-%d"
        )


class OrganisationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class InvitationForm(forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=200)
    email = forms.EmailField(
        label=_("Email address"),
        help_text=_("The invitation is sent to this address. It is also how they will sign in."),
        widget=forms.EmailInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    post_nominals = forms.CharField(
        label=_("Post-nominals"), max_length=50, required=False, help_text=_("For example, CBE")
    )
    job_title = forms.CharField(label=_("Job title"), max_length=200, required=False)
    role = forms.ChoiceField(
        label=_("Role in the group"), choices=Role.choices, widget=forms.RadioSelect
    )
    organisation = OrganisationChoiceField(
        label=_("Organisation represented"),
        queryset=Organisation.objects.all(),
        required=False,
        empty_label=_("None"),
    )
    position_en = forms.CharField(
        label=_("Position in English"),
        max_length=250,
        required=False,
        help_text=_(
            "How the group lists them, for example Leader of Carmarthenshire County Council"
        ),
    )
    position_cy = forms.CharField(label=_("Position in Welsh"), max_length=250, required=False)
    preferred_language = forms.ChoiceField(
        label=_("Language for emails and pages"),
        choices=LANGUAGE_CHOICES,
        initial=Language.ENGLISH,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, group, **kwargs):
        self.group = group
        super().__init__(*args, **kwargs)

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        if Membership.objects.filter(
            group=self.group, person__email__iexact=email, ends_on__isnull=True
        ).exists():
            raise forms.ValidationError(_("This person is already a member of this group."))
        return email


class MembershipForm(forms.ModelForm):
    organisation = OrganisationChoiceField(
        label=_("Organisation represented"),
        queryset=Organisation.objects.all(),
        required=False,
        empty_label=_("None"),
    )
    reason = forms.CharField(
        label=_("Reason for the change"),
        max_length=250,
        help_text=_("Recorded in the audit trail"),
    )

    class Meta:
        model = Membership
        fields = ["role", "organisation", "position_en", "position_cy", "starts_on", "ends_on"]
        widgets = {"role": forms.RadioSelect, "starts_on": DateInput, "ends_on": DateInput}
        labels = {
            "position_en": _("Position in English"),
            "position_cy": _("Position in Welsh"),
            "starts_on": _("Start date"),
            "ends_on": _("End date"),
        }

    def clean(self):
        cleaned = super().clean()
        starts_on, ends_on = cleaned.get("starts_on"), cleaned.get("ends_on")
        if starts_on and ends_on and ends_on < starts_on:
            self.add_error(
                "ends_on", _("The end date must be the same as or after the start date.")
            )
        return cleaned


class EndMembershipForm(forms.Form):
    ends_on = forms.DateField(label=_("Last day of membership"), widget=DateInput)
    reason = forms.CharField(
        label=_("Reason"), max_length=250, help_text=_("Recorded in the audit trail")
    )

    def __init__(self, *args, membership, **kwargs):
        self.membership = membership
        super().__init__(*args, **kwargs)

    def clean_ends_on(self):
        ends_on = self.cleaned_data["ends_on"]
        if ends_on < self.membership.starts_on:
            raise forms.ValidationError(
                _("The last day must be on or after the day the membership started.")
            )
        return ends_on


class ProfileForm(forms.ModelForm):
    preferred_language = forms.ChoiceField(
        label=_("Language for emails and pages"), choices=LANGUAGE_CHOICES, widget=forms.RadioSelect
    )

    class Meta:
        model = Person
        fields = ["full_name", "post_nominals", "job_title", "preferred_language"]
        labels = {
            "full_name": _("Full name"),
            "post_nominals": _("Post-nominals"),
            "job_title": _("Job title"),
        }


class SetPasswordForm(forms.Form):
    password1 = forms.CharField(
        label=_("Create a password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 12 characters. Avoid common words and your name."),
    )
    password2 = forms.CharField(
        label=_("Confirm your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, person, **kwargs):
        self.person = person
        super().__init__(*args, **kwargs)

    def clean_password2(self):
        p1, p2 = self.cleaned_data.get("password1"), self.cleaned_data.get("password2")
        if p1 and p2 and p1 != p2:
            raise forms.ValidationError(_("The two passwords do not match."))
        return p2

    def clean(self):
        cleaned = super().clean()
        password = cleaned.get("password1")
        if password:
            try:
                password_validation.validate_password(password, self.person)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class GroupSettingsForm(forms.Form):
    """How the group's meetings run: deputies and the quorum."""

    allows_deputies = forms.BooleanField(
        label=_("Members may send a deputy"),
        required=False,
        help_text=_(
            "When a member sends apologies, they may name someone to attend in their place."
        ),
    )
    quorum_rule = forms.ChoiceField(
        label=_("Quorum"),
        choices=Group.QuorumRule.choices,
        widget=forms.RadioSelect,
    )
    quorum_number = forms.IntegerField(
        label=_("Number of members needed for a quorum"),
        min_value=1,
        max_value=500,
        required=False,
        help_text=_("Only for a fixed number. The chair and members count; observers do not."),
        widget=forms.NumberInput(attrs={"class": "govuk-input--width-4"}),
        error_messages={
            "invalid": _("Enter the number of members as a whole number, like 5."),
            "min_value": _("The number of members for a quorum must be 1 or more."),
            "max_value": _("The number of members for a quorum must be 500 or fewer."),
        },
    )
    advises_email = forms.EmailField(
        label=_("Email address for letters"),
        required=False,
        help_text=_(
            "Where the group's approved letters of advice are sent, e.g. the minister's private "
            "office. It can be changed when a letter is issued."
        ),
        error_messages={"invalid": _("Enter an email address like name@example.org.")},
    )
    logo = forms.ImageField(
        label=_("Logo"),
        required=False,
        help_text=_("A PNG or JPEG, up to 1 MB, shown in the letterhead of the group's letters."),
        error_messages={"invalid_image": _("The image must be a PNG or JPEG file.")},
    )
    remove_logo = forms.BooleanField(label=_("Remove the logo"), required=False)
    reason = forms.CharField(
        label=_("Reason for the change"),
        max_length=250,
        help_text=_("Recorded in the audit trail"),
        error_messages={"required": _("Enter the reason for the change.")},
    )

    def __init__(self, *args, has_logo=False, **kwargs):
        super().__init__(*args, **kwargs)
        if not has_logo:
            del self.fields["remove_logo"]

    def clean_logo(self):
        from ncg_portal.images import check_small_image

        return check_small_image(self.cleaned_data.get("logo"))

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("quorum_rule") == Group.QuorumRule.FIXED and not cleaned.get(
            "quorum_number"
        ):
            if "quorum_number" not in self.errors:
                self.add_error(
                    "quorum_number",
                    _("Enter the number of members needed for a quorum, 1 or more."),
                )
        return cleaned

    def settings(self):
        """The cleaned values, as update_group_settings takes them (a logo only when one is
        uploaded or removed)."""
        values = {name: self.cleaned_data[name] for name in GROUP_SETTINGS if name != "logo"}
        if self.cleaned_data.get("logo"):
            values["logo"] = self.cleaned_data["logo"]
        elif self.cleaned_data.get("remove_logo"):
            values["logo"] = ""
        return values


class CloseGroupForm(forms.Form):
    concluded_on = forms.DateField(
        label=_("Date the group concluded"),
        help_text=_("Usually the day of its final meeting."),
        widget=DateInput,
        error_messages={
            "required": _("Enter the date the group concluded."),
            "invalid": _("Enter the date as a real date, like 2025-11-03."),
        },
    )
    reason = forms.CharField(
        label=_("Why the group is closing"),
        help_text=_("Recorded in the audit trail and the records archive."),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        error_messages={"required": _("Enter why the group is closing.")},
    )
    confirm = forms.BooleanField(
        label=_("I understand the group becomes read-only: nothing in it can be changed."),
        error_messages={"required": _("Confirm that the group becomes read-only.")},
    )


class DeactivateForm(forms.Form):
    reason = forms.CharField(
        label=_("Why their access is being removed"),
        help_text=_("Recorded in the audit trail."),
        max_length=250,
        error_messages={"required": _("Enter why their access is being removed.")},
    )
