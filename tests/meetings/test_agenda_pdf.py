"""The agenda pack: a tagged PDF/UA file in the page's language, for those who may see the meeting.

Rendering costs about a third of a second (after a second to import WeasyPrint): two renders,
one per language, carry the checks on the file itself.
"""

import datetime
import io
import re
import shutil
import subprocess
import zoneinfo

import pikepdf
import pytest
from django.utils import timezone, translation

from meetings.models import AgendaItem, Meeting, Paper, PaperVersion
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

LONDON = zoneinfo.ZoneInfo("Europe/London")
JOIN_URL = "https://meet.example.org/secret-room"
WELSH_MONTHS = dict(
    enumerate(
        "Ionawr Chwefror Mawrth Ebrill Mai Mehefin Gorffennaf Awst Medi Hydref Tachwedd Rhagfyr".split(),
        start=1,
    )
)


@pytest.fixture
def meeting(ncg, secretariat):
    ncg.short_name = "NCG"
    ncg.save()
    day = timezone.localdate() + datetime.timedelta(days=20)
    start = datetime.datetime.combine(day, datetime.time(10, 0), LONDON)
    meeting = Meeting.objects.create(
        group=ncg,
        title_en="Meeting of the NCG – spring review",
        title_cy="Cyfarfod y Grŵp – adolygiad y gwanwyn",
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=2),
        mode=Meeting.Mode.HYBRID,
        venue="Cathays Park, Cardiff",
        join_url=JOIN_URL,
        status=Meeting.Status.CONFIRMED,
    )
    workstream = ncg.workstreams.get(number=1)
    welcome = AgendaItem.objects.create(
        meeting=meeting,
        position=1,
        title_en="Welcome and apologies",
        title_cy="Croeso ac ymddiheuriadau",
        starts_at=datetime.time(10, 0),
        minutes=10,
        presenter="The chair",
    )
    update = AgendaItem.objects.create(
        meeting=meeting,
        position=2,
        title_en="Transition update",
        title_cy="Diweddariad ar bontio",
        starts_at=datetime.time(10, 10),
        minutes=30,
        presenter="Welsh Government",
        workstream=workstream,
    )
    for reference, title_en, title_cy, item, versions in (
        (
            "NCG(25)07",
            "Minutes of the last meeting",
            "Cofnodion y cyfarfod yn Nhŷ Hywel",
            welcome,
            1,
        ),
        ("NCG(25)08", "Transition plan", "", update, 3),
    ):
        paper = Paper.objects.create(
            group=ncg,
            meeting=meeting,
            agenda_item=item,
            reference=reference,
            title_en=title_en,
            title_cy=title_cy,
            classification=Paper.Classification.OFFICIAL_SENSITIVE
            if versions > 1
            else Paper.Classification.OFFICIAL,
            created_by=secretariat,
        )
        for number in range(1, versions + 1):
            PaperVersion.objects.create(
                paper=paper,
                number=number,
                file=f"papers/{reference}-{number}",
                original_name="paper.pdf",
                content_type="application/pdf",
                size=1,
                sha256="0" * 64,
                uploaded_by=secretariat,
            )
    return meeting


def url(meeting, lang="en", slug="ncg"):
    return f"/{lang}/g/{slug}/meetings/{meeting.pk}/agenda.pdf"


def text_of(content, tmp_path):
    if shutil.which("pdftotext") is None:
        pytest.fail("pdftotext is missing: apt-get install poppler-utils")
    path = tmp_path / "agenda.pdf"
    path.write_bytes(content)
    result = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True
    )
    return re.sub(r"\s+", " ", result.stdout.decode("utf-8"))


def font_names(pdf):
    """The fonts the pages use, each as (name without subset prefix, embedded?)."""
    found = set()
    for page in pdf.pages:
        for font in page.Resources.get("/Font", {}).values():
            descriptor = font.get("/FontDescriptor")
            if descriptor is None and "/DescendantFonts" in font:
                descriptor = font.DescendantFonts[0].get("/FontDescriptor")
            embedded = descriptor is not None and any(
                key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")
            )
            found.add((str(font.BaseFont).lstrip("/").split("+")[-1], embedded))
    return found


