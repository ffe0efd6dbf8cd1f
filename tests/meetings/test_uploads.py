import datetime
import hashlib
import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError
from django.utils import timezone

from meetings import uploads
from meetings.models import AgendaItem, Meeting, Paper, PaperDownload, PaperVersion
from members.models import Group, Workstream

pytestmark = pytest.mark.django_db

MINIMAL_PDF = b"""%PDF-1.4
1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj
2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj
3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >> endobj
trailer << /Root 1 0 R >>
%%EOF
"""

CONTENT_TYPES_XML = b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'


def zip_bytes(members, *, store_first=False):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for index, (name, data) in enumerate(members):
            kind = zipfile.ZIP_STORED if store_first and index == 0 else zipfile.ZIP_DEFLATED
            archive.writestr(name, data, compress_type=kind)
    return buffer.getvalue()


def ooxml(main_part):
    return zip_bytes([("[Content_Types].xml", CONTENT_TYPES_XML), (main_part, b"<x/>")])


def odf(mimetype):
    return zip_bytes([("mimetype", mimetype.encode()), ("content.xml", b"<x/>")], store_first=True)


GOOD_FILES = {
    "paper.pdf": (MINIMAL_PDF, "application/pdf"),
    "paper.docx": (ooxml("word/document.xml"), uploads.DOCX),
    "paper.xlsx": (ooxml("xl/workbook.xml"), uploads.XLSX),
    "paper.pptx": (ooxml("ppt/presentation.xml"), uploads.PPTX),
    "paper.odt": (odf(uploads.ODT), uploads.ODT),
    "paper.ods": (odf(uploads.ODS), uploads.ODS),
    "paper.odp": (odf(uploads.ODP), uploads.ODP),
    "paper.txt": ("Papur trafod – ŵ ŷ\n".encode(), "text/plain"),
    "bom.txt": (b"\xef\xbb\xbfWith a byte order mark\n", "text/plain"),
    "SHOUTING.PDF": (MINIMAL_PDF, "application/pdf"),
}

BAD_FILES = {
    "exe renamed to pdf": ("report.pdf", b"MZ\x90\x00\x03" + b"\x00" * 100, "content"),
    "png renamed to pdf": ("report.pdf", b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "content"),
    "zip without the word part": (
        "report.docx",
        zip_bytes([("[Content_Types].xml", CONTENT_TYPES_XML), ("other.xml", b"<x/>")]),
        "content",
    ),
    "xlsx renamed to docx": ("report.docx", ooxml("xl/workbook.xml"), "content"),
    "docx without content types": (
        "report.docx",
        zip_bytes([("word/document.xml", b"<x/>")]),
        "content",
    ),
    "odt with a spreadsheet mimetype": ("report.odt", odf(uploads.ODS), "content"),
    "odt with a padded mimetype": ("report.odt", odf(uploads.ODT + "\n"), "content"),
    "odt whose mimetype is not first": (
        "report.odt",
        zip_bytes([("content.xml", b"<x/>"), ("mimetype", uploads.ODT.encode())]),
        "content",
    ),
    "truncated zip": ("report.docx", ooxml("word/document.xml")[:-30], "content"),
    "pdf renamed to docx": ("report.docx", MINIMAL_PDF, "content"),
    "text with a NUL byte": ("notes.txt", b"hello\x00world", "content"),
    "text that is not UTF-8": ("notes.txt", "Caf\xe9".encode("latin-1"), "content"),
    "empty file": ("report.pdf", b"", "empty"),
    "exe extension": ("setup.exe", b"MZ\x90\x00", "type"),
    "no extension": ("report", MINIMAL_PDF, "type"),
    "old word format": ("report.doc", b"\xd0\xcf\x11\xe0" + b"\x00" * 100, "type"),
}


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def stored_files(media_root):
    return [p for p in media_root.rglob("*") if p.is_file()] if media_root.exists() else []


def upload(name, content):
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def new_paper(group, person, name="paper.pdf", content=MINIMAL_PDF, **extra):
    return uploads.create_paper(
        group=group,
        title_en="Curriculum update",
        classification=Paper.Classification.OFFICIAL,
        uploaded_file=upload(name, content),
        created_by=person,
        **extra,
    )


