"""Hostile uploads (issue 7): what tests/meetings/test_uploads.py does not already cover.

- PDFs carrying active content (JavaScript in an open action, a launch action, embedded files,
  rich media, XFA), written plainly, with "#xx" escapes, split across the scanner's chunks, and
  hidden in compressed object streams (hand-made and as pikepdf writes them): refused, code
  "active_content"; object streams that cannot be read (other filters, encrypted): refused,
  "unchecked"; the same words in places a reader never runs (strings, image data): accepted;
- a zip bomb dressed as a .docx (declared sizes, or sizes that lie): refused;
- file names with folders, backslashes, NUL and other control characters, right-to-left
  overrides: refused for their type, or stored under a generated name and shown cleaned;
- the same through the real upload page, in English and in Welsh, with nothing stored.
"""

import io
import os
import re
import struct
import zipfile
import zlib
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from django.utils.translation import gettext

from meetings import pdf_scan, uploads
from meetings.models import Paper, PaperVersion
from tests.meetings.conftest import held  # noqa: F401 - a fixture, used by `meeting`
from tests.meetings.test_uploads import CONTENT_TYPES_XML, MINIMAL_PDF, zip_bytes
from tests.test_bad_input_forms import history_rows

pytestmark = pytest.mark.django_db

ACTIVE_MESSAGE = (
    "The selected PDF contains active content, such as JavaScript or an embedded file. Save it "
    "again without it, for example as PDF/A, then upload it"
)
UNCHECKED_MESSAGE = (
    "The selected PDF could not be checked for active content. Save it again without a "
    "password, for example as PDF/A, then upload it"
)


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def upload(name, content):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def refusal_code(name, content):
    try:
        uploads.check_paper_file(upload(name, content))
    except ValidationError as error:
        return error.code
    return None


def pdf(*objects, trailer=b"<< /Root 1 0 R >>"):
    """A small PDF: a catalog, then the objects given (bytes, numbered from 2)."""
    body = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
    for number, content in enumerate(objects, start=2):
        body += b"%d 0 obj\n" % number + content + b"\nendobj\n"
    return body + b"trailer " + trailer + b"\n%%EOF\n"


def stream(dictionary, data):
    return b"<< " + dictionary + b" /Length %d >>\nstream\n" % len(data) + data + b"\nendstream"


def object_stream(objects, *, compress=True, extra=b""):
    """An object stream (PDF 1.5) holding `objects`, compressed with FlateDecode by default."""
    offsets, body = [], b""
    for number, content in enumerate(objects, start=10):
        offsets.append(b"%d %d" % (number, len(body)))
        body += content + b"\n"
    head = b" ".join(offsets) + b"\n"
    data = head + body
    dictionary = b"/Type /ObjStm /N %d /First %d" % (len(objects), len(head)) + extra
    if compress:
        data = zlib.compress(data)
        dictionary += b" /Filter /FlateDecode"
    return stream(dictionary, data)


JS_ACTION = b"<< /Type /Action /S /JavaScript /JS (app.alert\\(1\\)) >>"

ACTIVE_PDFS = {
    "open action with JavaScript": pdf(b"<< /OpenAction 3 0 R >>", JS_ACTION),
    "JavaScript name tree": pdf(b"<< /Names << /JavaScript << /Names [(a) 3 0 R] >> >> >>"),
    "hex-escaped JavaScript": pdf(b"<< /OpenAction << /S /J#61vaScript /JS (x) >> >>"),
    "hex-escaped JS only": pdf(b"<< /AA << /O << /S /X /#4A#53 (app.alert(1)) >> >> >>"),
    "launch action": pdf(b"<< /OpenAction << /S /Launch /F (cmd.exe) >> >>"),
    "escaped launch": pdf(b"<< /A << /S /L#61#75nch /Win << /F (calc) >> >> >>"),
    "embedded files tree": pdf(b"<< /Names << /EmbeddedFiles << /Names [(x.exe) 3 0 R] >> >> >>"),
    "embedded file stream": pdf(stream(b"/Type /EmbeddedFile", b"MZ\x90\x00")),
    "file specification with EF": pdf(b"<< /Type /Filespec /F (a.exe) /EF << /F 3 0 R >> >>"),
    "file attachment annotation": pdf(b"<< /Type /Annot /Subtype /FileAttachment /FS 3 0 R >>"),
    "rich media": pdf(b"<< /Type /Annot /Subtype /RichMedia >>"),
    "XFA form": pdf(b"<< /AcroForm << /XFA 3 0 R /Fields [] >> >>"),
    "JavaScript in a compressed object stream": pdf(
        b"<< /OpenAction 10 0 R >>", object_stream([JS_ACTION])
    ),
    "JS in a compressed object stream, escaped": pdf(
        object_stream([b"<< /S /X /J#53 (app.alert(1)) >>"])
    ),
    "JS in an uncompressed object stream": pdf(object_stream([JS_ACTION], compress=False)),
    "object stream known by its /First only": pdf(
        stream(b"/N 1 /First 5 /Filter /FlateDecode", zlib.compress(b"10 0\n" + JS_ACTION))
    ),
    "a string pretending a stream starts": pdf(
        b"<< /Title (x\nstream\n) /OpenAction << /S /JavaScript /JS (app.alert(1)) >> >>"
    ),
    "a comment then the action": pdf(b"% (not a string\n<< /OpenAction << /JS (x) >> >>"),
}

