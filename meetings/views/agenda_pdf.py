"""The agenda pack as a PDF: the meeting, its ordered agenda and the list of its papers.

A PDF travels further than the portal (it is saved, forwarded, printed), so it carries no link
to join the meeting and only what every member of the group may see.
"""

from django.contrib.auth.decorators import login_required
from django.db.models import OuterRef, Subquery
from django.http import HttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET

from ncg_portal.i18n import current_language
from ncg_portal.names import ascii_name
from ncg_portal.pdf import render_pdf

from ..models import PaperVersion
from ..permissions import get_meeting_for
from ..planning import LONDON


@login_required
@require_GET
def agenda_pdf(request, slug, pk):
    group, meeting = get_meeting_for(request.user, slug, pk)
    pdf = render_agenda_pdf(meeting, current_language())
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(
        True, agenda_filename(group, meeting)
    )
    response["Cache-Control"] = "private, no-store"
    return response


def render_agenda_pdf(meeting, language):
    """The meeting's agenda pack as PDF bytes in `language` (the page's download and the records
    archive)."""
    items = list(meeting.agenda_items.select_related("workstream"))
    papers = list(_papers_with_current_version(meeting))
    by_item = {}
    for paper in papers:
        by_item.setdefault(paper.agenda_item_id, []).append(paper)
    for item in items:
        item.pack_papers = by_item.get(item.pk, [])
    return render_pdf(
        "meetings/pdf/agenda.html",
        {"group": meeting.group, "meeting": meeting, "items": items, "papers": papers},
        language=language,
    )


def _papers_with_current_version(meeting):
    """The meeting's papers (not withdrawn ones), each with its current version's number and date
    (one query)."""
    latest = PaperVersion.objects.filter(paper=OuterRef("pk")).order_by("-number")
    return meeting.papers.filter(withdrawn_at=None).annotate(
        current_number=Subquery(latest.values("number")[:1]),
        current_uploaded_at=Subquery(latest.values("uploaded_at")[:1]),
    )


def agenda_filename(group, meeting):
    """For example NCG-agenda-2025-11-03.pdf: ASCII only, whatever the group is called."""
    name = ascii_name(group.short_name or group.slug)
    day = timezone.localtime(meeting.starts_at, LONDON).date()
    return f"{name or 'group'}-agenda-{day:%Y-%m-%d}.pdf"
