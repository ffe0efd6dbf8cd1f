"""The audit log pages: a group's log for its secretariat (filter, search, CSV), and the history of
one object (the History link on the object's own page)."""

import io

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from members.forms import DateInput
from members.models import Person
from members.pages import group_page_context
from members.permissions import get_records_group

from .audit import record_access
from .audit_log import (
    ACTIONS,
    AuditLog,
    Filters,
    LogPage,
    added_and_removed,
    audited_kinds,
    show,
    write_csv,
)
from .models import RecordAccess

PAGE_SIZE = 50


class AuditFilterForm(forms.Form):
    text = forms.CharField(label=gettext_lazy("Search"), required=False, max_length=200)
    person = forms.ModelChoiceField(
        label=gettext_lazy("Changed by"),
        queryset=Person.objects.none(),
        required=False,
        empty_label=gettext_lazy("Anyone"),
    )
    kind = forms.ChoiceField(label=gettext_lazy("Kind of record"), required=False)
    since = forms.DateField(label=gettext_lazy("From"), required=False, widget=DateInput)
    until = forms.DateField(label=gettext_lazy("To"), required=False, widget=DateInput)

    def __init__(self, *args, group, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = (
            Person.objects.filter(memberships__group=group).distinct().order_by("full_name")
        )
        kinds = sorted(
            ((key, str(kind.label).capitalize()) for key, kind in audited_kinds().items()),
            key=lambda pair: pair[1],
        )
        self.fields["kind"].choices = [("", _("All kinds"))] + kinds

    def filters(self):
        if not self.is_valid():
            return Filters()
        data = self.cleaned_data
        return Filters(
            person=data["person"].pk if data["person"] else None,
            kind=data["kind"],
            since=data["since"],
            until=data["until"],
            text=data["text"].strip(),
        )


def _rows_for_page(entries):
    """What the template shows of each entry, values made text."""
    return [
        {
            "entry": entry,
            "action": ACTIONS[entry.action],
            "changes": [_change(*change) for change in entry.changes],
        }
        for entry in entries
    ]


def _change(field, before, after):
    """A field's before and after; for links (a letter's meetings, a circulation's papers) the
    names added and removed, easier to read than two lists."""
    change = {"label": str(field.verbose_name).capitalize()}
    if field.many_to_many:
        change["links"] = True
        change["added"], change["removed"] = added_and_removed(before, after)
    else:
        change["before"], change["after"] = show(before), show(after)
    return change


def _page_number(request):
    """The ?page= asked for; the first page for anything that is not a page number."""
    try:
        return max(1, min(int(request.GET.get("page", 1)), 100_000))
    except ValueError:
        return 1


@login_required
def audit_log(request, slug):
    group = get_records_group(request.user, slug)
    form = AuditFilterForm(request.GET or None, group=group)
    filters = form.filters()
    # Read only when the entries' fragment is rendered: it is kept under the group's change
    # stamp, which every new history row of the group moves on (templates/audit/log.html).
    page = SimpleLazyObject(
        lambda: LogPage(
            AuditLog(group, filters),
            _page_number(request),
            PAGE_SIZE,
            counted=filters != Filters(),
        )
    )
    query = {k: v for k, v in request.GET.items() if k != "page" and v}
    context = group_page_context(
        request,
        group,
        "audit",
        form=form,
        page=page,
        rows=SimpleLazyObject(lambda: _rows_for_page(page.object_list)),
        filter_query=urlencode(query) + "&" if query else "",
        csv_query=urlencode(query),
    )
    return render(request, "audit/log.html", context)


@login_required
def audit_csv(request, slug):
    group = get_records_group(request.user, slug)
    form = AuditFilterForm(request.GET or None, group=group)
    filters = form.filters()
    out = io.StringIO()
    write_csv(out, AuditLog(group, filters))
    record_access(
        group=group,
        person=request.user,
        what=RecordAccess.What.AUDIT_EXPORTED,
        subject=urlencode({k: v for k, v in request.GET.items() if v}) or "everything",
    )
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y-%m-%d")
    name = f"{group.short_name or group.slug}-audit-log-{stamp}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def object_history(request, slug, kind, pk):
    """Every change to one object of the group, with the same columns as the log."""
    group = get_records_group(request.user, slug)
    found = audited_kinds().get(kind)
    if found is None:
        raise Http404
    log = AuditLog(group, Filters(kind=kind, object_id=pk))
    page = LogPage(log, _page_number(request), PAGE_SIZE, counted=True)
    if not page.object_list and page.number == 1:
        raise Http404  # not an object of this group (or none at all)
    context = group_page_context(
        request,
        group,
        "audit",
        kind=found,
        object_id=pk,
        page=page,
        rows=_rows_for_page(page.object_list),
        filter_query="",
    )
    return render(request, "audit/object_history.html", context)


urlpatterns = [
    path("", audit_log, name="log"),
    path("audit.csv", audit_csv, name="csv"),
    path("<str:kind>/<int:pk>/", object_history, name="object"),
]
