"""Two people editing the same thing at once: the second is told, nothing is silently overwritten.

Optimistic concurrency for edit forms (a meeting, a letter, the minutes and their correction).
The edit page carries, in a hidden field, a token naming what the person started from: the newest
history row of what they edit (for a letter, also the number of the version of its words; for
minutes, also each entry's newest row). Saving, under the row lock, reads back from those rows
what the form showed then and compares it with what is stored now; if anything the form shows
differs, the save is refused (the service raises its error with "changed_since") and nothing is
written. A save that changed nothing the form shows is no conflict.

The page is then shown again (409) with the person's own input kept, who changed it last and
when, what is saved now where it differs, and a fresh token. Where the person had left a field
as it was, it takes what is saved now, so saving again never puts back an old value unseen.
"""

from dataclasses import dataclass, field
from datetime import datetime

from django import forms
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

TOKEN_FIELD = "started_from"


def token_field():
    """The form's hidden field for the token (required by the edit views, not by the form: a form
    also used to add something has no token)."""
    return forms.CharField(required=False, widget=forms.HiddenInput)


def latest_history_id(model, pk):
    """The id of the newest history row of one object (ids only grow: writers hold its row lock)."""
    return (
        model.history.filter(id=pk)
        .order_by("-history_id")
        .values_list("history_id", flat=True)
        .first()
    )


def history_row(model, pk, history_id):
    """The history row `history_id` of object `pk`, or None when the text names no such row."""
    history_id = str(history_id or "")
    if not history_id.isdigit() or len(history_id) > 18:
        return None
    return model.history.filter(id=pk, history_id=int(history_id)).first()


def newest_row(model, pk):
    return (
        model.history.filter(id=pk).select_related("history_user").order_by("-history_id").first()
    )


@dataclass
class Conflict:
    """What changed since the person opened the edit page, and who changed it last, when.

    `before` and `now` are the edit form's snapshots (a dict named as the form names its fields,
    plus what the page shows besides, such as the status) then and now; `changed` the names whose
    values differ. `known_start` is False when the token named nothing (a page older than the
    token, or a token tampered with): then only "the page was out of date" can be said."""

    changed: list = field(default_factory=list)
    before: dict = field(default_factory=dict)
    now: dict = field(default_factory=dict)
    who: object = None
    when: datetime | None = None
    known_start: bool = True


def _comparable(value):
    # A browser sends a textarea's lines back ending in CRLF: the same words, not a change.
    return value.replace("\r\n", "\n") if isinstance(value, str) else value


def same(a, b):
    """Equal, as the person would see it."""
    return _comparable(a) == _comparable(b)


def changed_names(before, now):
    """The keys whose values differ, in the order of `now`."""
    return [name for name in now if not same(before.get(name), now[name])]


def when_text(moment):
    return date_format(timezone.localtime(moment), "j F Y, H:i") if moment else ""


def show_conflict(form, conflict, *, token, summary):
    """Put the conflict on the form shown again (after `is_valid()`), and merge what can be:

    - `summary` (who and when) goes at the top of the error summary;
    - a field someone else changed but this person had left as it was now shows what is saved
      (so saving again does not put back the old value); one both changed, differently, keeps
      this person's input, with an error at the field;
    - the fresh token replaces the stale one, so that saving again saves.

    The form gives `input_snapshot()` (its cleaned input, named as the snapshot is),
    `as_data(name, value)` (a snapshot value as the strings the form posts) and
    `saved_now(snapshot)` (name -> (label, text)). Returns the (label, text) rows of what changed,
    for the page's "What is saved now" list."""
    mine = form.input_snapshot()
    data = form.data.copy()
    both = []
    for name in conflict.changed:
        if name not in form.fields or name not in mine:  # not on the form (the status)
            continue
        if same(mine[name], conflict.before.get(name)):
            data.setlist(form.add_prefix(name), form.as_data(name, conflict.now[name]))
        elif not same(mine[name], conflict.now[name]):
            both.append(name)
    form.add_error(None, summary)
    for name in both:
        form.add_error(name, _("You and someone else both changed this: check what is saved now."))
    data[form.add_prefix(TOKEN_FIELD)] = token
    form.data = data
    if not conflict.changed:
        return []
    shown = form.saved_now(conflict.now)
    return [shown[name] for name in conflict.changed if name in shown]


def conflict_summary(conflict, *, named, unnamed):
    """The error summary's first line: who changed it and when (`named`, with %(name)s and
    %(when)s; `unnamed` when no person is recorded), or that the page was out of date."""
    if not conflict.known_start:
        return stale_page_message()
    when = when_text(conflict.when)
    if conflict.who is not None:
        return named % {"name": conflict.who.display_name, "when": when}
    return unnamed % {"when": when}


def stale_page_message():
    return _(
        "This page was out of date, so nothing you entered has been saved. "
        "Check the details saved now, then save again."
    )
