import datetime
import zoneinfo

from django import forms
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from members.forms import DateInput
from ncg_portal.concurrency import token_field

from .models import AgendaItem, Attendance, Meeting, Paper

LONDON = zoneinfo.ZoneInfo("Europe/London")


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs=None):
        super().__init__(attrs={"class": "govuk-input--width-5", **(attrs or {})}, format="%H:%M")


def check_where(form, cleaned):
    """A meeting in person needs a venue; one online needs a link to join."""
    mode = cleaned.get("mode")
    if mode in (Meeting.Mode.IN_PERSON, Meeting.Mode.HYBRID) and not cleaned.get("venue"):
        form.add_error("venue", _("Enter the venue of a meeting held in person."))
    if mode in (Meeting.Mode.ONLINE, Meeting.Mode.HYBRID) and not cleaned.get("join_url"):
        form.add_error("join_url", _("Enter the link to join a meeting held online."))


class MeetingForm(forms.ModelForm):
    """Date, start and end times are asked for as people think of them: London time."""

    date = forms.DateField(label=_("Date"), widget=DateInput)
    start_time = forms.TimeField(label=_("Start time"), widget=TimeInput)
    end_time = forms.TimeField(label=_("End time"), widget=TimeInput)
    reason = forms.CharField(
        label=_("Reason for the change"),
        max_length=250,
        required=False,
        help_text=_("Recorded in the audit trail"),
    )
    # On the edit page: what the person started from (services.meeting_edit_token).
    started_from = token_field()

    class Meta:
        model = Meeting
        fields = ["title_en", "title_cy", "mode", "venue", "join_url"]
        labels = {
            "title_en": _("Title in English"),
            "title_cy": _("Title in Welsh"),
            "mode": _("How the meeting is held"),
            "venue": _("Venue"),
            "join_url": _("Link to join online"),
        }
        widgets = {"mode": forms.RadioSelect}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            start = self.instance.starts_at.astimezone(LONDON)
            end = self.instance.ends_at.astimezone(LONDON)
            self.initial.update(date=start.date(), start_time=start.time(), end_time=end.time())
        else:
            del self.fields["started_from"]

    def clean(self):
        cleaned = super().clean()
        date, start, end = cleaned.get("date"), cleaned.get("start_time"), cleaned.get("end_time")
        if date and start and end:
            if end <= start:
                self.add_error("end_time", _("The end time must be after the start time."))
            else:
                cleaned["starts_at"] = datetime.datetime.combine(date, start, LONDON)
                cleaned["ends_at"] = datetime.datetime.combine(date, end, LONDON)
        check_where(self, cleaned)
        return cleaned

    def meeting_fields(self):
        fields = {f: self.cleaned_data[f] for f in self.Meta.fields}
        fields.update(
            starts_at=self.cleaned_data["starts_at"], ends_at=self.cleaned_data["ends_at"]
        )
        return fields

    # For ncg_portal.concurrency.show_conflict: this person's input and what the form posts.
    def input_snapshot(self):
        names = (*self.Meta.fields, "date", "start_time", "end_time")
        return {name: self.cleaned_data[name] for name in names if name in self.cleaned_data}

    def as_data(self, name, value):
        if name == "date":
            return [value.isoformat()]
        if name in ("start_time", "end_time"):
            return [value.strftime("%H:%M")]
        return [str(value)]

    def saved_now(self, snapshot):
        """What is stored now (services.meeting_snapshot), as the page shows it: name ->
        (label, text), for the list shown when someone else changed the meeting meanwhile."""
        shown = {
            "mode": lambda v: Meeting.Mode(v).label,
            "date": lambda v: formats.date_format(v, "j F Y"),
            "start_time": lambda v: v.strftime("%H:%M"),
            "end_time": lambda v: v.strftime("%H:%M"),
            "status": lambda v: Meeting.Status(v).label,
        }
        labels = {name: field.label for name, field in self.fields.items()}
        labels["status"] = _("Status")
        return {
            name: (labels[name], shown[name](value) if name in shown else value or _("None"))
            for name, value in snapshot.items()
        }


