import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from members.permissions import get_group_for, get_managed_group

from . import services
from .calendar import calendar_feed_ics, issue_calendar_feed, person_for_feed_token
from .forms import (
    LONDON,
    ActionForm,
    AgendaItemForm,
    AttendanceForm,
    AttendanceRatesForm,
    CancelMeetingForm,
    DeclarationForm,
    MeetingForm,
    PaperForm,
    PlanForm,
    RsvpForm,
)
from .models import Action, AgendaItem, Attendance, Meeting, PaperVersion
from .permissions import (
    can_declare_interest,
    can_manage_meetings,
    can_rsvp,
    can_see_attendance_rates,
    can_see_join_link,
    can_update_action,
    get_managed_meeting,
    get_meeting_for,
)
from .planning import (
    PlanningError,
    ProposedMeeting,
    ensure_default_terms,
    propose_termly_meetings,
    schedule_termly_meetings,
)
from .uploads import create_paper, record_download


def _context(request, group, **extra):
    return {
        "group": group,
        "member_view": True,
        "nav": "meetings",
        "can_manage": can_manage_meetings(request.user, group),
        **extra,
    }


@login_required
def meeting_list(request, slug):
    group = get_group_for(request.user, slug)
    now = timezone.now()
    meetings = group.meetings.select_related("phase")
    return render(
        request,
        "meetings/meeting_list.html",
        _context(
            request,
            group,
            upcoming=meetings.filter(ends_at__gte=now).exclude(status=Meeting.Status.CANCELLED),
            past=meetings.filter(ends_at__lt=now).order_by("-starts_at"),
            cancelled=meetings.filter(status=Meeting.Status.CANCELLED, ends_at__gte=now),
            can_see_rates=can_see_attendance_rates(request.user, group),
        ),
    )


@login_required
def meeting_detail(request, slug, pk):
    group, meeting = get_meeting_for(request.user, slug, pk)
    attendance = Attendance.objects.filter(meeting=meeting, person=request.user).first()
    context = _context(
        request,
        group,
        meeting=meeting,
        agenda=meeting.agenda_items.select_related("workstream").prefetch_related("papers"),
        papers=meeting.papers.prefetch_related("versions"),
        my_attendance=attendance,
        can_rsvp=can_rsvp(request.user, meeting),
        show_join_link=can_see_join_link(request.user, meeting),
        rsvp_form=RsvpForm(initial={"response": attendance.response if attendance else None}),
        declarations=meeting.declarations.select_related("person", "agenda_item"),
        can_declare=can_declare_interest(request.user, meeting),
        declaration_form=DeclarationForm(meeting=meeting),
        actions=meeting.actions.select_related("owner"),
    )
    if context["can_manage"]:
        from .selectors import paper_readers

        context.update(
            readers=paper_readers(meeting),
            turnout=services.expected_turnout(meeting),
            quorum_warning=services.quorum_warning(meeting),
            attendances=meeting.attendances.select_related("person").order_by("person__full_name"),
        )
    return render(request, "meetings/meeting_detail.html", context)


@login_required
def meeting_add(request, slug):
    group = get_managed_group(request.user, slug)
    form = MeetingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        meeting = services.create_meeting(
            group=group,
            reason=form.cleaned_data["reason"] or "Meeting added",
            **form.meeting_fields(),
        )
        messages.success(
            request, _("The meeting has been added. Confirm it to send the invitations.")
        )
        return redirect("meetings:detail", group.slug, meeting.pk)
    return render(request, "meetings/meeting_form.html", _context(request, group, form=form))


@login_required
def meeting_edit(request, slug, pk):
    group, meeting = get_managed_meeting(request.user, slug, pk)
    form = MeetingForm(request.POST or None, instance=meeting)
    if request.method == "POST" and form.is_valid():
        stored = Meeting.objects.get(pk=meeting.pk)
        try:
            services.update_meeting(
                meeting=stored,
                reason=form.cleaned_data["reason"] or "Meeting changed",
                **form.meeting_fields(),
            )
        except services.MeetingError:
            messages.error(request, _("This meeting can no longer be changed."))
        else:
            messages.success(request, _("The meeting has been updated."))
        return redirect("meetings:detail", group.slug, meeting.pk)
    return render(
        request, "meetings/meeting_form.html", _context(request, group, form=form, meeting=meeting)
    )