def make_meeting(group):
    starts = timezone.now() + datetime.timedelta(days=7)
    return Meeting.objects.create(
        group=group,
        title_en="Meeting",
        title_cy="Cyfarfod",
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=2),
    )


@pytest.mark.parametrize("name", GOOD_FILES)
def test_each_allowed_type_is_accepted_and_rewound(name):
    content, mime = GOOD_FILES[name]
    uploaded = upload(name, content)
    uploaded.read(3)
    assert uploads.check_paper_file(uploaded) == mime
    assert uploaded.tell() == 0


@pytest.mark.parametrize("case", BAD_FILES)
def test_refused_files_leave_no_rows_and_no_files(case, ncg, secretariat, media_root):
    name, content, code = BAD_FILES[case]
    with pytest.raises(ValidationError) as refused:
        new_paper(ncg, secretariat, name, content)
    assert refused.value.code == code
    assert not Paper.objects.exists()
    assert not PaperVersion.objects.exists()
    assert stored_files(media_root) == []


def test_oversized_file_is_refused(settings, ncg, secretariat, media_root):
    settings.PAPER_MAX_BYTES = 1000
    with pytest.raises(ValidationError) as refused:
        new_paper(ncg, secretariat, "big.txt", b"a" * 1001)
    assert refused.value.code == "too_large"
    assert not Paper.objects.exists() and stored_files(media_root) == []
    assert uploads.check_paper_file(upload("ok.txt", b"a" * 1000)) == "text/plain"


def test_default_limit_is_25_mb_and_the_message_says_so(settings):
    del settings.PAPER_MAX_BYTES
    assert uploads.max_bytes() == 25 * 1024 * 1024
    big = upload("big.pdf", b"%PDF-")
    big.size = 25 * 1024 * 1024 + 1
    with pytest.raises(ValidationError) as refused:
        uploads.check_paper_file(big)
    assert refused.value.messages == ["The selected file must be smaller than 25 MB"]


def test_zip_with_too_many_entries_is_refused(monkeypatch):
    monkeypatch.setattr(uploads, "MAX_ZIP_ENTRIES", 5)
    members = [("[Content_Types].xml", CONTENT_TYPES_XML), ("word/document.xml", b"<x/>")]
    members += [(f"junk/{i}", b"") for i in range(4)]
    with pytest.raises(ValidationError) as refused:
        uploads.check_paper_file(upload("many.docx", zip_bytes(members)))
    assert refused.value.code == "content"
    assert uploads.check_paper_file(upload("few.docx", zip_bytes(members[:5]))) == uploads.DOCX


def test_refusal_for_mismatched_content_names_the_extension():
    with pytest.raises(ValidationError) as refused:
        uploads.check_paper_file(upload("report.pdf", b"MZ not a pdf"))
    assert refused.value.messages == ["The selected file is not a real .pdf file"]


def test_original_name_is_cleaned():
    assert uploads.clean_original_name("C:\\Users\\me\\Desktop\\Report\x07.pdf") == "Report.pdf"
    assert uploads.clean_original_name("../../etc/passwd.pdf") == "passwd.pdf"
    assert uploads.clean_original_name("evil\u202efdp.txt") == "evilfdp.txt"
    long_name = uploads.clean_original_name("a" * 300 + ".pdf")
    assert len(long_name) == 255 and long_name.endswith(".pdf")


def test_create_paper_stores_first_version(ncg, secretariat, media_root):
    paper = new_paper(ncg, secretariat, "Curriculum update.pdf")
    version = paper.versions.get()
    assert version.number == 1
    assert version.original_name == "Curriculum update.pdf"
    assert version.content_type == "application/pdf"
    assert version.size == len(MINIMAL_PDF)
    assert version.sha256 == hashlib.sha256(MINIMAL_PDF).hexdigest()
    assert version.uploaded_by == secretariat
    # Stored under a random name in the group's folder, never under the uploaded name.
    assert version.file.name.startswith(f"papers/{ncg.pk}/")
    assert "Curriculum" not in version.file.name
    (stored,) = stored_files(media_root)
    assert stored.read_bytes() == MINIMAL_PDF
    assert paper.history.first().history_change_reason.startswith("Paper added by")