class RsvpForm(forms.Form):
    response = forms.ChoiceField(
        label=_("Will you attend?"),
        choices=[
            (Attendance.Response.IN_PERSON, _("Yes, in person")),
            (Attendance.Response.ONLINE, _("Yes, online")),
            (Attendance.Response.APOLOGIES, _("No, I send my apologies")),
        ],
        widget=forms.RadioSelect,
    )
    deputy_name = forms.CharField(
        label=_("Deputy attending in your place"),
        max_length=200,
        required=False,
        help_text=_("Only if you send your apologies"),
    )

    def __init__(self, *args, meeting, **kwargs):
        """The deputy field is offered only when the meeting's group allows deputies."""
        super().__init__(*args, **kwargs)
        if not meeting.group.allows_deputies:
            del self.fields["deputy_name"]


class CancelMeetingForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is the meeting cancelled?"),
        max_length=250,
        help_text=_("Recorded in the audit trail"),
    )


class AttendanceForm(forms.Form):
    """One radio group per invited person."""

    def __init__(self, *args, attendances, **kwargs):
        super().__init__(*args, **kwargs)
        for attendance in attendances:
            self.fields[f"person_{attendance.person_id}"] = forms.ChoiceField(
                label=attendance.person.display_name,
                choices=Attendance.Attended.choices,
                widget=forms.RadioSelect,
                initial=attendance.attended or None,
            )

    def attended_by_person(self):
        return {int(name.split("_")[1]): value for name, value in self.cleaned_data.items()}


WEEKDAYS = [
    (0, _("Monday")),
    (1, _("Tuesday")),
    (2, _("Wednesday")),
    (3, _("Thursday")),
    (4, _("Friday")),
]


class PlanForm(forms.Form):
    """What the secretariat wants: a meeting each school term between two dates."""

    start = forms.DateField(label=_("From"), widget=DateInput)
    end = forms.DateField(label=_("Until"), widget=DateInput)
    weekday = forms.TypedChoiceField(
        label=_("Preferred day"), choices=WEEKDAYS, coerce=int, widget=forms.RadioSelect, initial=1
    )
    time = forms.TimeField(label=_("Start time"), widget=TimeInput, initial=datetime.time(10, 0))
    minutes = forms.IntegerField(
        label=_("Length in minutes"),
        min_value=15,
        max_value=600,
        initial=120,
        widget=forms.NumberInput(attrs={"class": "govuk-input--width-4"}),
    )
    mode = forms.ChoiceField(
        label=_("How the meetings are held"),
        choices=Meeting.Mode.choices,
        widget=forms.RadioSelect,
        initial=Meeting.Mode.HYBRID,
    )

    venue = forms.CharField(label=_("Venue"), max_length=300, required=False)
    join_url = forms.URLField(label=_("Link to join online"), required=False)

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and end <= start:
            self.add_error("end", _("The end date must be after the start date."))
        check_where(self, cleaned)
        return cleaned


class WorkstreamChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.number}. {obj.title}"


