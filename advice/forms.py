from django import forms
from django.utils.translation import gettext_lazy as _

from members.forms import DateInput


def _text(label, *, lang, required=True, rows=None):
    widget = (
        forms.Textarea(attrs={"rows": rows, "lang": lang})
        if rows
        else forms.TextInput(attrs={"lang": lang})
    )
    return forms.CharField(label=label, required=required, widget=widget)


class LetterForm(forms.Form):
    """The words of a letter in English and Welsh; the Welsh may follow later."""

    letter_date = forms.DateField(label=_("Date of the letter"), widget=DateInput)
    title_en = _text(_("Title in English"), lang="en")
    title_cy = _text(_("Title in Welsh"), lang="cy", required=False)
    salutation_en = _text(_("Salutation in English"), lang="en")
    salutation_cy = _text(_("Salutation in Welsh"), lang="cy", required=False)
    body_en = _text(_("Letter in English"), lang="en", rows=18)
    body_cy = _text(_("Letter in Welsh"), lang="cy", required=False, rows=18)
    closing_en = _text(_("Closing in English"), lang="en")
    closing_cy = _text(_("Closing in Welsh"), lang="cy", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        hint = _(
            "Markdown: a blank line between paragraphs, ## for a heading, - for a list, "
            "*emphasis*, [words](https://link)."
        )
        self.fields["body_en"].help_text = hint
        self.fields["body_cy"].help_text = hint

    def texts(self):
        return {k: v for k, v in self.cleaned_data.items() if k != "letter_date"}


class LetterCommentForm(forms.Form):
    body = forms.CharField(
        label=_("Your comment"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=5000,
        error_messages={"required": _("Enter your comment.")},
    )
