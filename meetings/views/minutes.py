from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ncg_portal.concurrency import Conflict, conflict_summary, show_conflict
from ncg_portal.i18n import current_language

from ..minutes import (
    approve_minutes,
    comment_on_minutes,
    correct_minutes,
    edit_token_of,
    editing_minutes,
    minutes_conflict,
    minutes_pdf,
    minutes_record,
    save_minutes,
    share_minutes,
    start_minutes,
)
from ..minutes_forms import (
    ApproveMinutesForm,
    MinutesCommentForm,
    MinutesCorrectionForm,
    MinutesForm,
)
from ..models import Meeting, Minutes
from ..permissions import (
    can_approve_minutes,
    can_comment_on_minutes,
    can_correct_minutes,
    can_edit_minutes,
    can_see_minutes,
    get_managed_meeting,
    get_meeting_for,
)
from ..services import MeetingError
from .common import meeting_page_context


def _minutes_of(meeting):
    return Minutes.objects.filter(meeting=meeting).first()


def _render_minutes(request, group, meeting, minutes, *, comment_form=None, approve_form=None):
    """The minutes page: the record (frozen once approved), comments, and what you may do next."""
    language = current_language()
    record = minutes.record[language] if minutes.is_approved else minutes_record(minutes, language)
    status = (
        400
        if (comment_form and comment_form.errors) or (approve_form and approve_form.errors)
        else 200
    )
    context = meeting_page_context(
        request,
        group,
        meeting=meeting,
        minutes=minutes,
        record=record,
        comments=minutes.comments.select_related("person", "agenda_item"),
        can_edit=can_edit_minutes(request.user, minutes),
        can_correct=can_correct_minutes(request.user, minutes),
        can_comment=can_comment_on_minutes(request.user, minutes),
        can_approve=can_approve_minutes(request.user, minutes),
        comment_form=comment_form or MinutesCommentForm(meeting=meeting),
        approve_form=approve_form or ApproveMinutesForm(),
    )
    context["can_draft_letter"] = _can_draft_letter(request, group, context)
    return render(request, "meetings/minutes_detail.html", context, status=status)


def _can_draft_letter(request, group, context):
    from advice.permissions import can_draft_letters

    return can_draft_letters(request.user, group, roles=context["my_roles"])


@login_required
def minutes_detail(request, slug, pk):
    group, meeting = get_meeting_for(request.user, slug, pk)
    minutes = _minutes_of(meeting)
    if minutes is None or not can_see_minutes(request.user, minutes):
        context = meeting_page_context(
            request,
            group,
            meeting=meeting,
            can_start=meeting.status == Meeting.Status.HELD,
        )
        return render(request, "meetings/minutes_not_ready.html", context)
    return _render_minutes(request, group, meeting, minutes)


@login_required
@require_POST
def minutes_start(request, slug, pk):
    group, meeting = get_managed_meeting(request.user, slug, pk)
    try:
        start_minutes(meeting=meeting, started_by=request.user)
    except MeetingError:
        messages.error(request, _("Minutes can be drafted once attendance has been recorded."))
        return redirect("meetings:minutes", group.slug, meeting.pk)
    return redirect("meetings:minutes_edit", group.slug, meeting.pk)


def _minutes_changed_since(request, group, meeting, form, *, correcting):
    """The editor again (409), the person's input kept: who changed the minutes since they
    opened it, and when, what is saved now where it differs, and a fresh token to save with."""
    minutes, entries = editing_minutes(meeting)
    token = edit_token_of(minutes, entries)
    conflict = minutes_conflict(minutes, form.cleaned_data["started_from"])
    conflict = conflict or Conflict(known_start=False)
    summary = conflict_summary(
        conflict,
        named=_(
            "%(name)s changed these minutes on %(when)s, after you opened this page. Nothing "
            "you entered has been saved: check what is saved now, then save again."
        ),
        unnamed=_(
            "Someone changed these minutes on %(when)s, after you opened this page. Nothing "
            "you entered has been saved: check what is saved now, then save again."
        ),
    )
    saved_now = show_conflict(form, conflict, token=token, summary=summary)
    language = current_language()
    context = meeting_page_context(
        request,
        group,
        meeting=meeting,
        minutes=minutes,
        form=form,
        record=minutes.record[language] if correcting else minutes_record(minutes, language),
        correcting=correcting,
        saved_now=saved_now,
    )
    return render(request, "meetings/minutes_edit.html", context, status=409)


def _minutes_form(form_class, request, minutes, entries):
    """The written parts of the minutes, starting from what is saved (and its token)."""
    return form_class(
        request.POST or None,
        entries=entries,
        initial={
            "body_en": minutes.body_en,
            "body_cy": minutes.body_cy,
            "started_from": edit_token_of(minutes, entries),
        },
    )


def _written_parts(form):
    """The service's arguments from a valid minutes form."""
    return {
        "discussions": form.discussions(),
        "body_en": form.cleaned_data["body_en"].strip(),
        "body_cy": form.cleaned_data["body_cy"].strip(),
        "started_from": form.cleaned_data["started_from"],
    }


