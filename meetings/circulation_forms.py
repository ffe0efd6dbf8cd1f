import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from members.forms import DateInput

from .forms import LONDON, TimeInput
from .models import Position

QUESTION_SLOTS = 3


class PaperField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, paper):
        return f"{paper.reference} {paper.title}".strip()


class PersonField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, person):
        return person.display_name


class CirculationForm(forms.Form):
    """A new circulation: what is asked, of whom, by when. Welsh may follow the English."""

    subject_en = forms.CharField(label=_("Subject in English"), max_length=200)
    subject_cy = forms.CharField(label=_("Subject in Welsh"), max_length=200, required=False)
    message_en = forms.CharField(
        label=_("Covering message in English"),
        widget=forms.Textarea(attrs={"rows": 6, "lang": "en"}),
    )
    message_cy = forms.CharField(
        label=_("Covering message in Welsh"),
        widget=forms.Textarea(attrs={"rows": 6, "lang": "cy"}),
        required=False,
    )
    deadline_date = forms.DateField(label=_("Deadline date"), widget=DateInput)
    deadline_time = forms.TimeField(
        label=_("Deadline time"), widget=TimeInput, initial=datetime.time(17, 0)
    )
    papers = PaperField(
        label=_("Papers"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("Select only papers of this group.")},
    )
    recipients = PersonField(
        label=_("Send to"),
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Current members, the chair and observers. Untick anyone who should not get it."
        ),
        error_messages={"required": _("Select at least one person to send it to.")},
    )

    def __init__(self, *args, group, recipients, papers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["papers"].queryset = papers
        self.fields["recipients"].queryset = recipients
        for slot in range(1, QUESTION_SLOTS + 1):
            self.fields[f"question_{slot}_en"] = forms.CharField(
                label=_("Question %(number)s in English") % {"number": slot},
                widget=forms.Textarea(attrs={"rows": 2, "lang": "en"}),
                required=False,
            )
            self.fields[f"question_{slot}_cy"] = forms.CharField(
                label=_("Question %(number)s in Welsh") % {"number": slot},
                widget=forms.Textarea(attrs={"rows": 2, "lang": "cy"}),
                required=False,
            )
            self.fields[f"question_{slot}_position"] = forms.BooleanField(
                label=_("Ask for a position (agree, agree with comments, disagree, no comment)"),
                required=False,
                initial=True,
            )

    def clean(self):
        cleaned = super().clean()
        day, time = cleaned.get("deadline_date"), cleaned.get("deadline_time")
        if day and time:
            deadline = datetime.datetime.combine(day, time, LONDON)
            if deadline <= timezone.now():
                self.add_error("deadline_date", _("The deadline must be in the future."))
            cleaned["deadline"] = deadline
        for slot in range(1, QUESTION_SLOTS + 1):
            if cleaned.get(f"question_{slot}_cy") and not cleaned.get(f"question_{slot}_en"):
                self.add_error(f"question_{slot}_en", _("Enter the question in English as well."))
        return cleaned

    def questions(self):
        return [
            (
                self.cleaned_data[f"question_{slot}_en"].strip(),
                self.cleaned_data[f"question_{slot}_cy"].strip(),
                self.cleaned_data[f"question_{slot}_position"],
            )
            for slot in range(1, QUESTION_SLOTS + 1)
            if self.cleaned_data[f"question_{slot}_en"].strip()
        ]

    def circulation_fields(self):
        data = self.cleaned_data
        return {
            "subject_en": data["subject_en"],
            "subject_cy": data["subject_cy"] or data["subject_en"],
            "message_en": data["message_en"],
            "message_cy": data["message_cy"] or data["message_en"],
            "deadline": data["deadline"],
            "papers": list(data["papers"]),
            "recipients": list(data["recipients"]),
            "questions": self.questions(),
        }


class ResponseForm(forms.Form):
    """A member's online response: each question, each paper, anything else, or no comment."""

    general = forms.CharField(
        label=_("Any other comments"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    no_comment = forms.BooleanField(label=_("I have no comment"), required=False)
    attachment = forms.FileField(
        label=_("Attach a file"),
        required=False,
        help_text=_("PDF, Word, Excel, PowerPoint, OpenDocument or plain text"),
    )

    def __init__(self, *args, circulation, existing, **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = list(circulation.questions.all())
        self.papers = list(circulation.papers.all())
        for q in self.questions:
            if q.asks_position:
                self.fields[f"position_{q.pk}"] = forms.ChoiceField(
                    label=_("Your position on question %(number)s") % {"number": q.position},
                    choices=Position.choices,
                    widget=forms.RadioSelect,
                    required=False,
                )
            self.fields[f"answer_{q.pk}"] = forms.CharField(
                label=_("Your comments on question %(number)s") % {"number": q.position},
                widget=forms.Textarea(attrs={"rows": 3}),
                required=False,
            )
        for paper in self.papers:
            self.fields[f"paper_{paper.pk}"] = forms.CharField(
                label=_("Your comments on %(paper)s")
                % {"paper": f"{paper.reference} {paper.title}".strip()},
                widget=forms.Textarea(attrs={"rows": 3}),
                required=False,
            )
        # Questions first, then papers, then anything else.
        self.order_fields(
            [name for name in self.fields if name.startswith(("position_", "answer_", "paper_"))]
            + ["general", "no_comment", "attachment"]
        )
        for comment in existing:
            if comment.question_id:
                self.initial[f"position_{comment.question_id}"] = comment.position
                self.initial[f"answer_{comment.question_id}"] = comment.body
            elif comment.paper_id:
                self.initial[f"paper_{comment.paper_id}"] = comment.body
            else:
                self.initial["general"] = comment.body
                self.initial["no_comment"] = comment.position == Position.NO_COMMENT

    def sections(self):
        """For the template: each question with its fields, then each paper's field."""
        return {
            "questions": [
                (q, self[f"position_{q.pk}"] if q.asks_position else None, self[f"answer_{q.pk}"])
                for q in self.questions
            ],
            "papers": [(p, self[f"paper_{p.pk}"]) for p in self.papers],
        }

    def clean(self):
        cleaned = super().clean()
        said_something = any(
            value for name, value in cleaned.items() if name not in ("no_comment",)
        )
        if not said_something and not cleaned.get("no_comment"):
            raise forms.ValidationError(_("Give your response, or tick “I have no comment”."))
        return cleaned

    def response(self):
        data = self.cleaned_data
        return {
            "answers": {
                q.pk: (data.get(f"position_{q.pk}", "") or "", data[f"answer_{q.pk}"])
                for q in self.questions
            },
            "paper_comments": {p.pk: data[f"paper_{p.pk}"] for p in self.papers},
            "general": data["general"],
            "no_comment": data["no_comment"],
            "attachment": data.get("attachment"),
        }
