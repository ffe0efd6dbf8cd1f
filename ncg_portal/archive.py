"""A group's records archive: one ZIP with everything the group's record is made of, and a manifest
of SHA-256 checksums so any copy can be checked, here (`manage.py verify_archive FILE`) or with
standard tools (`unzip` then `sha256sum -c MANIFEST.sha256`).

What is in it (paths inside the ZIP):
  README.txt                         what the archive is, how to check it
  group.json                         the group: names, terms of reference, dates, closure
  papers/<paper>/v<n>-<name>         every version of every paper, as uploaded
  papers/papers.csv                  the papers and their versions (checksums as recorded at upload)
  agendas/<date>-agenda-<en|cy>.pdf  each meeting's agenda
  minutes/<date>-minutes-<en|cy>.pdf the minutes (approved ones as approved; others marked draft)
  minutes/comments.csv               members' comments on draft minutes
  letters/<date>-<id>-<en|cy>.pdf    each letter, and .html of the same, both languages
  letters/letters.csv, letters/versions.json, letters/comments.csv
  circulations/comments.csv          every response to the written procedure, with its source
  circulations/attachments/…         files members attached to responses
  emails/<uid>.eml                   every email received for the group, exactly as received
  attendance.csv, memberships.csv    who was invited, replied, attended; every membership
  audit/audit-log.csv, audit-log.json  the whole audit log
  MANIFEST.sha256                    "<sha256>  <path>" for every other file
"""

import csv
import hashlib
import io
import json
import re
import tempfile
import zipfile
from dataclasses import dataclass, field

from django.core.files import File
from django.db import transaction
from django.utils import timezone

from .names import ascii_name

MANIFEST = "MANIFEST.sha256"
CHUNK = 1024 * 1024


def _safe(text, limit=60):
    """A path segment: ASCII letters, digits, dots and hyphens."""
    return ascii_name(text, keep=".", limit=limit) or "item"


@dataclass
class _Writer:
    """Adds files to the ZIP and remembers each one's checksum for the manifest."""

    zip: zipfile.ZipFile
    sums: dict = field(default_factory=dict)

    def _unique(self, path):
        base, n = path, 2
        while path in self.sums:
            stem, dot, ext = base.rpartition(".")
            path = f"{stem}-{n}.{ext}" if dot else f"{base}-{n}"
            n += 1
        return path

    def bytes(self, path, data):
        path = self._unique(path)
        self.zip.writestr(path, data)
        self.sums[path] = hashlib.sha256(data).hexdigest()
        return path

    def text(self, path, text):
        return self.bytes(path, text.encode("utf-8"))

    def csv(self, path, header, rows):
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(header)
        writer.writerows(rows)
        return self.text(path, out.getvalue())

    def json(self, path, data):
        return self.text(path, json.dumps(data, ensure_ascii=False, indent=2, default=str))

    def stored(self, path, file_field):
        """A stored file, streamed in chunks (papers can be large)."""
        path = self._unique(path)
        digest = hashlib.sha256()
        with file_field.open("rb") as source, self.zip.open(path, "w", force_zip64=True) as target:
            for chunk in iter(lambda: source.read(CHUNK), b""):
                digest.update(chunk)
                target.write(chunk)
        self.sums[path] = digest.hexdigest()
        return path


def write_archive(group, target):
    """Write `group`'s records archive as a ZIP into the binary file object `target`; returns the
    number of files in it (the manifest included)."""
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as zf:
        w = _Writer(zf)
        w.text("README.txt", _readme(group))
        w.json("group.json", _group_json(group))
        _papers(w, group)
        _meetings(w, group)
        _letters(w, group)
        _circulations(w, group)
        _people(w, group)
        _audit(w, group)
        manifest = "".join(f"{digest}  {path}\n" for path, digest in sorted(w.sums.items()))
        zf.writestr(MANIFEST, manifest)
        return len(w.sums) + 1


def _readme(group):
    return (
        f"Records archive of {group.name_en} / {group.name_cy}\n"
        f"Made {timezone.now().isoformat(timespec='seconds')} by the NCG portal.\n\n"
        "Every file is listed in MANIFEST.sha256 with its SHA-256 checksum. To check a copy:\n"
        "  unzip the archive, then run: sha256sum -c MANIFEST.sha256\n"
        "or, on the portal: python manage.py verify_archive FILE\n"
    )