@login_required
@require_POST
def meeting_confirm(request, slug, pk):
    group, meeting = get_managed_meeting(request.user, slug, pk)
    try:
        services.confirm_meeting(meeting=meeting)
    except services.MeetingError as error:
        if str(error) == "details_missing":
            messages.error(
                request, _("Add the venue or the link to join before confirming the meeting.")
            )
        else:
            messages.error(request, _("Only a planned meeting can be confirmed."))
    else:
        messages.success(request, _("The meeting is confirmed. Invitations are on their way."))
    return redirect("meetings:detail", group.slug, meeting.pk)


@login_required
def meeting_cancel(request, slug, pk):
    group, meeting = get_managed_meeting(request.user, slug, pk)
    form = CancelMeetingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.cancel_meeting(meeting=meeting, reason=form.cleaned_data["reason"])
        except services.MeetingError:
            messages.error(request, _("This meeting can no longer be cancelled."))
        else:
            messages.success(request, _("The meeting has been cancelled."))
        return redirect("meetings:detail", group.slug, meeting.pk)
    return render(
        request,
        "meetings/meeting_cancel.html",
        _context(request, group, form=form, meeting=meeting),
    )


@login_required
@require_POST
def meeting_rsvp(request, slug, pk):
    group, meeting = get_meeting_for(request.user, slug, pk)
    if not can_rsvp(request.user, meeting):
        raise Http404
    form = RsvpForm(request.POST)
    if form.is_valid():
        services.record_rsvp(meeting=meeting, person=request.user, **form.cleaned_data)
        messages.success(request, _("Thank you. Your answer has been recorded."))
        return redirect("meetings:detail", group.slug, meeting.pk)
    context = _context(
        request,
        group,
        meeting=meeting,
        rsvp_form=form,
        can_rsvp=True,
        agenda=[],
        papers=[],
        show_join_link=can_see_join_link(request.user, meeting),
    )
    return render(request, "meetings/meeting_detail.html", context, status=400)


@login_required
def meeting_attendance(request, slug, pk):
    group, meeting = get_managed_meeting(request.user, slug, pk)
    if meeting.starts_at > timezone.now() or meeting.status not in (
        Meeting.Status.CONFIRMED,
        Meeting.Status.HELD,
    ):
        messages.error(
            request, _("Attendance can be recorded once a confirmed meeting has started.")
        )
        return redirect("meetings:detail", group.slug, meeting.pk)
    attendances = list(meeting.attendances.select_related("person").order_by("person__full_name"))
    form = AttendanceForm(request.POST or None, attendances=attendances)
    if request.method == "POST" and form.is_valid():
        services.record_attendance(meeting=meeting, attended_by_person=form.attended_by_person())
        messages.success(request, _("Attendance has been recorded."))
        return redirect("meetings:detail", group.slug, meeting.pk)
    return render(
        request,
        "meetings/meeting_attendance.html",
        _context(request, group, form=form, meeting=meeting),
    )


@login_required
def paper_download(request, slug, version_pk):
    group = get_group_for(request.user, slug)
    version = get_object_or_404(
        PaperVersion.objects.select_related("paper"), pk=version_pk, paper__group=group
    )
    record_download(version=version, person=request.user)
    response = FileResponse(
        version.file.open("rb"),
        as_attachment=True,
        filename=version.original_name,
        content_type=version.content_type,
    )
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def calendar_settings(request):
    token = None
    if request.method == "POST":
        token = issue_calendar_feed(person=request.user)
        messages.success(
            request, _("Your new calendar address is ready. The old address no longer works.")
        )
    return render(
        request,
        "meetings/calendar_settings.html",
        {
            "nav": "profile",
            "feed_url": request.build_absolute_uri(f"/calendar/{token}.ics") if token else None,
            "has_feed": hasattr(request.user, "calendar_feed"),
        },
    )


def calendar_feed(request, token):
    person = person_for_feed_token(token)
    if person is None or not person.is_active:
        raise Http404
    response = HttpResponse(
        calendar_feed_ics(person, language=person.preferred_language),
        content_type="text/calendar; charset=utf-8",
    )
    response["Cache-Control"] = "private, max-age=300"
    return response