UNCHECKABLE_PDFS = {
    "object stream with another filter": pdf(
        stream(
            b"/Type /ObjStm /N 1 /First 5 /Filter /ASCIIHexDecode",
            (b"10 0\n" + JS_ACTION).hex().encode() + b">",
        )
    ),
    "object stream that does not inflate (encrypted)": pdf(
        stream(b"/Type /ObjStm /N 1 /First 5 /Filter /FlateDecode", os.urandom(200)),
        trailer=b"<< /Root 1 0 R /Encrypt 5 0 R >>",
    ),
    "object stream with a predictor": pdf(
        stream(
            b"/Type /ObjStm /N 1 /First 5 /Filter /FlateDecode /DecodeParms "
            b"<< /Predictor 12 /Columns 5 >>",
            zlib.compress(b"\x0210 0\n\x02<< /S\x02 /JS \x02(x) >"),  # PNG "Up" rows
        )
    ),
    "object stream encrypted, not compressed": pdf(
        stream(b"/Type /ObjStm /N 1 /First 5", os.urandom(300)),
        trailer=b"<< /Root 1 0 R /Encrypt 5 0 R >>",
    ),
    "object stream cut short": pdf(
        stream(
            b"/Type /ObjStm /N 1 /First 5 /Filter /FlateDecode", zlib.compress(os.urandom(500))[:20]
        )
    ),
}

HARMLESS_PDFS = {
    "minimal": MINIMAL_PDF,
    "the words in a string": pdf(b"<< /Title (JavaScript, JS and XFA are words here) >>"),
    "the short names in image data": pdf(
        stream(b"/Type /XObject /Subtype /Image /Filter /DCTDecode", b"\xff\xd8 /JS /EF /XFA \xff")
    ),
    "the short names in page content": pdf(stream(b"", b"BT /JS 12 Tf (Hello) Tj ET")),
    "an object stream with nothing active": pdf(
        object_stream([b"<< /Type /Page /Parent 2 0 R >>", b"<< /S /URI /URI (https://x.org) >>"])
    ),
    "an open action that only sets the view": pdf(b"<< /OpenAction [3 0 R /XYZ null null 0] >>"),
    "Welsh metadata": pdf(b"<< /Title (Gr\xfbp) /Lang (cy) >>"),
}


@pytest.mark.parametrize("case", ACTIVE_PDFS)
def test_a_pdf_with_active_content_is_refused(case, ncg, secretariat, media_root):
    content = ACTIVE_PDFS[case]
    assert refusal_code("paper.pdf", content) == "active_content"
    with pytest.raises(ValidationError) as refused:
        uploads.create_paper(
            group=ncg,
            title_en="Paper",
            classification=Paper.Classification.OFFICIAL,
            uploaded_file=upload("paper.pdf", content),
            created_by=secretariat,
        )
    assert refused.value.messages == [ACTIVE_MESSAGE]
    assert not Paper.objects.exists() and not PaperVersion.objects.exists()
    assert not [p for p in Path(media_root).rglob("*") if p.is_file()]


