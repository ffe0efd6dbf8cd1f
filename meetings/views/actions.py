from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from members.permissions import get_group_for

from .. import services
from ..forms import (
    ActionForm,
    AttendanceRatesForm,
    DeclarationForm,
)
from ..models import Action
from ..permissions import (
    can_declare_interest,
    can_see_attendance_rates,
    can_update_action,
    get_meeting_for,
)
from .common import meeting_page_context


@login_required
@require_POST
def declare_interest(request, slug, pk):
    group, meeting = get_meeting_for(request.user, slug, pk)
    if not can_declare_interest(request.user, meeting):
        raise Http404
    form = DeclarationForm(request.POST, meeting=meeting)
    if form.is_valid():
        services.declare_interest(meeting=meeting, person=request.user, **form.cleaned_data)
        messages.success(request, _("Your declaration of interest has been recorded."))
    else:
        messages.error(request, _("Describe your interest to declare it."))
    return redirect("meetings:detail", group.slug, meeting.pk)


@login_required
def action_list(request, slug):
    group = get_group_for(request.user, slug)
    context = meeting_page_context(request, group, nav="actions")
    form = ActionForm(
        request.POST or None, group=group, initial={"meeting": request.GET.get("meeting")}
    )
    if request.method == "POST":
        if not context["can_manage"]:
            raise Http404
        if form.is_valid():
            services.add_action(group=group, **form.cleaned_data)
            messages.success(request, _("The action has been added."))
            return redirect("meetings:actions", group.slug)
    actions = list(group.actions.select_related("owner", "meeting", "group"))
    for action in actions:
        action.updatable = can_update_action(request.user, action, manages=context["can_manage"])
    context.update(
        form=form,
        open_actions=[a for a in actions if a.status == Action.Status.OPEN],
        closed_actions=[a for a in actions if a.status != Action.Status.OPEN],
    )
    return render(request, "meetings/action_list.html", context)


@login_required
@require_POST
def action_update(request, slug, pk):
    group = get_group_for(request.user, slug)
    action = get_object_or_404(Action.objects.select_related("group"), pk=pk, group=group)
    status = request.POST.get("status")
    if not can_update_action(request.user, action) or status not in Action.Status.values:
        raise Http404
    services.update_action_status(action=action, status=status)
    messages.success(request, _("The action has been updated."))
    return redirect("meetings:actions", group.slug)


@login_required
def attendance_rates(request, slug):
    group = get_group_for(request.user, slug)
    if not can_see_attendance_rates(request.user, group):
        raise Http404
    form = AttendanceRatesForm(
        request.GET or None, initial={"start": group.starts_on, "end": timezone.localdate()}
    )
    start, end = group.starts_on, timezone.localdate()
    if form.is_bound and form.is_valid():
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    rows = services.attendance_rates(group, start=start, end=end)
    return render(
        request,
        "meetings/attendance_rates.html",
        meeting_page_context(
            request, group, form=form, rows=rows, start=start, end=end, nav="meetings"
        ),
    )