@login_required
def meeting_plan(request, slug):
    """Step 1: the wish (PlanForm). Step 2: the proposal, one row per term, each date movable or
    droppable. Step 3: confirm, which creates the planned meetings."""
    group = get_managed_group(request.user, slug)
    ensure_default_terms()
    form = PlanForm(request.POST or None, initial={"start": timezone.localdate()})
    proposals, errors = [], []
    if request.method == "POST" and form.is_valid():
        wish = form.cleaned_data
        where = {"venue": wish.pop("venue"), "join_url": wish.pop("join_url")}
        proposals = propose_termly_meetings(group=group, **wish)
        if request.POST.get("step") == "confirm":
            chosen, errors = _chosen_proposals(request.POST, proposals, wish)
            if not errors:
                try:
                    meetings = schedule_termly_meetings(
                        group=group, proposals=chosen, created_by=request.user, **where
                    )
                except PlanningError:
                    raise Http404 from None
                messages.success(
                    request, _("%(count)d meetings have been planned.") % {"count": len(meetings)}
                )
                return redirect("meetings:list", group.slug)
    return render(
        request,
        "meetings/meeting_plan.html",
        _context(
            request,
            group,
            form=form,
            proposals=proposals,
            plan_errors=errors,
            proposed=request.method == "POST" and form.is_valid(),
        ),
    )


def _chosen_proposals(data, proposals, wish):
    """The proposals the secretariat kept, at the dates they chose (inside the same term)."""
    chosen, errors = [], []
    for index, proposal in enumerate(proposals):
        if not data.get(f"keep_{index}"):
            continue
        try:
            day = datetime.date.fromisoformat(data.get(f"date_{index}", ""))
        except ValueError:
            errors.append(
                (index, _("Enter a real date for %(title)s.") % {"title": proposal.title_en})
            )
            continue
        if not proposal.term.starts_on <= day <= proposal.term.ends_on:
            errors.append(
                (
                    index,
                    _("The date for %(title)s must be within the term.")
                    % {"title": proposal.title_en},
                )
            )
            continue
        starts_at = datetime.datetime.combine(day, wish["time"], LONDON)
        chosen.append(
            ProposedMeeting(
                term=proposal.term,
                starts_at=starts_at,
                ends_at=starts_at + datetime.timedelta(minutes=wish["minutes"]),
                mode=proposal.mode,
                title_en=proposal.title_en,
                title_cy=proposal.title_cy,
            )
        )
    return chosen, errors


@login_required
def agenda_edit(request, slug, pk):
    group, meeting = get_managed_meeting(request.user, slug, pk)
    form = AgendaItemForm(request.POST or None, group=group)
    if request.method == "POST":
        action = request.POST.get("action", "add")
        if action in ("up", "down", "remove"):
            item = get_object_or_404(AgendaItem, pk=request.POST.get("item"), meeting=meeting)
            if action == "remove":
                services.remove_agenda_item(item=item)
            else:
                services.move_agenda_item(item=item, offset=-1 if action == "up" else 1)
            return redirect("meetings:agenda", group.slug, meeting.pk)
        if form.is_valid():
            services.add_agenda_item(meeting=meeting, **form.cleaned_data)
            messages.success(request, _("The agenda item has been added."))
            return redirect("meetings:agenda", group.slug, meeting.pk)
    items = meeting.agenda_items.select_related("workstream")
    return render(
        request,
        "meetings/agenda_edit.html",
        _context(request, group, meeting=meeting, items=items, form=form),
    )


@login_required
def paper_add(request, slug, pk):
    from django.core.exceptions import ValidationError

    group, meeting = get_managed_meeting(request.user, slug, pk)
    form = PaperForm(request.POST or None, request.FILES or None, meeting=meeting)
    if request.method == "POST" and form.is_valid():
        try:
            create_paper(
                group=group,
                meeting=meeting,
                created_by=request.user,
                uploaded_file=form.cleaned_data.pop("file"),
                **form.cleaned_data,
            )
        except ValidationError as error:
            form.add_error("file", error)
        else:
            messages.success(request, _("The paper has been added."))
            return redirect("meetings:detail", group.slug, meeting.pk)
    return render(
        request, "meetings/paper_add.html", _context(request, group, meeting=meeting, form=form)
    )


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
    context = _context(request, group, nav="actions")
    form = ActionForm(request.POST or None, group=group)
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
        _context(request, group, form=form, rows=rows, start=start, end=end, nav="meetings"),
    )