def _group_json(group):
    names = [
        "slug",
        "short_name",
        "name_en",
        "name_cy",
        "summary_en",
        "summary_cy",
        "terms_of_reference_en",
        "terms_of_reference_cy",
        "advises_en",
        "advises_cy",
        "starts_on",
        "ends_on",
        "status",
        "closed_at",
        "closure_reason",
    ]
    data = {name: getattr(group, name) for name in names}
    data["closed_by"] = group.closed_by.display_name if group.closed_by_id else None
    return data


def _papers(w, group):
    from meetings.models import PaperVersion

    rows = []
    versions = (
        PaperVersion.objects.filter(paper__group=group)
        .select_related("paper", "uploaded_by")
        .order_by("paper__created_at", "paper_id", "number")
    )
    for version in versions:
        paper = version.paper
        folder = f"papers/{paper.pk}-{_safe(paper.reference or paper.title_en)}"
        try:
            path = w.stored(
                f"{folder}/v{version.number}-{_safe(version.original_name, 80)}", version.file
            )
        except FileNotFoundError:
            path = ""  # listed below with no file: the record says it was lost
        rows.append(
            [
                paper.pk,
                paper.reference,
                paper.title_en,
                paper.title_cy,
                paper.classification,
                version.number,
                version.original_name,
                version.size,
                version.sha256,
                version.uploaded_at.isoformat(),
                version.uploaded_by.display_name,
                path,
            ]
        )
    w.csv(
        "papers/papers.csv",
        [
            "paper_id",
            "reference",
            "title_en",
            "title_cy",
            "classification",
            "version",
            "file_name",
            "size",
            "sha256_at_upload",
            "uploaded_at",
            "uploaded_by",
            "path_in_archive",
        ],
        rows,
    )


def _meetings(w, group):
    from meetings.minutes import minutes_pdf, minutes_record
    from meetings.models import Minutes, MinutesComment
    from meetings.views.agenda_pdf import render_agenda_pdf

    from .pdf import render_pdf

    minutes_of = {m.meeting_id: m for m in Minutes.objects.filter(meeting__group=group)}
    for meeting in group.meetings.order_by("starts_at"):
        day = timezone.localtime(meeting.starts_at).date().isoformat()
        for language in ("en", "cy"):
            w.bytes(
                f"agendas/{day}-{meeting.pk}-agenda-{language}.pdf",
                render_agenda_pdf(meeting, language),
            )
        minutes = minutes_of.get(meeting.pk)
        if minutes is None:
            continue
        for language in ("en", "cy"):
            if minutes.is_approved:
                w.stored(
                    f"minutes/{day}-{meeting.pk}-minutes-{language}.pdf",
                    minutes_pdf(minutes, language),
                )
            else:
                pdf = render_pdf(
                    "meetings/pdf/minutes.html",
                    {"group": group, "record": minutes_record(minutes, language)},
                    language=language,
                )
                w.bytes(f"minutes/{day}-{meeting.pk}-minutes-DRAFT-{language}.pdf", pdf)
    comments = MinutesComment.objects.filter(minutes__meeting__group=group).select_related(
        "person", "minutes__meeting", "agenda_item"
    )
    w.csv(
        "minutes/comments.csv",
        ["meeting", "person", "agenda_item", "comment", "at"],
        [
            [
                c.minutes.meeting.title_en,
                c.person.display_name,
                c.agenda_item.title_en if c.agenda_item else "",
                c.body,
                c.created_at.isoformat(),
            ]
            for c in comments
        ],
    )