def test_second_upload_is_version_two_and_keeps_version_one(ncg, secretariat, media_root):
    paper = new_paper(ncg, secretariat)
    text = b"Revised paper\n"
    second = uploads.add_paper_version(
        paper=paper, uploaded_file=upload("revised.txt", text), uploaded_by=secretariat
    )
    assert second.number == 2
    assert paper.current_version == second
    first = paper.versions.get(number=1)
    assert first.file.read() == MINIMAL_PDF
    first.file.close()
    assert second.file.read() == text
    second.file.close()
    assert len(stored_files(media_root)) == 2
    assert second.history.first().history_change_reason == "New version"


def test_refused_new_version_stores_nothing(ncg, secretariat, media_root):
    paper = new_paper(ncg, secretariat)
    with pytest.raises(ValidationError):
        uploads.add_paper_version(
            paper=paper, uploaded_file=upload("bad.pdf", b"nope"), uploaded_by=secretariat
        )
    assert paper.versions.count() == 1
    assert len(stored_files(media_root)) == 1


def test_file_is_removed_when_the_database_write_fails(ncg, secretariat, media_root, monkeypatch):
    def failing_save(self, *args, **kwargs):
        raise IntegrityError("simulated")

    monkeypatch.setattr(PaperVersion, "save", failing_save)
    with pytest.raises(IntegrityError):
        new_paper(ncg, secretariat)
    assert stored_files(media_root) == []
    assert not Paper.objects.exists()


def test_meeting_of_another_group_is_refused(ncg, other_group, secretariat, media_root):
    meeting = make_meeting(other_group)
    with pytest.raises(ValidationError) as refused:
        new_paper(ncg, secretariat, meeting=meeting)
    assert refused.value.code == "wrong_group"
    assert not Paper.objects.exists() and stored_files(media_root) == []


def test_agenda_item_and_workstream_of_another_group_are_refused(ncg, other_group, secretariat):
    item = AgendaItem.objects.create(
        meeting=make_meeting(other_group), position=1, title_en="Item", title_cy="Eitem"
    )
    workstream = Workstream.objects.create(
        group=other_group, number=1, title_en="Other", title_cy="Arall"
    )
    for extra in ({"agenda_item": item}, {"workstream": workstream}):
        with pytest.raises(ValidationError) as refused:
            new_paper(ncg, secretariat, **extra)
        assert refused.value.code == "wrong_group"
    own_meeting = make_meeting(ncg)
    with pytest.raises(ValidationError):
        new_paper(ncg, secretariat, meeting=own_meeting, agenda_item=item)
    assert not Paper.objects.exists()


def test_agenda_item_sets_its_meeting(ncg, secretariat):
    meeting = make_meeting(ncg)
    item = AgendaItem.objects.create(meeting=meeting, position=1, title_en="Item", title_cy="Eitem")
    paper = new_paper(ncg, secretariat, agenda_item=item, workstream=ncg.workstreams.get())
    assert paper.meeting == meeting and paper.agenda_item == item


def test_closed_group_is_refused(ncg, secretariat, media_root):
    paper = new_paper(ncg, secretariat)
    Group.objects.filter(pk=ncg.pk).update(status=Group.Status.CLOSED)
    ncg.refresh_from_db()
    with pytest.raises(ValidationError) as refused:
        new_paper(ncg, secretariat)
    assert refused.value.code == "group_closed"
    paper.refresh_from_db()
    with pytest.raises(ValidationError):
        uploads.add_paper_version(
            paper=paper, uploaded_file=upload("v2.pdf", MINIMAL_PDF), uploaded_by=secretariat
        )
    assert PaperVersion.objects.count() == 1 and len(stored_files(media_root)) == 1


def test_record_download(ncg, secretariat, member):
    version = new_paper(ncg, secretariat).current_version
    download = uploads.record_download(version=version, person=member)
    assert PaperDownload.objects.get() == download
    assert download.version == version and download.person == member