@pytest.mark.parametrize("case", UNCHECKABLE_PDFS)
def test_a_pdf_whose_object_streams_cannot_be_read_is_refused(case):
    assert refusal_code("paper.pdf", UNCHECKABLE_PDFS[case]) == "unchecked"


@pytest.mark.parametrize("case", HARMLESS_PDFS)
def test_a_pdf_without_active_content_is_accepted(case):
    assert refusal_code("paper.pdf", HARMLESS_PDFS[case]) is None


def test_a_short_name_written_in_a_string_is_refused_too():
    """A known limit: strings are not told apart from names, so "/JS" in a title is refused
    (the person is asked to save the file again). Nothing real is let through for it."""
    assert refusal_code("paper.pdf", pdf(b"<< /Title (/JS and /XFA) >>")) == "active_content"


@pytest.mark.parametrize("name", [b"JavaScript", b"J#61vaScript", b"JS", b"#4A#53", b"Launch"])
def test_a_name_split_across_the_scanners_chunks_is_found(name):
    """The name, or its dictionary, starting at every offset around a chunk boundary."""
    for shift in range(-len(name) - 8, 3):
        padding = b" " * (pdf_scan.CHUNK_BYTES - 40 + shift)
        content = pdf(b"<<" + padding + b"/OpenAction << /" + name + b" (x) >> >>")
        assert refusal_code("paper.pdf", content) == "active_content", (name, shift)


def test_a_compressed_object_stream_across_many_chunks_is_read_to_its_end():
    filler = [b"<< /Filler (" + os.urandom(3000).hex().encode() + b") >>" for _ in range(100)]
    content = pdf(b"<< /OpenAction 10 0 R >>", object_stream([*filler, JS_ACTION]))
    assert len(content) > 4 * pdf_scan.CHUNK_BYTES
    assert refusal_code("paper.pdf", content) == "active_content"
    harmless = pdf(object_stream(filler))
    assert refusal_code("paper.pdf", harmless) is None


def test_an_object_stream_inflating_past_the_limit_is_refused(monkeypatch):
    monkeypatch.setattr(pdf_scan, "MAX_INFLATED_BYTES", 100_000)
    assert refusal_code("paper.pdf", pdf(object_stream([b"(" + b"a" * 200_000 + b")"]))) == (
        "unchecked"
    )


def test_pdfs_written_by_real_tools():
    """pikepdf (qpdf) writing compressed object streams, with and without JavaScript, with an
    attached file, and encrypting."""
    import pikepdf

    def saved(document, **options):
        out = io.BytesIO()
        document.save(out, object_stream_mode=pikepdf.ObjectStreamMode.generate, **options)
        return out.getvalue()

    document = pikepdf.new()
    document.add_blank_page()
    assert refusal_code("plain.pdf", saved(document)) is None
    document.Root.OpenAction = document.make_indirect(
        pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=pikepdf.String("app.alert(1)"))
    )
    content = saved(document)
    assert b"/JavaScript" not in content, "the action is inside a compressed object stream"
    assert refusal_code("script.pdf", content) == "active_content"
    encrypted = saved(pikepdf.open(io.BytesIO(content)), encryption=pikepdf.Encryption(owner="x"))
    assert refusal_code("locked.pdf", encrypted) in ("active_content", "unchecked")

    with pikepdf.new() as attached:
        attached.add_blank_page()
        attached.attachments["run.exe"] = pikepdf.AttachedFileSpec(attached, b"MZ")
        assert refusal_code("attached.pdf", saved(attached)) == "active_content"


def test_a_letter_pdf_from_weasyprint_is_accepted(ncg, chair, secretariat):
    from advice import services
    from advice.pdf import letter_pdf

    letter = services.create_letter(
        group=ncg,
        created_by=secretariat,
        texts={
            "title_en": "Advice",
            "salutation_en": "Dear Cabinet Secretary,",
            "body_en": "The Group met. [A link](https://gov.wales)",
            "closing_en": "Yours sincerely,",
        },
    )
    assert refusal_code("letter.pdf", letter_pdf(letter, "cy")) is None


# --- Zip bombs ----------------------------------------------------------------------------------


def docx_with(document_xml):
    return zip_bytes(
        [("[Content_Types].xml", CONTENT_TYPES_XML), ("word/document.xml", document_xml)]
    )


