"""Papers: checking uploaded files, storing versions and recording downloads.

Files are checked by their content, not by the name or the browser's content type: only the
standard library is used (no libmagic). Zip-based formats (Word, Excel, PowerPoint, OpenDocument)
are inflated member by member into nothing, counting bytes, and refused past
PAPER_MAX_UNPACKED_BYTES: a zip bomb costs at most that much inflating, never the disk, and a
member whose declared size lies is caught by what it really holds. PDFs are scanned for active
content (JavaScript, launch actions, embedded files: meetings/pdf_scan.py says what is found).
The name a file came with is only shown and offered for download; it is stored under a random one.
"""

import codecs
import hashlib
import os
import struct
import unicodedata
import zipfile
import zlib

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from ncg_portal.audit import with_reason

from .models import Paper, PaperDownload, PaperVersion
from .pdf_scan import scan_pdf

MB = 1024 * 1024
DEFAULT_MAX_BYTES = 25 * MB
# What a zip-based file may hold once unpacked: far more than any real paper's text and images.
DEFAULT_MAX_UNPACKED_BYTES = 200 * MB
MAX_ZIP_ENTRIES = 10_000
MAX_NAME_LENGTH = 255

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
ODT = "application/vnd.oasis.opendocument.text"
ODS = "application/vnd.oasis.opendocument.spreadsheet"
ODP = "application/vnd.oasis.opendocument.presentation"
TXT = "text/plain"

# Extension (lower case, no dot) -> the canonical MIME type stored and served.
ALLOWED_TYPES = {
    "pdf": PDF,
    "docx": DOCX,
    "odt": ODT,
    "xlsx": XLSX,
    "ods": ODS,
    "pptx": PPTX,
    "odp": ODP,
    "txt": TXT,
}

# The part an Office Open XML package must hold, besides [Content_Types].xml.
OOXML_MAIN_PART = {
    "docx": "word/document.xml",
    "xlsx": "xl/workbook.xml",
    "pptx": "ppt/presentation.xml",
}

# Anything that can go wrong while reading a zip someone else made.
_ZIP_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    zlib.error,
    struct.error,
    EOFError,
    OSError,
    ValueError,
    RuntimeError,  # encrypted members
    NotImplementedError,  # unsupported compression
    KeyError,
)


def max_bytes():
    return getattr(settings, "PAPER_MAX_BYTES", DEFAULT_MAX_BYTES)


def max_unpacked_bytes():
    return getattr(settings, "PAPER_MAX_UNPACKED_BYTES", DEFAULT_MAX_UNPACKED_BYTES)


def clean_original_name(name):
    """The file's own name, without any folders, control or formatting characters.

    Kept only to show people and to offer as the download name; never used as a path.
    """
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    # Cs: a lone surrogate, which an attachment's name decoded from UTF-7 can hold.
    name = "".join(c for c in name if unicodedata.category(c) not in ("Cc", "Cf", "Cs"))
    name = name.strip()
    if len(name) > MAX_NAME_LENGTH:
        stem, ext = os.path.splitext(name)
        name = stem[: MAX_NAME_LENGTH - len(ext)] + ext
    return name


def _extension(name):
    return os.path.splitext(name)[1].lower().lstrip(".")


def _content_error(extension):
    return ValidationError(
        _("The selected file is not a real .%(extension)s file"),
        code="content",
        params={"extension": extension},
    )


def _zip_entry_count(f):
    """The entry count in the zip's end-of-central-directory record, or None when there is none.

    Read from the last 64 KB of the file, so a zip claiming millions of entries costs nothing.
    Zip64 archives record 0xFFFF here, which is over the limit anyway.
    """
    f.seek(0, os.SEEK_END)
    size = f.tell()
    start = max(0, size - (22 + 0xFFFF))
    f.seek(start)
    tail = f.read()
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < 22:
        return None
    return struct.unpack("<H", tail[at + 10 : at + 12])[0]


def _looks_like_zip_format(f, extension):
    count = _zip_entry_count(f)
    if count is None or count > MAX_ZIP_ENTRIES:
        return False
    f.seek(0)
    with zipfile.ZipFile(f) as archive:
        members = archive.infolist()
        if not members or len(members) > MAX_ZIP_ENTRIES:
            return False
        if extension in OOXML_MAIN_PART:
            names = {m.filename for m in members}
            return "[Content_Types].xml" in names and OOXML_MAIN_PART[extension] in names
        # OpenDocument: the first member is "mimetype", holding exactly the type.
        first = members[0]
        expected = ALLOWED_TYPES[extension].encode("ascii")
        if first.filename != "mimetype" or first.file_size != len(expected):
            return False
        with archive.open(first) as member:
            return member.read(len(expected) + 1) == expected