def _letters(w, group):
    from advice.models import LetterComment, LetterVersion
    from advice.pdf import letter_html, letter_pdf

    rows, versions = [], []
    for letter in group.letters.select_related("approved_version", "group").order_by(
        "letter_date", "pk"
    ):
        stem = f"letters/{letter.letter_date.isoformat()}-{letter.pk}"
        for language in ("en", "cy"):
            w.bytes(f"{stem}-{language}.pdf", letter_pdf(letter, language))
            w.text(f"{stem}-{language}.html", letter_html(letter, language))
        for pdf_field in (letter.issued_pdf_en, letter.issued_pdf_cy):
            if pdf_field:
                w.stored(f"{stem}-as-issued-{pdf_field.name.rsplit('-', 1)[-1]}", pdf_field)
        rows.append(
            [
                letter.pk,
                letter.letter_date.isoformat(),
                letter.status,
                letter.current.title_en,
                letter.approved_version.number if letter.approved_version_id else "",
                letter.approved_at.isoformat() if letter.approved_at else "",
                letter.issued_to,
                letter.issued_at.isoformat() if letter.issued_at else "",
                letter.published_at.isoformat() if letter.published_at else "",
            ]
        )
    w.csv(
        "letters/letters.csv",
        [
            "letter_id",
            "date",
            "status",
            "title_en",
            "approved_version",
            "approved_at",
            "issued_to",
            "issued_at",
            "published_at",
        ],
        rows,
    )
    for version in LetterVersion.objects.filter(letter__group=group).select_related("saved_by"):
        versions.append(
            {
                "letter_id": version.letter_id,
                "version": version.number,
                "saved_at": version.saved_at,
                "saved_by": version.saved_by.display_name,
                "restored_from": version.restored_from,
                **version.texts(),
            }
        )
    w.json("letters/versions.json", versions)
    comments = LetterComment.objects.filter(letter__group=group).select_related("person", "version")
    w.csv(
        "letters/comments.csv",
        ["letter_id", "on_version", "person", "source", "comment", "at", "email"],
        [
            [
                c.letter_id,
                c.version.number,
                c.person.display_name,
                c.source,
                c.body,
                c.created_at.isoformat(),
                f"emails/{c.inbound_message.uid}.eml" if c.inbound_message_id else "",
            ]
            for c in comments.select_related("inbound_message")
        ],
    )


def _circulations(w, group):
    from django.db.models import Q

    from meetings.models import Comment, CommentAttachment, InboundMessage

    comments = (
        Comment.objects.filter(circulation__group=group)
        .select_related("person", "question", "paper", "circulation", "inbound_message")
        .order_by("circulation_id", "created_at")
    )
    w.csv(
        "circulations/comments.csv",
        [
            "circulation_id",
            "subject",
            "person",
            "question",
            "paper",
            "position",
            "comment",
            "source",
            "late",
            "at",
            "email",
        ],
        [
            [
                c.circulation_id,
                c.circulation.subject_en,
                c.person.display_name,
                c.question.text_en if c.question_id else "",
                c.paper.title_en if c.paper_id else "",
                c.position,
                c.body,
                c.source,
                "yes" if c.is_late else "",
                c.created_at.isoformat(),
                f"emails/{c.inbound_message.uid}.eml" if c.inbound_message_id else "",
            ]
            for c in comments
        ],
    )
    for attachment in CommentAttachment.objects.filter(comment__circulation__group=group):
        try:
            w.stored(
                f"circulations/attachments/{attachment.comment_id}-{_safe(attachment.original_name, 80)}",
                attachment.file,
            )
        except FileNotFoundError:
            pass
    received = InboundMessage.objects.filter(
        Q(circulation__group=group) | Q(letter__group=group)
    ).order_by("received_at")
    rows = []
    for message in received:
        path = w.bytes(f"emails/{message.uid}.eml", bytes(message.raw))
        rows.append(
            [
                message.uid,
                message.received_at.isoformat(),
                message.from_address,
                message.subject,
                message.status,
                message.hold_reason,
                path,
            ]
        )
    w.csv(
        "emails/emails.csv",
        ["uid", "received_at", "from", "subject", "status", "reason", "path"],
        rows,
    )


def _people(w, group):
    from meetings.models import Attendance
    from members.models import Membership

    attendances = (
        Attendance.objects.filter(meeting__group=group)
        .select_related("meeting", "person")
        .order_by("meeting__starts_at", "person__full_name")
    )
    w.csv(
        "attendance.csv",
        ["meeting", "date", "person", "reply", "deputy", "attended"],
        [
            [
                a.meeting.title_en,
                timezone.localtime(a.meeting.starts_at).date().isoformat(),
                a.person.display_name,
                a.response,
                a.deputy_name,
                a.attended,
            ]
            for a in attendances
        ],
    )
    memberships = Membership.objects.filter(group=group).select_related("person", "organisation")
    w.csv(
        "memberships.csv",
        ["person", "email", "role", "organisation", "position", "starts_on", "ends_on"],
        [
            [
                m.person.display_name,
                m.person.email,
                m.role,
                m.organisation.name_en if m.organisation_id else "",
                m.position_en,
                m.starts_on.isoformat(),
                m.ends_on.isoformat() if m.ends_on else "",
            ]
            for m in memberships.order_by("starts_on", "person__full_name")
        ],
    )