def test_a_zip_bomb_dressed_as_a_docx_is_refused(settings):
    settings.PAPER_MAX_UNPACKED_BYTES = 5 * 1024 * 1024
    bomb = docx_with(b"\x00" * (6 * 1024 * 1024))
    assert len(bomb) < 50_000  # small to upload, large to open
    with pytest.raises(ValidationError) as refused:
        uploads.check_paper_file(upload("report.docx", bomb))
    assert refused.value.code == "unpacks_too_large"
    assert refused.value.messages == [
        "The selected file is too large once opened: it unpacks to more than 5 MB"
    ]
    assert uploads.check_paper_file(upload("fine.docx", docx_with(b"<w/>" * 1000))) == uploads.DOCX


def test_a_zip_whose_sizes_lie_is_refused(settings):
    """The directory says a few bytes; the data inflates to megabytes."""
    settings.PAPER_MAX_UNPACKED_BYTES = 5 * 1024 * 1024
    bomb = bytearray(docx_with(b"\x00" * (6 * 1024 * 1024)))
    real = struct.pack("<I", 6 * 1024 * 1024)
    start = 0
    while (at := bomb.find(real, start)) >= 0:  # every uncompressed-size field
        bomb[at : at + 4] = struct.pack("<I", 100)
        start = at + 4
    with zipfile.ZipFile(io.BytesIO(bytes(bomb))) as archive:
        assert sum(m.file_size for m in archive.infolist()) < 1000
    assert refusal_code("report.docx", bytes(bomb)) in ("content", "unpacks_too_large")


def test_the_default_unpacked_limit_is_200_mb(settings):
    assert not hasattr(settings, "PAPER_MAX_UNPACKED_BYTES")
    assert uploads.max_unpacked_bytes() == 200 * 1024 * 1024


# --- Names --------------------------------------------------------------------------------------

NAMES = {
    # name: the name kept (shown, offered for download), or None when refused for its type
    "../../etc/passwd": None,
    "../../etc/passwd.pdf": "passwd.pdf",
    "a\\b.pdf": "b.pdf",
    "C:\\Windows\\system32\\evil.pdf": "evil.pdf",
    "evil\u202efdp.exe": None,  # shows as "evilexe.pdf" in a right-to-left aware display
    "report\u202etxt.pdf": "reporttxt.pdf",
    "line\r\nbreak.pdf": "linebreak.pdf",
    "tab\tbell\x07.pdf": "tabbell.pdf",
    "zero\u200bwidth.pdf": "zerowidth.pdf",
    "Papur ŵ ŷ.pdf": "Papur ŵ ŷ.pdf",
    ".pdf": None,  # no name, only an extension: nothing to call it by
    "\x00.pdf": None,
    "nul\x00byte.pdf": "nulbyte.pdf",
}


@pytest.mark.parametrize("name", NAMES)
def test_names_are_cleaned_or_refused_and_never_a_path(name, ncg, secretariat, media_root):
    kept = NAMES[name]
    uploaded = SimpleUploadedFile("placeholder", MINIMAL_PDF, "application/pdf")
    uploaded.name = name  # as a browser may send it, before any cleaning
    if kept is None:
        with pytest.raises(ValidationError) as refused:
            uploads.check_paper_file(uploaded)
        assert refused.value.code == "type"
        return
    paper = uploads.create_paper(
        group=ncg,
        title_en="Paper",
        classification=Paper.Classification.OFFICIAL,
        uploaded_file=uploaded,
        created_by=secretariat,
    )
    version = paper.versions.get()
    assert version.original_name == kept
    assert version.file.name.startswith(f"papers/{ncg.pk}/")
    stored = Path(media_root) / version.file.name
    assert stored.is_file() and stored.resolve().is_relative_to(Path(media_root).resolve())
    assert re.fullmatch(r"[0-9a-f]{32}", stored.name), stored.name  # generated, not given


# --- Through the upload page --------------------------------------------------------------------


@pytest.fixture
def meeting(held):  # noqa: F811 - the fixture imported above
    return held


