from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from members.permissions import get_group_for

from ..forms import (
    PaperForm,
    PaperVersionForm,
    SendPapersForm,
    WithdrawPaperForm,
)
from ..models import Paper, PaperVersion
from ..paper_mail import recipients, send_meeting_papers
from ..permissions import (
    can_manage_meetings,
    get_managed_meeting,
    visible_circulations,
)
from ..selectors import paper_readers
from ..services import MeetingError
from ..uploads import add_paper_version, create_paper, record_download, withdraw_paper
from .common import meeting_page_context


def _paper_for(user, slug, pk):
    group = get_group_for(user, slug)
    paper = get_object_or_404(
        Paper.objects.select_related("meeting", "agenda_item", "workstream", "withdrawn_by"),
        pk=pk,
        group=group,
    )
    return group, paper


def _managed_paper(user, slug, pk):
    group, paper = _paper_for(user, slug, pk)
    if not can_manage_meetings(user, group):
        raise Http404
    return group, paper


def _withdrawn_message(paper):
    return _("This paper was withdrawn on %(date)s. The reason given: %(reason)s") % {
        "date": date_format(paper.withdrawn_at, "j F Y"),
        "reason": paper.withdrawal_reason,
    }


@login_required
def paper_detail(request, slug, pk):
    """A paper: its versions, where it was sent, and for the secretariat who opened which."""
    group, paper = _paper_for(request.user, slug, pk)
    can_manage = can_manage_meetings(request.user, group)
    versions = list(paper.versions.select_related("uploaded_by"))
    readers = paper_readers(paper=paper) if can_manage else {}
    for version in versions:
        version.readers = readers.get(version.pk, [])
    context = meeting_page_context(
        request,
        group,
        paper=paper,
        versions=versions,
        # Only those the visitor may open: not a draft to members, nor one sent to others.
        circulations=visible_circulations(request.user, group, paper.circulations.all()).order_by(
            "-created_at"
        ),
        can_manage=can_manage,
        can_change=can_manage and not group.is_closed and not paper.is_withdrawn,
        # Members are not offered a withdrawn paper; the secretariat keeps it for the record.
        can_open=can_manage or not paper.is_withdrawn,
    )
    return render(request, "meetings/paper_detail.html", context)


@login_required
def paper_version_add(request, slug, pk):
    group, paper = _managed_paper(request.user, slug, pk)
    if paper.is_withdrawn:
        messages.error(request, _withdrawn_message(paper))
        return redirect("meetings:paper", group.slug, paper.pk)
    form = PaperVersionForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        note = form.cleaned_data["note"].strip()
        try:
            version = add_paper_version(
                paper=paper,
                uploaded_file=form.cleaned_data["file"],
                uploaded_by=request.user,
                reason=f"New version: {note}" if note else "New version",
            )
        except ValidationError as error:
            form.add_error("file", error)
        else:
            messages.success(
                request,
                _("Version %(number)s has been added. Send it to members when it is ready.")
                % {"number": version.number},
            )
            return redirect("meetings:paper", group.slug, paper.pk)
    return render(
        request,
        "meetings/paper_version_add.html",
        meeting_page_context(request, group, paper=paper, form=form),
        status=400 if form.errors else 200,
    )


@login_required
def paper_withdraw(request, slug, pk):
    group, paper = _managed_paper(request.user, slug, pk)
    if paper.is_withdrawn:
        messages.error(request, _withdrawn_message(paper))
        return redirect("meetings:paper", group.slug, paper.pk)
    form = WithdrawPaperForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            withdraw_paper(
                paper=paper, withdrawn_by=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            form.add_error("reason", error)
        else:
            messages.success(
                request, _("The paper has been withdrawn. Members now see the reason instead.")
            )
            return redirect("meetings:paper", group.slug, paper.pk)
    return render(
        request,
        "meetings/paper_withdraw.html",
        meeting_page_context(request, group, paper=paper, form=form),
        status=400 if form.errors else 200,
    )


@login_required
def paper_download(request, slug, version_pk):
    group = get_group_for(request.user, slug)
    version = get_object_or_404(
        PaperVersion.objects.select_related("paper"), pk=version_pk, paper__group=group
    )
    if version.paper.is_withdrawn and not can_manage_meetings(request.user, group):
        messages.error(request, _withdrawn_message(version.paper))
        return redirect("meetings:paper", group.slug, version.paper_id)
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
def paper_add(request, slug, pk):
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
        request,
        "meetings/paper_add.html",
        meeting_page_context(request, group, meeting=meeting, form=form),
    )


def _send_refusal(code):
    """What the secretariat is told when the papers cannot be sent, by MeetingError code."""
    return {
        "no_papers": _("Select at least one paper to send."),
        "wrong_meeting": _("Select only papers of this meeting."),
        "no_file": _("A paper you selected has no file. Upload it again before sending."),
        "no_recipients": _("Nobody is invited to this meeting yet, so there is no one to send to."),
        "withdrawn": _("A paper you selected has been withdrawn. Select only current papers."),
        "group_closed": _("Papers cannot be sent for a group that has closed."),
    }.get(code, _("The papers could not be sent."))


@login_required
def papers_send(request, slug, pk):
    group, meeting = get_managed_meeting(request.user, slug, pk)
    form = SendPapersForm(request.POST or None, meeting=meeting)
    if request.method == "POST" and form.is_valid():
        try:
            mails = send_meeting_papers(
                meeting=meeting,
                papers=form.cleaned_data["papers"],
                message=form.cleaned_data["message"],
                sent_by=request.user,
            )
        except MeetingError as error:
            field = (
                "papers"
                if str(error) in ("no_papers", "wrong_meeting", "withdrawn", "no_file")
                else None
            )
            form.add_error(field, _send_refusal(str(error)))
        else:
            messages.success(
                request,
                ngettext(
                    "The papers are on their way to %(count)d person.",
                    "The papers are on their way to %(count)d people.",
                    len(mails),
                )
                % {"count": len(mails)},
            )
            return redirect("meetings:detail", group.slug, meeting.pk)
    return render(
        request,
        "meetings/papers_send.html",
        meeting_page_context(
            request,
            group,
            meeting=meeting,
            form=form,
            has_papers=meeting.papers.exists(),
            recipient_count=len(recipients(meeting)),
        ),
    )
