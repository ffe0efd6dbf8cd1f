from django import forms
from django.utils.translation import gettext_lazy as _

from ncg_portal.concurrency import token_field

from .models import Minutes


class MinutesForm(forms.Form):
    """The written parts of the minutes: the discussion under each agenda item, in both languages,
    and any other business. Field names carry the agenda item's id."""

    body_en = forms.CharField(
        label=_("Any other business, in English"),
        widget=forms.Textarea(attrs={"rows": 4, "lang": "en"}),
        required=False,
    )
    body_cy = forms.CharField(
        label=_("Any other business, in Welsh"),
        widget=forms.Textarea(attrs={"rows": 4, "lang": "cy"}),
        required=False,
    )
    # What the editor started from (minutes.minutes_edit_token).
    started_from = token_field()

    def __init__(self, *args, entries, **kwargs):
        super().__init__(*args, **kwargs)
        self.entries = entries
        for entry in entries:
            item = entry.agenda_item
            self.fields[f"discussion_en_{item.pk}"] = forms.CharField(
                label=_("Item %(number)s: discussion in English") % {"number": item.position},
                widget=forms.Textarea(attrs={"rows": 6, "lang": "en"}),
                required=False,
                initial=entry.discussion_en,
            )
            self.fields[f"discussion_cy_{item.pk}"] = forms.CharField(
                label=_("Item %(number)s: discussion in Welsh") % {"number": item.position},
                widget=forms.Textarea(attrs={"rows": 6, "lang": "cy"}),
                required=False,
                initial=entry.discussion_cy,
            )

    def sections(self):
        """(agenda item, English field, Welsh field) for the template, in agenda order."""
        return [
            (
                entry.agenda_item,
                self[f"discussion_en_{entry.agenda_item_id}"],
                self[f"discussion_cy_{entry.agenda_item_id}"],
            )
            for entry in self.entries
        ]

    def discussions(self):
        return {
            entry.agenda_item_id: (
                self.cleaned_data[f"discussion_en_{entry.agenda_item_id}"].strip(),
                self.cleaned_data[f"discussion_cy_{entry.agenda_item_id}"].strip(),
            )
            for entry in self.entries
        }

    # For ncg_portal.concurrency.show_conflict: this person's input and what the form posts.
    def input_snapshot(self):
        names = [name for name in self.fields if name.startswith(("body_", "discussion_"))]
        return {name: self.cleaned_data[name] for name in names if name in self.cleaned_data}

    def as_data(self, name, value):
        return [str(value)]

    def saved_now(self, snapshot):
        """What is stored now (minutes.minutes_snapshot), as the editor shows it: name ->
        (label, text), for the list shown when someone else changed the minutes meanwhile."""
        rows = {
            name: (self.fields[name].label, value or _("None"))
            for name, value in snapshot.items()
            if name in self.fields
        }
        rows["status"] = (_("Status"), Minutes.Status(snapshot["status"]).label)
        return rows


class AgendaItemChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.position}. {obj.title}"


class MinutesCommentForm(forms.Form):
    agenda_item = AgendaItemChoiceField(
        label=_("Which part of the minutes?"),
        queryset=None,
        required=False,
        empty_label=_("The minutes as a whole"),
    )
    body = forms.CharField(
        label=_("Your comment"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=5000,
        error_messages={"required": _("Enter your comment.")},
    )

    def __init__(self, *args, meeting, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agenda_item"].queryset = meeting.agenda_items.all()


class ApproveMinutesForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("I approve these minutes as a true record of the meeting"),
        error_messages={
            "required": _("Confirm that the minutes are a true record of the meeting.")
        },
    )


class MinutesCorrectionForm(MinutesForm):
    """Correcting approved minutes: the same written parts, and why they change."""

    reason = forms.CharField(
        label=_("Why are the minutes being corrected?"),
        help_text=_(
            "For example, the correction agreed at the next meeting. Members are told this "
            "reason, and it is shown with the minutes."
        ),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        error_messages={"required": _("Enter why the minutes are being corrected.")},
    )