def post_file(client, url, fields, filename, content):
    """POST multipart/form-data with the file's name exactly as given (Django's test client
    would take the folders off itself)."""
    boundary = "hostile-upload-boundary"
    body = b""
    for key, value in fields.items():
        body += (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'
        ).encode()
    body += (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode("utf-8", "surrogateescape")
    body += content + f"\r\n--{boundary}--\r\n".encode()
    return client.generic(
        "POST", url, body, content_type=f"multipart/form-data; boundary={boundary}"
    )


def _stored(media_root):
    return sorted(p for p in Path(media_root).rglob("*") if p.is_file())


REFUSED_UPLOADS = {
    "script": ("paper.pdf", ACTIVE_PDFS["open action with JavaScript"], ACTIVE_MESSAGE),
    "uncheckable": (
        "paper.pdf",
        UNCHECKABLE_PDFS["object stream that does not inflate (encrypted)"],
        UNCHECKED_MESSAGE,
    ),
    "not what its name says": (
        "paper.pdf",
        b"MZ\x90\x00",
        "The selected file is not a real .%(extension)s file",
    ),
    "empty": ("paper.pdf", b"", None),  # browsers send no file at all; Django says so
    "a path for a name": (
        "../../etc/passwd",
        b"root:x:0:0",
        "The selected file must be a PDF, Word, OpenDocument, Excel, PowerPoint or plain text file",
    ),
    "zip bomb": (
        "report.docx",
        None,
        "The selected file is too large once opened: it unpacks to more than %(limit)s MB",
    ),
    "too large": ("big.txt", b"a" * 5001, "The selected file must be smaller than %(limit)s MB"),
}


@pytest.mark.parametrize("language", ["en", "cy"])
@pytest.mark.parametrize("case", REFUSED_UPLOADS)
def test_the_upload_page_refuses_with_a_message_and_stores_nothing(
    case, language, meeting, as_secretariat, settings, media_root
):
    settings.PAPER_MAX_BYTES = 5000
    settings.PAPER_MAX_UNPACKED_BYTES = 1024 * 1024
    name, content, message = REFUSED_UPLOADS[case]
    if content is None:
        content = docx_with(b"\x00" * (2 * 1024 * 1024))
        assert len(content) < settings.PAPER_MAX_BYTES
    before_files, before_history = _stored(media_root), history_rows()
    papers = Paper.objects.count()
    response = post_file(
        as_secretariat,
        f"/{language}/g/ncg/meetings/{meeting.pk}/papers/add/",
        {"title_en": "Hostile paper", "classification": "official"},
        name,
        content,
    )
    assert response.status_code in (200, 400)
    page = response.content.decode()
    assert "govuk-error-summary" in page
    if message:
        with translation.override(language):
            expected = gettext(message)
        expected = expected.split("%(")[0]  # the words before any number
        assert expected in page.replace("&#x27;", "'"), expected
        if language == "cy" and message in _TRANSLATED:
            assert expected != message.split("%(")[0], "shown in Welsh"
    assert Paper.objects.count() == papers
    assert _stored(media_root) == before_files
    assert history_rows() == before_history


# Refusals already in the Welsh catalogue (the new ones are listed in the report for translation).
_TRANSLATED = {
    "The selected file is not a real .%(extension)s file",
    "The selected file must be a PDF, Word, OpenDocument, Excel, PowerPoint or plain text file",
    "The selected file must be smaller than %(limit)s MB",
}


def test_a_hostile_name_through_the_upload_page_is_stored_safely_and_shown_escaped(
    meeting, as_secretariat, media_root
):
    response = post_file(
        as_secretariat,
        f"/en/g/ncg/meetings/{meeting.pk}/papers/add/",
        {"title_en": "Named paper", "classification": "official"},
        "..\\..\\<img src=x onerror=alert(1)>\u202efdp\x00.pdf",
        MINIMAL_PDF,
    )
    assert response.status_code == 302
    version = PaperVersion.objects.get(paper__title_en="Named paper")
    assert version.original_name == "<img src=x onerror=alert(1)>fdp.pdf"
    page = as_secretariat.get(f"/en/g/ncg/papers/{version.paper_id}/").content.decode()
    assert "<img src=x" not in page
    download = as_secretariat.get(f"/en/g/ncg/papers/{version.pk}/download/")
    disposition = download["Content-Disposition"]
    assert "\r" not in disposition and "\n" not in disposition and "\u202e" not in disposition
    assert b"".join(download.streaming_content) == MINIMAL_PDF