def _unpacked_size_over(f, limit):
    """Whether the zip's members hold more than `limit` bytes once inflated. The declared sizes
    first (cheap); then each member really inflated, in chunks, stopping past the limit (a size
    in the directory can lie, and members can overlap). Nothing is written anywhere."""
    f.seek(0)
    with zipfile.ZipFile(f) as archive:
        members = archive.infolist()
        if sum(member.file_size for member in members) > limit:
            return True
        total = 0
        for member in members:
            with archive.open(member) as content:
                while chunk := content.read(MB):
                    total += len(chunk)
                    if total > limit:
                        return True
    return False


def _is_utf8_text(f):
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    f.seek(0)
    while chunk := f.read(64 * 1024):
        if b"\x00" in chunk:
            return False
        decoder.decode(chunk)
    decoder.decode(b"", final=True)
    return True


def _content_matches(f, extension):
    f.seek(0)
    if extension == "pdf":
        return f.read(5) == b"%PDF-"
    if extension == "txt":
        try:
            return _is_utf8_text(f)
        except UnicodeDecodeError:
            return False
    try:
        return _looks_like_zip_format(f, extension)
    except _ZIP_ERRORS:
        return False


def check_paper_file(uploaded_file):
    """Return the canonical MIME type of an acceptable paper, or raise ValidationError.

    Codes: "empty", "too_large", "type" (extension not allowed), "content" (the content is
    not what the extension says), "active_content" and "unchecked" (a PDF with JavaScript or the
    like, or one that cannot be checked for it) and "unpacks_too_large" (a zip bomb). The file
    is left rewound.
    """
    size = uploaded_file.size
    if not size:
        raise ValidationError(_("The selected file is empty"), code="empty")
    limit = max_bytes()
    if size > limit:
        raise ValidationError(
            _("The selected file must be smaller than %(limit)s MB"),
            code="too_large",
            params={"limit": f"{limit / MB:.3g}"},
        )
    extension = _extension(clean_original_name(uploaded_file.name))
    if extension not in ALLOWED_TYPES:
        raise ValidationError(
            _(
                "The selected file must be a PDF, Word, OpenDocument, Excel, PowerPoint or "
                "plain text file"
            ),
            code="type",
        )
    try:
        if not _content_matches(uploaded_file, extension):
            raise _content_error(extension)
        _check_active_content(uploaded_file, extension)
    finally:
        uploaded_file.seek(0)
    return ALLOWED_TYPES[extension]


def _check_active_content(uploaded_file, extension):
    """Refuse a PDF that carries active content (or that cannot be checked), and a zip-based
    file that unpacks to more than max_unpacked_bytes() (a zip bomb). Codes: "active_content",
    "unchecked", "unpacks_too_large"."""
    if extension == "pdf":
        scan = scan_pdf(uploaded_file)
        if scan.found:
            raise ValidationError(
                _(
                    "The selected PDF contains active content, such as JavaScript or an embedded "
                    "file. Save it again without it, for example as PDF/A, then upload it"
                ),
                code="active_content",
            )
        if scan.unreadable:
            raise ValidationError(
                _(
                    "The selected PDF could not be checked for active content. Save it again "
                    "without a password, for example as PDF/A, then upload it"
                ),
                code="unchecked",
            )
    elif extension in ALLOWED_TYPES and extension != "txt":
        limit = max_unpacked_bytes()
        try:
            too_large = _unpacked_size_over(uploaded_file, limit)
        except _ZIP_ERRORS:
            raise _content_error(extension) from None
        if too_large:
            raise ValidationError(
                _(
                    "The selected file is too large once opened: it unpacks to more than "
                    "%(limit)s MB"
                ),
                code="unpacks_too_large",
                params={"limit": f"{limit / MB:.3g}"},
            )


def _digest(uploaded_file):
    sha256 = hashlib.sha256()
    size = 0
    uploaded_file.seek(0)
    for chunk in uploaded_file.chunks():
        sha256.update(chunk)
        size += len(chunk)
    uploaded_file.seek(0)
    return sha256.hexdigest(), size


