from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from members.permissions import get_group_for, get_managed_group

from .. import written_procedure as wp
from ..circulation_forms import CirculationForm, ResponseForm
from ..models import Circulation, Comment, InboundMessage, Meeting
from ..permissions import (
    can_manage_meetings,
    can_read_summary,
    can_respond,
    get_circulation_for,
    visible_circulations,
)
from .common import meeting_page_context

REFUSALS = {
    "deadline_past": gettext_lazy("The deadline must be in the future."),
    "no_recipients": gettext_lazy("Select at least one person to send it to."),
    "group_closed": gettext_lazy("This group has closed."),
    "withdrawn": gettext_lazy(
        "A paper you selected has been withdrawn. Select only current papers."
    ),
}


def _context(request, group, **extra):
    return meeting_page_context(request, group, nav="circulations", **extra)


@login_required
def circulation_list(request, slug):
    group = get_group_for(request.user, slug)
    circulations = visible_circulations(request.user, group, group.circulations.all())
    return render(
        request,
        "meetings/circulation_list.html",
        _context(request, group, circulations=circulations.order_by("-deadline")),
    )


@login_required
def circulation_new(request, slug):
    group = get_managed_group(request.user, slug)
    meeting = None
    meeting_pk = request.GET.get("meeting") or request.POST.get("meeting")
    if meeting_pk:
        if not (meeting_pk.isascii() and meeting_pk.isdigit()):  # a tampered link: no such meeting
            raise Http404
        meeting = get_object_or_404(Meeting, pk=meeting_pk, group=group)
    recipients = wp.default_recipients(group)
    from members.models import Person

    form = CirculationForm(
        request.POST or None,
        group=group,
        recipients=Person.objects.filter(pk__in=[p.pk for p in recipients]).order_by("full_name"),
        papers=group.papers.filter(withdrawn_at=None).order_by("-created_at"),
        initial={
            "recipients": recipients,
            "papers": list(meeting.papers.filter(withdrawn_at=None)) if meeting else [],
            "subject_en": meeting.title_en if meeting else "",
            "subject_cy": meeting.title_cy if meeting else "",
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            circulation = wp.start_circulation(
                group=group, created_by=request.user, meeting=meeting, **form.circulation_fields()
            )
        except wp.CirculationError as error:
            form.add_error(None, REFUSALS.get(str(error), _("The circulation could not be made.")))
        else:
            messages.success(
                request, _("The circulation is ready. Check it, then send it to members.")
            )
            return redirect("meetings:circulation", group.slug, circulation.pk)
    return render(
        request,
        "meetings/circulation_form.html",
        _context(request, group, form=form, meeting=meeting),
    )


@login_required
def circulation_detail(request, slug, pk):
    group, circulation = get_circulation_for(request.user, slug, pk)
    # The person's own comments, made here and sent by email, in one query.
    own = list(Comment.objects.filter(circulation=circulation, person=request.user))
    mine = [c for c in own if c.source == Comment.Source.WEB]
    form = None
    if can_respond(request.user, circulation):
        posted = request.method == "POST"
        form = ResponseForm(
            request.POST if posted else None,
            request.FILES if posted else None,
            circulation=circulation,
            existing=mine,
        )
        if request.method == "POST" and form.is_valid():
            try:
                refused = wp.save_online_response(
                    circulation=circulation, person=request.user, **form.response()
                )
            except wp.CirculationError:
                messages.error(request, _("This circulation is no longer open for responses."))
            else:
                for name, reason in refused:
                    messages.error(request, f"{name}: {reason}")
                messages.success(
                    request,
                    _(
                        "Thank you. Your response has been saved. You can change it until the deadline."
                    ),
                )
            return redirect("meetings:circulation", group.slug, circulation.pk)
    elif request.method == "POST":
        raise Http404
    manages = can_manage_meetings(request.user, group)
    context = _context(
        request,
        group,
        circulation=circulation,
        form=form,
        questions=circulation.questions.all(),
        papers=circulation.papers.prefetch_related("versions"),
        my_email_replies=[c for c in own if c.source == Comment.Source.EMAIL],
        can_read_summary=can_read_summary(request.user, circulation),
    )
    if manages:
        context.update(
            recipients=circulation.recipients.select_related("person"),
            # Not the stored messages' raw bytes: the page shows none of them.
            comments=circulation.comments.select_related(
                "person", "paper", "question", "inbound_message"
            )
            .defer("inbound_message__raw")
            .prefetch_related("attachments"),
            held=circulation.inbound_messages.filter(status=InboundMessage.Status.HELD).defer(
                "raw"
            ),
        )
    status = 400 if form is not None and form.errors else 200
    return render(request, "meetings/circulation_detail.html", context, status=status)


def _managed(request, slug, pk):
    group = get_managed_group(request.user, slug)
    return group, get_object_or_404(Circulation.objects.select_related("group"), pk=pk, group=group)


@login_required
@require_POST
def circulation_open(request, slug, pk):
    group, circulation = _managed(request, slug, pk)
    try:
        wp.open_circulation(circulation=circulation, opened_by=request.user)
    except wp.CirculationError as error:
        messages.error(
            request,
            REFUSALS.get(str(error), _("Only a draft can be sent.")),
        )
    else:
        messages.success(request, _("The circulation is on its way to members."))
    return redirect("meetings:circulation", group.slug, circulation.pk)


@login_required
@require_POST
def circulation_remind(request, slug, pk):
    group, circulation = _managed(request, slug, pk)
    try:
        count = wp.send_reminders(circulation=circulation, sent_by=request.user)
    except wp.CirculationError:
        messages.error(request, _("Reminders can be sent only while the circulation is open."))
    else:
        messages.success(request, _("Reminders sent: %(count)d.") % {"count": count})
    return redirect("meetings:circulation", group.slug, circulation.pk)


@login_required
@require_POST
def circulation_close(request, slug, pk):
    group, circulation = _managed(request, slug, pk)
    try:
        wp.close_circulation(circulation=circulation, closed_by=request.user)
    except wp.CirculationError:
        messages.error(request, _("Only an open circulation can be closed."))
    else:
        messages.success(
            request, _("The circulation is closed. The chair has been sent the summary.")
        )
    return redirect("meetings:circulation", group.slug, circulation.pk)


@login_required
def inbound_original(request, slug, uid):
    """The original email, exactly as received, for the secretariat."""
    group = get_managed_group(request.user, slug)
    message = _group_message(group, uid)
    response = HttpResponse(bytes(message.raw), content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="message-{message.uid}.eml"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _summary_for(request, slug, pk):
    group, circulation = get_circulation_for(request.user, slug, pk)
    if not can_read_summary(request.user, circulation):
        raise Http404
    return group, circulation, wp.circulation_summary(circulation)


@login_required
def circulation_summary(request, slug, pk):
    from advice.permissions import can_draft_letters

    group, circulation, summary = _summary_for(request, slug, pk)
    context = _context(request, group, circulation=circulation, summary=summary)
    context["can_draft_letter"] = can_draft_letters(request.user, group, roles=context["my_roles"])
    return render(request, "meetings/circulation_summary.html", context)


@login_required
def circulation_summary_pdf(request, slug, pk):
    from ncg_portal.i18n import current_language
    from ncg_portal.pdf import render_pdf

    group, circulation, summary = _summary_for(request, slug, pk)
    language = current_language()
    pdf = render_pdf(
        "meetings/pdf/circulation_summary.html",
        {"group": group, "circulation": circulation, "summary": summary},
        language=language,
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    name = f"{group.short_name or group.slug}-responses-{circulation.pk}-{language}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def inbound_decide(request, slug, uid, decision):
    """The secretariat accepts a held reply as the member's response, or dismisses it."""
    from ..inbound import CannotRelease, dismiss_held_message, release_held_message

    group = get_managed_group(request.user, slug)
    message = _group_message(group, uid)
    try:
        if decision == "release":
            release_held_message(message=message, released_by=request.user)
            messages.success(request, _("The reply has been recorded as the member's response."))
        else:
            dismiss_held_message(message=message, dismissed_by=request.user)
            messages.success(request, _("The reply has been dismissed. It is kept, not counted."))
    except CannotRelease:
        messages.error(request, _("This reply cannot be recorded as a response."))
    if message.letter_id:
        return redirect("advice:letter", group.slug, message.letter_id)
    return redirect("meetings:circulation", group.slug, message.circulation_id)


def _group_message(group, uid):
    """A reply to one of the group's circulations or letters; 404 for any other."""
    return get_object_or_404(
        InboundMessage.objects.filter(Q(circulation__group=group) | Q(letter__group=group)),
        uid=uid,
    )
