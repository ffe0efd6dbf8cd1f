from allauth.mfa.base.forms import ReauthenticateForm
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from members.forms import DateInput
from ncg_portal.concurrency import token_field
from ncg_portal.images import check_small_image

from .models import Letter, LetterVersion


def _text(label, *, lang, required=True, rows=None, max_length=None):
    widget = (
        forms.Textarea(attrs={"rows": rows, "lang": lang})
        if rows
        else forms.TextInput(attrs={"lang": lang})
    )
    return forms.CharField(label=label, required=required, widget=widget, max_length=max_length)


class SourceChoiceField(forms.ModelMultipleChoiceField):
    """A meeting or circulation the letter draws on, labelled so the chair can tell them apart."""

    def label_from_instance(self, obj):
        from django.utils.formats import date_format

        when = getattr(obj, "starts_at", None) or obj.deadline
        title = getattr(obj, "title", None) or obj.subject
        return f"{title} ({date_format(when, 'j F Y')})"


class LetterForm(forms.Form):
    """The letter's words in English and Welsh (the Welsh may follow later), who it goes to, who
    signs it, and the meetings and circulations it draws on."""

    letter_date = forms.DateField(label=_("Date of the letter"), widget=DateInput)
    addressee_en = _text(_("To (in English)"), lang="en", max_length=200)
    addressee_cy = _text(_("To (in Welsh)"), lang="cy", required=False, max_length=200)
    title_en = _text(_("Title in English"), lang="en", max_length=300)
    title_cy = _text(_("Title in Welsh"), lang="cy", required=False, max_length=300)
    salutation_en = _text(_("Salutation in English"), lang="en", max_length=200)
    salutation_cy = _text(_("Salutation in Welsh"), lang="cy", required=False, max_length=200)
    body_en = _text(_("Letter in English"), lang="en", rows=18)
    body_cy = _text(_("Letter in Welsh"), lang="cy", required=False, rows=18)
    closing_en = _text(_("Closing in English"), lang="en", max_length=200)
    closing_cy = _text(_("Closing in Welsh"), lang="cy", required=False, max_length=200)
    signatory_name = forms.CharField(
        label=_("Signed by"),
        max_length=200,
        help_text=_("The chair's name and post-nominals, as they sign, e.g. Kirsty Williams CBE"),
    )
    signatory_role_en = _text(_("Signatory's post in English"), lang="en", max_length=200)
    signatory_role_cy = _text(
        _("Signatory's post in Welsh"), lang="cy", required=False, max_length=200
    )
    signature = forms.ImageField(
        label=_("Signature image"),
        required=False,
        help_text=_("A PNG or JPEG of the chair's signature, up to 1 MB, shown above their name."),
        error_messages={
            "invalid_image": _("The image must be a PNG or JPEG file."),
        },
    )
    remove_signature = forms.BooleanField(label=_("Remove the signature image"), required=False)
    meetings = SourceChoiceField(
        label=_("Meetings the letter draws on"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("Select only meetings of this group.")},
    )
    circulations = SourceChoiceField(
        label=_("Circulations the letter draws on"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Their minutes, summaries and comments are shown beside the letter."),
        error_messages={"invalid_choice": _("Select only circulations of this group.")},
    )
    # When editing: what the editor started from (services.letter_edit_token).
    started_from = token_field()

    TEXT_FIELDS = LetterVersion.TEXT_FIELDS
    DETAIL_FIELDS = (
        "letter_date",
        "addressee_en",
        "addressee_cy",
        "signatory_name",
        "signatory_role_en",
        "signatory_role_cy",
    )

    def __init__(self, *args, group, has_signature=False, editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        if not editing:
            del self.fields["started_from"]
        from meetings.models import Meeting

        self.fields["meetings"].queryset = group.meetings.exclude(
            status=Meeting.Status.CANCELLED
        ).order_by("-starts_at")
        self.fields["circulations"].queryset = group.circulations.exclude(status="draft").order_by(
            "-deadline"
        )
        if not has_signature:
            del self.fields["remove_signature"]
        hint = _(
            "Markdown: a blank line between paragraphs, ## for a heading, - for a list, "
            "*emphasis*, [words](https://link)."
        )
        self.fields["body_en"].help_text = hint
        self.fields["body_cy"].help_text = hint

    def clean_signature(self):
        return check_small_image(self.cleaned_data.get("signature"))

    def pairs(self):
        """The English and Welsh fields, in pairs, for the editor's two columns."""
        stems = ("addressee", "title", "salutation", "body", "closing")
        return [(self[f"{stem}_en"], self[f"{stem}_cy"]) for stem in stems]

    def texts(self):
        return {name: self.cleaned_data[name] for name in self.TEXT_FIELDS}

    # For ncg_portal.concurrency.show_conflict: this person's input and what the form posts.
    def input_snapshot(self):
        mine = {
            name: self.cleaned_data[name]
            for name in (*self.DETAIL_FIELDS, *self.TEXT_FIELDS)
            if name in self.cleaned_data
        }
        for name in ("meetings", "circulations"):
            if name in self.cleaned_data:
                mine[name] = frozenset(obj.pk for obj in self.cleaned_data[name])
        return mine

    def as_data(self, name, value):
        if name in ("meetings", "circulations"):
            return [str(pk) for pk in sorted(value)]
        if name == "letter_date":
            return [value.isoformat()]
        return [str(value)]

    def saved_now(self, snapshot):
        """What is stored now (services.letter_snapshot), as the editor shows it: name ->
        (label, text), for the list shown when someone else changed the letter meanwhile."""
        from django.utils.formats import date_format

        from meetings.models import Circulation, Meeting

        def sources(model, name):
            field = self.fields[name]
            objects = model.objects.filter(pk__in=snapshot[name])
            return "; ".join(field.label_from_instance(obj) for obj in objects) or _("None")

        shown = {
            "letter_date": lambda: date_format(snapshot["letter_date"], "j F Y"),
            "meetings": lambda: sources(Meeting, "meetings"),
            "circulations": lambda: sources(Circulation, "circulations"),
            "status": lambda: Letter.Status(snapshot["status"]).label,
            "signature": lambda: snapshot["signature"].rsplit("/", 1)[-1] or _("None"),
        }
        labels = {name: field.label for name, field in self.fields.items()}
        labels.update(status=_("Status"), signature=self.fields["signature"].label)
        return {
            name: (labels[name], shown[name]() if name in shown else value or _("None"))
            for name, value in snapshot.items()
        }

    def details(self):
        details = {name: self.cleaned_data[name] for name in self.DETAIL_FIELDS}
        if self.cleaned_data.get("signature"):
            details["signature"] = self.cleaned_data["signature"]
        elif self.cleaned_data.get("remove_signature"):
            details["signature"] = False
        return details


class LetterCommentForm(forms.Form):
    body = forms.CharField(
        label=_("Your comment"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=5000,
        error_messages={"required": _("Enter your comment.")},
    )


class ApproveLetterForm(ReauthenticateForm):
    """The chair approves by entering a code from their authenticator app (or a recovery code):
    allauth checks it, with its rate limit and its protection against a code used twice."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        code = self.fields["code"]
        code.label = _("Code from your authenticator app")
        code.help_text = _("The 6-digit code the app shows now, or one of your recovery codes.")
        code.error_messages["required"] = _("Enter the code from your authenticator app.")
        code.widget.attrs.pop("placeholder", None)
        code.widget.attrs.update(
            {"class": "govuk-input--width-10", "inputmode": "numeric", "spellcheck": "false"}
        )

    def clean_code(self):
        try:
            return super().clean_code()
        except ValidationError as error:
            if getattr(error, "code", None) == "incorrect_code":
                raise ValidationError(
                    _("The code is not right. Enter the code your authenticator app shows now."),
                    code="incorrect_code",
                ) from error
            raise  # too many attempts: allauth's own message says to wait


class IssueLetterForm(forms.Form):
    to_email = forms.EmailField(
        label=_("Send the letter to"),
        help_text=_("The addressee's email address. The PDF is attached."),
        error_messages={
            "required": _("Enter the email address to send the letter to."),
            "invalid": _("Enter an email address like name@example.org."),
        },
    )
