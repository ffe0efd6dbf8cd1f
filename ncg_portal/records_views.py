"""The records archive page: the group's archives (made on closing or on request), for its
secretariat, open or closed."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from members.pages import group_page_context
from members.permissions import get_records_group

from .archive import request_archive
from .audit import record_access
from .models import RecordAccess, RecordsArchive


@login_required
def archive_list(request, slug):
    group = get_records_group(request.user, slug)
    context = group_page_context(
        request,
        group,
        "records",
        archives=group.archives.select_related("requested_by"),
        pending=group.archives.filter(status=RecordsArchive.Status.PENDING).exists(),
    )
    return render(request, "records/list.html", context)


@login_required
@require_POST
def archive_request(request, slug):
    group = get_records_group(request.user, slug)
    if group.archives.filter(status=RecordsArchive.Status.PENDING).exists():
        messages.info(request, _("An archive is already being prepared."))
    else:
        request_archive(group=group, requested_by=request.user)
        messages.success(
            request, _("The archive is being prepared. Refresh this page in a few minutes.")
        )
    return redirect("records:list", group.slug)


@login_required
def archive_download(request, slug, pk):
    group = get_records_group(request.user, slug)
    archive = get_object_or_404(
        RecordsArchive, pk=pk, group=group, status=RecordsArchive.Status.READY
    )
    if not archive.file:
        raise Http404
    record_access(
        group=group,
        person=request.user,
        what=RecordAccess.What.ARCHIVE_EXPORTED,
        subject=f"archive {archive.pk} ({archive.sha256[:12]})",
    )
    response = FileResponse(
        archive.file.open("rb"),
        as_attachment=True,
        filename=archive.file.name.rsplit("/", 1)[-1],
        content_type="application/zip",
    )
    response["Cache-Control"] = "private, no-store"
    return response


urlpatterns = [
    path("", archive_list, name="list"),
    path("new/", archive_request, name="request"),
    path("<int:pk>/download/", archive_download, name="download"),
]