class AgendaItemForm(forms.ModelForm):
    workstream = WorkstreamChoiceField(
        label=_("Workstream"), queryset=None, required=False, empty_label=_("None")
    )

    class Meta:
        model = AgendaItem
        fields = ["title_en", "title_cy", "starts_at", "minutes", "presenter", "workstream"]
        labels = {
            "title_en": _("Title in English"),
            "title_cy": _("Title in Welsh"),
            "starts_at": _("Start time"),
            "minutes": _("Length in minutes"),
            "presenter": _("Presenter"),
        }
        widgets = {
            "starts_at": TimeInput,
            "minutes": forms.NumberInput(attrs={"class": "govuk-input--width-4"}),
        }

    def __init__(self, *args, group, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["workstream"].queryset = group.workstreams.all()


PAPER_FILE_HELP = _("PDF, Word, Excel, PowerPoint, OpenDocument or plain text, up to 25 MB")


class PaperForm(forms.Form):
    file = forms.FileField(label=_("File"), help_text=PAPER_FILE_HELP)
    title_en = forms.CharField(label=_("Title in English"), max_length=300)
    title_cy = forms.CharField(label=_("Title in Welsh"), max_length=300, required=False)
    reference = forms.CharField(
        label=_("Reference"), max_length=30, required=False, help_text=_("For example NCG(25)04")
    )
    classification = forms.ChoiceField(
        label=_("Classification"),
        choices=Paper.Classification.choices,
        widget=forms.RadioSelect,
        initial=Paper.Classification.OFFICIAL,
    )
    workstream = WorkstreamChoiceField(
        label=_("Workstream"), queryset=None, required=False, empty_label=_("None")
    )
    agenda_item = forms.ModelChoiceField(
        label=_("Agenda item"), queryset=None, required=False, empty_label=_("None")
    )

    def __init__(self, *args, meeting, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["workstream"].queryset = meeting.group.workstreams.all()
        self.fields["agenda_item"].queryset = meeting.agenda_items.all()


class PaperVersionForm(forms.Form):
    file = forms.FileField(label=_("File"), help_text=PAPER_FILE_HELP)
    note = forms.CharField(
        label=_("What has changed? (optional)"),
        help_text=_("Kept in the paper's history"),
        max_length=200,
        required=False,
    )


class WithdrawPaperForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is the paper being withdrawn?"),
        help_text=_("Members see this reason in place of the paper."),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        error_messages={"required": _("Enter why the paper is being withdrawn.")},
    )


class DeclarationForm(forms.Form):
    agenda_item = forms.ModelChoiceField(
        label=_("Agenda item"), queryset=None, required=False, empty_label=_("The whole meeting")
    )
    interest = forms.CharField(
        label=_("Your interest"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text=_(
            "For example, a role, payment or relationship that others might think affects your view"
        ),
    )

    def __init__(self, *args, meeting, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agenda_item"].queryset = meeting.agenda_items.all()


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.display_name


class MeetingChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.title} ({formats.date_format(obj.starts_at.astimezone(LONDON), 'j F Y')})"


class ActionForm(forms.Form):
    description = forms.CharField(
        label=_("Action"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )
    owner = PersonChoiceField(label=_("Owner"), queryset=None)
    due_on = forms.DateField(label=_("Due date"), widget=DateInput, required=False)
    meeting = MeetingChoiceField(
        label=_("Agreed at the meeting"),
        queryset=None,
        required=False,
        empty_label=_("Not from a meeting"),
    )

    def __init__(self, *args, group, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["meeting"].queryset = group.meetings.exclude(
            status=Meeting.Status.CANCELLED
        ).order_by("-starts_at")
        from members.models import Person

        self.fields["owner"].queryset = Person.objects.filter(
            memberships__in=group.memberships.current()
        ).distinct()


class AttendanceRatesForm(forms.Form):
    start = forms.DateField(label=_("From"), widget=DateInput)
    end = forms.DateField(label=_("To"), widget=DateInput)


class PaperChoiceField(forms.ModelMultipleChoiceField):
    """One checkbox per paper, saying when it was last sent to members."""

    def label_from_instance(self, paper):
        name = f"{paper.reference} {paper.title}".strip()
        if paper.circulated_at:
            sent = formats.date_format(timezone.localtime(paper.circulated_at), "j F Y, H:i")
            return _("%(paper)s – sent to members on %(date)s") % {"paper": name, "date": sent}
        return _("%(paper)s – not sent yet") % {"paper": name}


class SendPapersForm(forms.Form):
    papers = PaperChoiceField(
        label=_("Papers to send"),
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": _("Select at least one paper to send."),
            "invalid_choice": _("Select only papers of this meeting."),
            "invalid_pk_value": _("Select only papers of this meeting."),
        },
    )
    message = forms.CharField(
        label=_("Covering message"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=5000,
        required=False,
        help_text=_("Shown in the email above the list of papers"),
    )

    def __init__(self, *args, meeting, **kwargs):
        super().__init__(*args, **kwargs)
        papers = meeting.papers.filter(group=meeting.group_id, withdrawn_at__isnull=True)
        self.fields["papers"].queryset = papers
        if not self.is_bound:
            self.initial.setdefault("papers", [p.pk for p in papers if p.circulated_at is None])


class WrittenProcedureForm(forms.Form):
    reason = forms.CharField(
        label=_("Why will the group not meet?"),
        max_length=250,
        initial=_("A majority of members cannot attend"),
        help_text=_("Recorded in the audit trail and given in the email to members"),
    )