def _check_group_open(group):
    if group.is_closed:
        raise ValidationError(
            _("Papers cannot be added to a group that has closed"), code="group_closed"
        )


def _store_version(*, paper, uploaded_file, content_type, uploaded_by, reason):
    paper = Paper.objects.select_for_update().get(pk=paper.pk)
    sha256, size = _digest(uploaded_file)
    number = (paper.versions.aggregate(latest=Max("number"))["latest"] or 0) + 1
    version = PaperVersion(
        paper=paper,
        number=number,
        original_name=clean_original_name(uploaded_file.name),
        content_type=content_type,
        size=size,
        sha256=sha256,
        uploaded_by=uploaded_by,
    )
    # The model's upload_to picks a random name; the original name is never a path.
    version.file.save(version.original_name, uploaded_file, save=False)
    try:
        with_reason(version, reason).save()
    except BaseException:
        version.file.delete(save=False)
        raise
    return version


@transaction.atomic
def add_paper_version(*, paper, uploaded_file, uploaded_by, reason="New version"):
    """Check the file and store it as the paper's next version; nothing is stored on refusal."""
    content_type = check_paper_file(uploaded_file)
    _check_group_open(paper.group)
    if Paper.objects.filter(pk=paper.pk, withdrawn_at__isnull=False).exists():
        raise ValidationError(
            _("This paper has been withdrawn, so it cannot have a new version"), code="withdrawn"
        )
    return _store_version(
        paper=paper,
        uploaded_file=uploaded_file,
        content_type=content_type,
        uploaded_by=uploaded_by,
        reason=reason,
    )


def _check_belongs(group, *, meeting, agenda_item, workstream):
    if meeting is not None and meeting.group_id != group.pk:
        raise ValidationError(_("The meeting must be one of this group's"), code="wrong_group")
    if agenda_item is not None:
        if agenda_item.meeting.group_id != group.pk or (
            meeting is not None and agenda_item.meeting_id != meeting.pk
        ):
            raise ValidationError(
                _("The agenda item must be on one of this group's meetings"), code="wrong_group"
            )
    if workstream is not None and workstream.group_id != group.pk:
        raise ValidationError(_("The workstream must be one of this group's"), code="wrong_group")


@transaction.atomic
def create_paper(
    *,
    group,
    title_en,
    title_cy="",
    reference="",
    classification,
    workstream=None,
    meeting=None,
    agenda_item=None,
    uploaded_file,
    created_by,
):
    """Create a paper and its first version together, or nothing at all."""
    _check_group_open(group)
    _check_belongs(group, meeting=meeting, agenda_item=agenda_item, workstream=workstream)
    content_type = check_paper_file(uploaded_file)
    if agenda_item is not None and meeting is None:
        meeting = agenda_item.meeting
    paper = Paper(
        group=group,
        title_en=title_en,
        title_cy=title_cy,
        reference=reference,
        classification=classification,
        workstream=workstream,
        meeting=meeting,
        agenda_item=agenda_item,
        created_by=created_by,
    )
    with_reason(paper, f"Paper added by {created_by.email}").save()
    _store_version(
        paper=paper,
        uploaded_file=uploaded_file,
        content_type=content_type,
        uploaded_by=created_by,
        reason="First version",
    )
    return paper


@transaction.atomic
def withdraw_paper(*, paper, withdrawn_by, reason):
    """Withdraw a paper, with the reason members will see. It stays in the record and the
    archive, and the secretariat can still open it; it is no longer sent or offered to members.
    Refuses (ValidationError): "group_closed", "no_reason", "already_withdrawn"."""
    paper = Paper.objects.select_for_update().select_related("group").get(pk=paper.pk)
    _check_group_open(paper.group)
    reason = " ".join(reason.split())
    if not reason:
        raise ValidationError(_("Enter why the paper is being withdrawn"), code="no_reason")
    if paper.is_withdrawn:
        raise ValidationError(_("This paper has already been withdrawn"), code="already_withdrawn")
    paper.withdrawn_at = timezone.now()
    paper.withdrawn_by = withdrawn_by
    paper.withdrawal_reason = reason
    with_reason(paper, f"Paper withdrawn: {reason}", user=withdrawn_by).save()
    return paper


@transaction.atomic
def record_download(*, version, person):
    download = PaperDownload(version=version, person=person)
    with_reason(download, f"Downloaded v{version.number}").save()
    return download