def _audit(w, group):
    from .audit_log import AuditLog, Filters, _csv_value, write_csv

    log = AuditLog(group, Filters())
    out = io.StringIO()
    write_csv(out, log)
    w.text("audit/audit-log.csv", out.getvalue())
    w.json(
        "audit/audit-log.json",
        [
            {
                "when": e.when.isoformat(),
                "who": e.who.display_name if e.who else None,
                "who_email": e.who.email if e.who else None,
                "kind": e.kind.key,
                "object_id": e.object_id,
                "object": e.object_label,
                "action": {"+": "created", "~": "changed", "-": "deleted"}[e.action],
                "reason": e.reason,
                "changes": [
                    {"field": f.name, "before": _csv_value(b), "after": _csv_value(a)}
                    for f, b, a in e.changes
                ],
            }
            for e in log
        ],
    )


# --- Checking an archive ------------------------------------------------------------------------


def verify_archive(source):
    """Problems found in the archive at `source` (a path or binary file): [] when every file the
    manifest lists is there with its checksum, and nothing else is."""
    problems = []
    try:
        zf = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError) as error:
        return [f"not a readable ZIP file: {error}"]
    with zf:
        names = set(zf.namelist())
        if MANIFEST not in names:
            return [f"no {MANIFEST} in the archive"]
        listed = {}
        for number, line in enumerate(zf.read(MANIFEST).decode("utf-8").splitlines(), 1):
            digest, sep, path = line.partition("  ")
            if not sep or not re.fullmatch(r"[0-9a-f]{64}", digest):
                problems.append(f"{MANIFEST} line {number} is not '<sha256>  <path>'")
                continue
            listed[path] = digest
        for path, digest in sorted(listed.items()):
            if path not in names:
                problems.append(f"missing: {path}")
                continue
            actual = hashlib.sha256()
            with zf.open(path) as handle:
                for chunk in iter(lambda: handle.read(CHUNK), b""):
                    actual.update(chunk)
            if actual.hexdigest() != digest:
                problems.append(f"checksum differs: {path}")
        for path in sorted(names - set(listed) - {MANIFEST}):
            problems.append(f"not in the manifest: {path}")
    return problems


# --- Making one, for the worker -----------------------------------------------------------------


def request_archive(*, group, requested_by, on_closing=False):
    """A new archive of `group`, built by the worker once the transaction commits."""
    from .audit import with_reason
    from .models import RecordsArchive

    archive = RecordsArchive(group=group, requested_by=requested_by, on_closing=on_closing)
    why = "Records archive for the group's closing" if on_closing else "Records archive requested"
    with_reason(archive, why, user=requested_by).save()

    def enqueue():
        from .tasks import build_records_archive

        build_records_archive.enqueue(archive.pk)

    transaction.on_commit(enqueue, robust=True)
    return archive


def build(archive_id):
    """Write the archive's ZIP to storage and record its size, checksum and file count."""
    from .audit import with_reason
    from .models import RecordsArchive

    archive = RecordsArchive.objects.select_related("group").get(pk=archive_id)
    if archive.status != RecordsArchive.Status.PENDING:
        return archive.status
    group = archive.group
    try:
        with tempfile.TemporaryFile() as spool:
            count = write_archive(group, spool)
            spool.seek(0)
            digest = hashlib.sha256()
            for chunk in iter(lambda: spool.read(CHUNK), b""):
                digest.update(chunk)
            size = spool.tell()
            spool.seek(0)
            stamp = timezone.localtime().strftime("%Y-%m-%d-%H%M%S")
            name = f"{_safe(group.short_name or group.slug)}-records-{stamp}.zip"
            archive.file.save(name, File(spool, name=name), save=False)
    except Exception as error:  # noqa: BLE001 (recorded for the secretariat, then re-raised)
        archive.status = RecordsArchive.Status.FAILED
        archive.error = f"{type(error).__name__}: {error}"[:2000]
        archive.finished_at = timezone.now()
        with_reason(archive, "Records archive failed").save()
        raise
    archive.status = RecordsArchive.Status.READY
    archive.size, archive.sha256, archive.files = size, digest.hexdigest(), count
    archive.finished_at = timezone.now()
    with_reason(archive, "Records archive ready").save()
    return archive.status
