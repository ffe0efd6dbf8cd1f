import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from members.permissions import (
    can_manage_membership,
    current_roles,
    get_group_for,
    get_managed_group,
)
from ncg_portal.concurrency import Conflict, conflict_summary, show_conflict

from .. import services
from ..forms import (
    LONDON,
    AgendaItemForm,
    AttendanceForm,
    CancelMeetingForm,
    DeclarationForm,
    MeetingForm,
    PlanForm,
    RsvpForm,
    WrittenProcedureForm,
)
from ..models import AgendaItem, Attendance, Meeting, Minutes
from ..permissions import (
    can_declare_interest,
    can_rsvp,
    can_see_attendance_rates,
    can_see_join_link,
    can_see_minutes,
    get_managed_meeting,
    get_meeting_for,
)
from ..planning import (
    PlanningError,
    ProposedMeeting,
    ensure_default_terms,
    propose_termly_meetings,
    schedule_termly_meetings,
)
from .common import meeting_page_context


@login_required
def meeting_list(request, slug):
    group = get_group_for(request.user, slug)
    now = timezone.now()
    meetings = group.meetings.select_related("phase")
    return render(
        request,
        "meetings/meeting_list.html",
        meeting_page_context(
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
    roles = current_roles(request.user, group)
    attendances = None
    if can_manage_membership(request.user, group, roles=roles):  # the secretariat sees everyone's
        attendances = list(
            meeting.attendances.select_related("person").order_by("person__full_name")
        )
        attendance = next((a for a in attendances if a.person_id == request.user.pk), None)
    else:
        attendance = Attendance.objects.filter(meeting=meeting, person=request.user).first()
    context = meeting_page_context(
        request,
        group,
        meeting=meeting,
        agenda=meeting.agenda_items.select_related("workstream"),
        papers=meeting.papers.prefetch_related("versions"),
        my_attendance=attendance,
        can_rsvp=can_rsvp(request.user, meeting),
        show_join_link=can_see_join_link(request.user, meeting),
        rsvp_form=RsvpForm(
            meeting=meeting,
            initial={"response": attendance.response if attendance else None},
        ),
        declarations=meeting.declarations.select_related("person", "agenda_item"),
        can_declare=can_declare_interest(request.user, meeting),
        declaration_form=DeclarationForm(meeting=meeting),
        actions=meeting.actions.select_related("owner"),
        minutes=Minutes.objects.filter(meeting=meeting).first(),
    )
    if context["minutes"] is not None:
        context["minutes"].meeting = meeting  # already read, with its group
        context["can_see_minutes"] = can_see_minutes(request.user, context["minutes"])
    if context["can_manage"]:
        from ..selectors import paper_readers

        turnout = services.expected_turnout(meeting)
        context.update(
            # Read only when the papers' fragment is rendered, not when it is kept.
            readers=SimpleLazyObject(lambda: paper_readers(meeting)),
            turnout=turnout,
            quorum_warning=services.quorum_warning(meeting, turnout=turnout),
            attendances=attendances,
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
    return render(
        request, "meetings/meeting_form.html", meeting_page_context(request, group, form=form)
    )


@login_required
def meeting_edit(request, slug, pk):
    """The page carries what it was opened from (a hidden token): if someone else changes the
    meeting before this person saves, they are told who and what, and nothing is overwritten."""
    token = services.meeting_edit_token(Meeting(pk=pk))  # before the meeting: never newer
    group, meeting = get_managed_meeting(request.user, slug, pk)
    form = MeetingForm(request.POST or None, instance=meeting, initial={"started_from": token})
    if request.method == "POST" and form.is_valid():
        stored = Meeting.objects.get(pk=meeting.pk)
        try:
            services.update_meeting(
                meeting=stored,
                reason=form.cleaned_data["reason"] or "Meeting changed",
                started_from=form.cleaned_data["started_from"],
                **form.meeting_fields(),
            )
        except services.MeetingError as error:
            if str(error) == "changed_since":
                return _meeting_changed_since(request, group, form, meeting.pk)
            messages.error(request, _("This meeting can no longer be changed."))
        else:
            messages.success(request, _("The meeting has been updated."))
        return redirect("meetings:detail", group.slug, meeting.pk)
    return render(
        request,
        "meetings/meeting_form.html",
        meeting_page_context(request, group, form=form, meeting=meeting),
    )


def _meeting_changed_since(request, group, form, pk):
    """The edit page again (409), the person's input kept: who changed the meeting since they
    opened it, and when, what is saved now where it differs, and a fresh token to save with."""
    started_from = form.cleaned_data["started_from"]
    token = services.meeting_edit_token(Meeting(pk=pk))
    meeting = Meeting.objects.select_related("group").get(pk=pk)
    conflict = services.meeting_conflict(meeting, started_from) or Conflict(known_start=False)
    summary = conflict_summary(
        conflict,
        named=_(
            "%(name)s changed this meeting on %(when)s, after you opened this page. Nothing "
            "you entered has been saved: check what is saved now, then save again."
        ),
        unnamed=_(
            "Someone changed this meeting on %(when)s, after you opened this page. Nothing "
            "you entered has been saved: check what is saved now, then save again."
        ),
    )
    saved_now = show_conflict(form, conflict, token=token, summary=summary)
    return render(
        request,
        "meetings/meeting_form.html",
        meeting_page_context(request, group, form=form, meeting=meeting, saved_now=saved_now),
        status=409,
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


def _end_meeting(request, slug, pk, *, form_class, service, done, refused, template):
    """Cancel a meeting, or move it to the written procedure: a reason, then the change."""
    group, meeting = get_managed_meeting(request.user, slug, pk)
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            service(meeting=meeting, reason=form.cleaned_data["reason"])
        except services.MeetingError:
            messages.error(request, refused)
        else:
            messages.success(request, done)
        return redirect("meetings:detail", group.slug, meeting.pk)
    return render(
        request, template, meeting_page_context(request, group, form=form, meeting=meeting)
    )


@login_required
def meeting_cancel(request, slug, pk):
    return _end_meeting(
        request,
        slug,
        pk,
        form_class=CancelMeetingForm,
        service=services.cancel_meeting,
        done=_("The meeting has been cancelled."),
        refused=_("This meeting can no longer be cancelled."),
        template="meetings/meeting_cancel.html",
    )


@login_required
def meeting_written_procedure(request, slug, pk):
    return _end_meeting(
        request,
        slug,
        pk,
        form_class=WrittenProcedureForm,
        service=services.move_to_written_procedure,
        done=_("The meeting has moved to the written procedure. Members have been told."),
        refused=_("Only a planned or confirmed meeting can move to the written procedure."),
        template="meetings/meeting_written_procedure.html",
    )


@login_required
@require_POST
def meeting_rsvp(request, slug, pk):
    group, meeting = get_meeting_for(request.user, slug, pk)
    if not can_rsvp(request.user, meeting):
        raise Http404
    form = RsvpForm(request.POST, meeting=meeting)
    if form.is_valid():
        services.record_rsvp(meeting=meeting, person=request.user, **form.cleaned_data)
        messages.success(request, _("Thank you. Your answer has been recorded."))
        return redirect("meetings:detail", group.slug, meeting.pk)
    context = meeting_page_context(
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
        meeting_page_context(request, group, form=form, meeting=meeting),
    )


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
        meeting_page_context(
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
            item_pk = request.POST.get("item", "")
            if not (item_pk.isascii() and item_pk.isdigit()):  # a tampered form: no such item
                raise Http404
            item = get_object_or_404(AgendaItem, pk=item_pk, meeting=meeting)
            if action == "remove":
                try:
                    services.remove_agenda_item(item=item)
                except services.MeetingError:
                    messages.error(
                        request,
                        _("This item has minutes written under it, so it cannot be removed."),
                    )
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
        meeting_page_context(request, group, meeting=meeting, items=items, form=form),
    )
