from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from members.permissions import get_group_for

from ..forms import (
    PaperForm,
)
from ..models import PaperVersion
from ..permissions import (
    get_managed_meeting,
)
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