@login_required
def minutes_edit(request, slug, pk):
    group, meeting = get_managed_meeting(request.user, slug, pk)
    # The minutes with what the editor starts from (a hidden token): if someone else saves
    # before this person does, they are told who and what, and nothing is overwritten.
    minutes, entries = editing_minutes(meeting)
    if minutes is None or not can_edit_minutes(request.user, minutes):
        raise Http404
    form = _minutes_form(MinutesForm, request, minutes, entries)
    if request.method == "POST" and form.is_valid():
        try:
            save_minutes(minutes=minutes, **_written_parts(form))
        except MeetingError as error:
            if str(error) == "changed_since":
                return _minutes_changed_since(request, group, meeting, form, correcting=False)
            messages.error(request, _("These minutes have been approved and can no longer change."))
        else:
            messages.success(request, _("The minutes have been saved."))
        return redirect("meetings:minutes", group.slug, meeting.pk)
    context = meeting_page_context(
        request,
        group,
        meeting=meeting,
        minutes=minutes,
        form=form,
        record=minutes_record(minutes, current_language()),
    )
    return render(request, "meetings/minutes_edit.html", context)


@login_required
def minutes_correct(request, slug, pk):
    """Correct approved minutes: the written parts again, with a reason that members are told."""
    group, meeting = get_managed_meeting(request.user, slug, pk)
    minutes, entries = editing_minutes(meeting)
    if minutes is None or not can_correct_minutes(request.user, minutes):
        raise Http404
    form = _minutes_form(MinutesCorrectionForm, request, minutes, entries)
    if request.method == "POST" and form.is_valid():
        try:
            correct_minutes(
                minutes=minutes,
                corrected_by=request.user,
                reason=form.cleaned_data["reason"],
                **_written_parts(form),
            )
        except MeetingError as error:
            if str(error) == "changed_since":
                return _minutes_changed_since(request, group, meeting, form, correcting=True)
            if str(error) == "no_reason":
                form.add_error("reason", _("Enter why the minutes are being corrected."))
            else:
                form.add_error(None, _("Nothing has changed. Change the text to correct it."))
        else:
            messages.success(
                request, _("The minutes have been corrected and members have been told why.")
            )
            return redirect("meetings:minutes", group.slug, meeting.pk)
    context = meeting_page_context(
        request,
        group,
        meeting=meeting,
        minutes=minutes,
        form=form,
        record=minutes.record[current_language()],
        correcting=True,
    )
    return render(
        request, "meetings/minutes_edit.html", context, status=400 if form.errors else 200
    )


@login_required
@require_POST
def minutes_share(request, slug, pk):
    group, meeting = get_managed_meeting(request.user, slug, pk)
    minutes = _minutes_of(meeting)
    if minutes is None:
        raise Http404
    try:
        share_minutes(minutes=minutes, shared_by=request.user)
    except MeetingError:
        messages.error(request, _("These minutes have already been shared."))
    else:
        messages.success(
            request, _("The draft minutes have been sent to members for their comments.")
        )
    return redirect("meetings:minutes", group.slug, meeting.pk)


@login_required
@require_POST
def minutes_comment(request, slug, pk):
    group, meeting = get_meeting_for(request.user, slug, pk)
    minutes = _minutes_of(meeting)
    if minutes is None or not can_see_minutes(request.user, minutes):
        raise Http404
    if not can_comment_on_minutes(request.user, minutes):
        messages.error(request, _("These minutes are not open for comment."))
        return redirect("meetings:minutes", group.slug, meeting.pk)
    form = MinutesCommentForm(request.POST, meeting=meeting)
    if not form.is_valid():
        return _render_minutes(request, group, meeting, minutes, comment_form=form)
    comment_on_minutes(minutes=minutes, person=request.user, **form.cleaned_data)
    messages.success(request, _("Thank you. Your comment has been added."))
    return redirect("meetings:minutes", group.slug, meeting.pk)


@login_required
@require_POST
def minutes_approve(request, slug, pk):
    group, meeting = get_meeting_for(request.user, slug, pk)
    minutes = _minutes_of(meeting)
    if minutes is None or not can_see_minutes(request.user, minutes):
        raise Http404
    if not can_approve_minutes(request.user, minutes):
        raise Http404
    form = ApproveMinutesForm(request.POST)
    if not form.is_valid():
        return _render_minutes(request, group, meeting, minutes, approve_form=form)
    approve_minutes(minutes=minutes, approved_by=request.user)
    messages.success(request, _("The minutes are approved and published to members."))
    return redirect("meetings:minutes", group.slug, meeting.pk)


@login_required
def minutes_download(request, slug, pk):
    group, meeting = get_meeting_for(request.user, slug, pk)
    minutes = _minutes_of(meeting)
    if minutes is None or not minutes.is_approved or not can_see_minutes(request.user, minutes):
        raise Http404
    language = current_language()
    pdf = minutes_pdf(minutes, language)
    name = f"{group.short_name or group.slug}-minutes-{meeting.starts_at:%Y-%m-%d}-{language}.pdf"
    response = FileResponse(
        pdf.open("rb"), as_attachment=True, filename=name, content_type="application/pdf"
    )
    response["Cache-Control"] = "private, no-store"
    return response
