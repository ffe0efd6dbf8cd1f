from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from members.permissions import get_group_for

from ..forms import (
    PaperForm,
    SendPapersForm,
)
from ..models import PaperVersion
from ..paper_mail import recipients, send_meeting_papers
from ..permissions import (
    get_managed_meeting,
)
from ..services import MeetingError
from ..uploads import create_paper, record_download
from .common import meeting_page_context


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
            field = "papers" if str(error) in ("no_papers", "wrong_meeting", "no_file") else None
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