def check_tagged_pdf(content, *, lang):
    """The PDF/UA essentials; returns the document's title."""
    pdf = pikepdf.open(io.BytesIO(content))
    root = pdf.Root
    assert root.MarkInfo.Marked is True
    assert "/StructTreeRoot" in root
    assert str(root.Lang) == lang
    assert root.ViewerPreferences.DisplayDocTitle is True
    with pdf.open_metadata() as xmp:
        assert xmp.get("pdfuaid:part") == "1"
    fonts = font_names(pdf)
    assert fonts, "no fonts in the PDF"
    for name, embedded in fonts:
        assert embedded, f"{name} is not embedded"
        assert re.sub(r"[^a-z0-9]", "", name.lower()).startswith("sourcesans3"), (
            f"{name}: not Source Sans 3 (a fallback font was used)"
        )
    return str(pdf.docinfo.Title)


def test_a_member_downloads_the_agenda_pack(as_member, meeting, tmp_path):
    response = as_member.get(url(meeting))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    day = meeting.starts_at.astimezone(LONDON).date()
    assert response["Content-Disposition"] == (
        f'attachment; filename="NCG-agenda-{day:%Y-%m-%d}.pdf"'
    )
    assert response["Cache-Control"] == "private, no-store"
    date = f"{day.day} {day:%B %Y}"
    title = check_tagged_pdf(response.content, lang="en")
    assert title == f"Agenda: Meeting of the NCG – spring review, {date}"
    text = text_of(response.content, tmp_path)
    for expected in (
        "National Coherence Group",
        "Welcome and apologies",
        "Transition update",
        "The chair",
        "Workstream 1: Local",
        "Cathays Park, Cardiff",
        "NCG(25)07",
        "NCG(25)08",
        "Minutes of the last meeting",
        "OFFICIAL-SENSITIVE",
        "10:10",
    ):
        assert expected in text, f"{expected!r} is not in the PDF's text"
    # Confirmed: no status notice. And never the link to join: a PDF travels further.
    assert "Status" not in text
    assert JOIN_URL not in text and "meet.example.org" not in text


def test_the_welsh_pack_is_in_welsh_and_says_the_meeting_is_only_planned(
    meeting, welsh_member, tmp_path
):
    Meeting.objects.filter(pk=meeting.pk).update(status=Meeting.Status.PLANNED)
    response = client_for(welsh_member).get(url(meeting, "cy"))
    assert response.status_code == 200
    title = check_tagged_pdf(response.content, lang="cy")
    day = meeting.starts_at.astimezone(LONDON).date()
    assert title.endswith(
        f"Cyfarfod y Grŵp – adolygiad y gwanwyn, {day.day} {WELSH_MONTHS[day.month]} {day.year}"
    )
    text = text_of(response.content, tmp_path)
    for expected in (
        "Grŵp Cydlyniant Cenedlaethol",
        "Cyfarfod y Grŵp – adolygiad y gwanwyn",
        "Croeso ac ymddiheuriadau",
        "Cofnodion y cyfarfod yn Nhŷ Hywel",  # ŷ and ŵ survive
        # No Welsh title: the English one.
        "Transition plan",
        "NCG(25)08",
        "Ffrwd waith 1: Lleol",
    ):
        assert expected in text, f"{expected!r} is not in the Welsh PDF's text"
    # The status is stated, in Welsh (the catalogue's word for "Planned").
    with translation.override("cy"):
        planned = str(Meeting.Status.PLANNED.label)
    assert planned != "Planned" and planned in text


def test_the_meeting_page_links_to_the_pack(as_member, meeting):
    html = as_member.get(f"/en/g/ncg/meetings/{meeting.pk}/").content.decode()
    assert f'href="{url(meeting)}"' in html


def test_outsiders_and_strangers_get_no_pack(client, as_outsider, as_member, meeting, other_group):
    assert as_outsider.get(url(meeting)).status_code == 404
    response = client.get(url(meeting))
    assert response.status_code == 302 and "/accounts/login/" in response.url
    # Another group's meeting, under this group's address or its own: not found.
    start = timezone.now() + datetime.timedelta(days=5)
    theirs = Meeting.objects.create(
        group=other_group,
        title_en="Theirs",
        title_cy="Eu cyfarfod",
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=1),
    )
    assert as_member.get(url(theirs)).status_code == 404
    assert as_member.get(url(theirs, slug="other")).status_code == 404
