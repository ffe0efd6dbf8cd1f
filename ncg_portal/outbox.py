"""The outbox: how a queued message reaches the mail server, and how a lost one is found again.

Sending one message takes three steps, and no database transaction stays open while the mail
server is talking:

1. claim: QUEUED -> SENDING in a short transaction (attempts + 1, sending_since = now); a row
   another worker holds is skipped, not waited for;
2. transmit: outside any transaction, with the row's own Message-ID (fixed when the row was
   written), so a message that goes out twice folds into one in the recipient's mail client;
3. record: SENT; or back to QUEUED with the next try scheduled after a back-off; or FAILED when
   the server refused the recipient for good (5xx), or after MAX_ATTEMPTS.

What django-tasks-db (0.13) does, and why recovery lives here: its worker marks a task RUNNING in
a commit of its own and then runs it; a worker that dies leaves the task RUNNING for ever, and
nothing in the package ever looks at it again. A task that raises ends FAILED and is not retried.
So a worker killed between steps 1 and 3 leaves the message SENDING with no task to finish it:
`requeue_mail` (the sweep) takes such rows back after MAIL_SENDING_TIMEOUT_SECONDS and enqueues
them again, and re-enqueues QUEUED rows whose task has gone. The sweep runs as a task that
enqueues its own successor (`schedule_sweep`), started by `manage.py sweep_outbox --start`
where the worker starts.

Every send task names the attempt it is for; a task for an attempt already made does nothing, so
a task enqueued twice (by the sweep and by the code that queued the message) sends once.
"""

import datetime
import logging
import re
import smtplib
import unicodedata

from django.conf import settings
from django.core import mail as django_mail
from django.core.files.storage import default_storage
from django.core.mail import EmailMultiAlternatives
from django.db import connection, transaction
from django.db.models import Q
from django.tasks import TaskResultStatus
from django.utils import timezone

from .audit import with_reason
from .models import OutgoingMail

log = logging.getLogger(__name__)

Status = OutgoingMail.Status

# Postgres advisory lock keys: one sweep at a time, one sweep waiting in the queue.
SWEEP_LOCK = 0x6E636701
SWEEP_CHAIN_LOCK = 0x6E636702
# How many rows one sweep handles of each kind; the next sweep takes the rest.
SWEEP_BATCH = 500

WORKER_LOST = (
    "The worker stopped while sending this message (no result after {seconds} s); "
    "it was queued again."
)


class PermanentFailure(Exception):
    """Sending this message again cannot succeed (e.g. an attached file is gone)."""


# ---------------------------------------------------------------------------------------------
# Sending one message


def deliver(mail_id, *, attempt=None):
    """Send one queued message. Returns "sent", "retry", "failed", "skipped" or "superseded".

    `attempt`, when given, is the attempt this call is for: if the row has moved on (that attempt
    was already made), nothing is sent."""
    mail = claim(mail_id, attempt=attempt)
    if mail is None:
        return "skipped"
    try:
        message = build_message(mail)
        esp_message_id, esp_event = transmit(message)
    except Exception as exc:  # every failure is recorded on the row; none escapes to the queue
        return record_failure(mail, exc)
    record_sent(mail, esp_message_id=esp_message_id, esp_event=esp_event)
    log.info("mail %s sent to %s (attempt %s)", mail.pk, mail.to_email, mail.attempts)
    return "sent"


def claim(mail_id, *, attempt=None):
    """Step 1: take a QUEUED row for sending, in a short transaction of its own."""
    with transaction.atomic():
        rows = OutgoingMail.objects.select_for_update(skip_locked=True).filter(
            pk=mail_id, status=Status.QUEUED
        )
        if attempt is not None:
            rows = rows.filter(attempts=attempt - 1)
        mail = rows.first()
        if mail is None:
            return None
        mail.status = Status.SENDING
        mail.sending_since = timezone.now()
        mail.attempts += 1
        mail.save(update_fields=["status", "sending_since", "attempts"])
    return mail


def build_message(mail):
    """The email for a row, with the row's own Message-ID.

    Nothing from the row can add a header: the subject is one line whatever it holds (queue_mail
    makes it so; a row written some other way is made so here), an address holding a line break
    fails the row for good (PermanentFailure: Django would refuse it on every attempt), and
    attachment names lose their control and formatting characters."""
    for address in (mail.to_email, mail.reply_to):
        if _LINE_BREAK.search(address or ""):
            raise PermanentFailure(f"The address {address!r} holds a line break.")
    headers = {
        "Message-ID": mail.message_id,
        "Auto-Submitted": "auto-generated",
        "Content-Language": mail.language,
    }
    message = EmailMultiAlternatives(
        subject=" ".join(mail.subject.split()),
        body=mail.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[mail.to_email],
        reply_to=[mail.reply_to] if mail.reply_to else None,
        headers=headers,
    )
    if mail.body_html:
        message.attach_alternative(mail.body_html, "text/html")
    for item in mail.attachments:
        if item.get("storage_name"):
            content = _stored_bytes(item["storage_name"], item["filename"])
        else:
            content = item["content"]
        message.attach(_file_name(item["filename"]), content, item.get("content_type") or None)
    return message


_LINE_BREAK = re.compile(r"[\r\n\x00\x85\u2028\u2029]")


def _file_name(name):
    """An attachment's name without control or formatting characters (a line break would be
    refused by Django on every attempt; a right-to-left override disguises an extension)."""
    cleaned = "".join(c for c in str(name) if unicodedata.category(c) not in ("Cc", "Cf"))
    return cleaned.strip() or "attachment"


def _stored_bytes(name, filename):
    """An attachment kept in the default storage (a paper), read when the message is sent."""
    try:
        with default_storage.open(name, "rb") as stored:
            return stored.read()
    except FileNotFoundError as exc:
        raise PermanentFailure(f"The attached file {filename} is no longer stored.") from exc


def transmit(message):
    """Step 2: hand the message to the mailer. Returns the email service's id and status when
    the mailer is an anymail one, ("", "") otherwise."""
    sent = django_mail.mailers.default.send_messages([message])
    if not sent:
        raise RuntimeError("The mailer reported that nothing was sent.")
    status = getattr(message, "anymail_status", None)
    if status is None:
        return "", ""
    esp_id = status.message_id
    if esp_id is None:
        esp_id = ""
    elif isinstance(esp_id, (set, frozenset, list, tuple)):  # per-recipient ids; we send to one
        esp_id = ",".join(sorted(str(i) for i in esp_id if i is not None))
    else:
        esp_id = str(esp_id)
    esp_event = ",".join(sorted(status.status or ()))
    return esp_id[:255], esp_event[:50]


def record_sent(mail, *, esp_message_id="", esp_event=""):
    """Step 3, success. A bounce reported meanwhile is kept; anything else becomes SENT, even a
    row the sweep had taken back (it has gone, so the next task finds nothing to send)."""
    with transaction.atomic():
        row = OutgoingMail.objects.select_for_update().filter(pk=mail.pk).first()
        if row is None or row.status == Status.BOUNCED:
            return row
        row.status = Status.SENT
        row.sent_at = timezone.now()
        row.last_error = ""
        fields = ["status", "sent_at", "last_error"]
        if esp_message_id:
            row.esp_message_id = esp_message_id
            fields.append("esp_message_id")
        if esp_event:
            row.esp_event = esp_event
            fields.append("esp_event")
        row.save(update_fields=fields)
    return row


def record_failure(mail, exc):
    """Step 3, failure: try again later, or fail for good."""
    error = describe_error(exc)[:2000]
    permanent = is_permanent(exc)
    with transaction.atomic():
        row = OutgoingMail.objects.select_for_update().filter(pk=mail.pk).first()
        if row is None or row.status != Status.SENDING or row.attempts != mail.attempts:
            # The sweep took the row back while this attempt was still running.
            log.warning("mail %s: a superseded attempt failed: %s", mail.pk, error)
            return "superseded"
        row.last_error = error
        if permanent or row.attempts >= OutgoingMail.MAX_ATTEMPTS:
            row.status = Status.FAILED
            row.save(update_fields=["status", "last_error"])
            log.error("mail %s to %s failed for good: %s", row.pk, row.to_email, error)
            return "failed"
        row.status = Status.QUEUED
        row.save(update_fields=["status", "last_error"])
        run_after = row.sending_since + retry_delay(row.attempts)
        next_attempt = row.attempts + 1
        transaction.on_commit(
            lambda: enqueue_send(mail.pk, attempt=next_attempt, run_after=run_after), robust=True
        )
    log.warning("mail %s attempt %s failed, will try again: %s", mail.pk, mail.attempts, error)
    return "retry"


def retry_delay(attempts):
    """How long to wait after the `attempts`-th failed attempt (1, 5, 15, 60 minutes)."""
    delays = settings.MAIL_RETRY_DELAYS_SECONDS
    return datetime.timedelta(seconds=delays[min(max(attempts, 1), len(delays)) - 1])


def describe_error(exc):
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        refused = "; ".join(
            f"{address}: {code} {_text(reply)}" for address, (code, reply) in exc.recipients.items()
        )
        return f"Recipient refused: {refused}"
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{type(exc).__name__}: {exc.smtp_code} {_text(exc.smtp_error)}"
    return f"{type(exc).__name__}: {exc}"


def _text(reply):
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)


def is_permanent(exc):
    """A failure that sending again cannot mend: the server refused the recipient or the message
    with a 5xx reply, the email service rejected the recipient, or an attachment is gone."""
    if isinstance(exc, PermanentFailure):
        return True
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _reply in exc.recipients.values()]
        return bool(codes) and all(500 <= code < 600 for code in codes)
    if isinstance(exc, smtplib.SMTPDataError):
        return 500 <= exc.smtp_code < 600
    try:
        from anymail.exceptions import AnymailInvalidAddress, AnymailRecipientsRefused
    except ImportError:  # pragma: no cover - anymail is a dependency
        return False
    return isinstance(exc, (AnymailRecipientsRefused, AnymailInvalidAddress))


def enqueue_send(mail_id, *, attempt=None, run_after=None):
    """Hand a message to the worker, after `run_after` when the task backend can defer.

    A backend that cannot defer (the immediate one) gets no deferred retry: the sweep enqueues the
    row again once it has been idle for the timeout."""
    from .tasks import send_outgoing_mail

    task = send_outgoing_mail
    if run_after is not None and run_after > timezone.now():
        if not task.get_backend().supports_defer:
            return None
        task = task.using(run_after=run_after)
    return task.enqueue(mail_id, attempt=attempt)


# ---------------------------------------------------------------------------------------------
# Finding lost messages again (the sweep)


def requeue_mail(*, now=None):
    """Give lost messages back to the worker; returns what it did, as counts.

    - SENDING for longer than MAIL_SENDING_TIMEOUT_SECONDS: the worker died (or hangs) while
      sending. Back to QUEUED and enqueued now (FAILED once MAX_ATTEMPTS were made). If the server
      had accepted it, it goes out a second time with the same Message-ID.
    - QUEUED, idle for longer than the timeout, and no task waiting for it (the enqueue was lost,
      or the task died with its worker): enqueued again, at the time its back-off says.
    - Send and sweep tasks django-tasks-db still shows RUNNING after the timeout belonged to a
      worker that died: marked FAILED, so the task list tells the truth.
    """
    now = now or timezone.now()
    timeout = settings.MAIL_SENDING_TIMEOUT_SECONDS
    cutoff = now - datetime.timedelta(seconds=timeout)
    counts = {"taken_back": 0, "failed": 0, "lost_requeued": 0, "dead_tasks": 0}
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [SWEEP_LOCK])
            if not cursor.fetchone()[0]:
                return {**counts, "busy": 1}  # another sweep is running now
        to_enqueue = []  # (pk, attempt, run_after)
        stuck = OutgoingMail.objects.select_for_update(skip_locked=True).filter(
            status=Status.SENDING, sending_since__lt=cutoff
        )
        for mail in stuck.order_by("sending_since")[:SWEEP_BATCH]:
            mail.last_error = WORKER_LOST.format(seconds=timeout)
            if mail.attempts >= OutgoingMail.MAX_ATTEMPTS:
                mail.status = Status.FAILED
                counts["failed"] += 1
            else:
                mail.status = Status.QUEUED
                to_enqueue.append((mail.pk, mail.attempts + 1, None))
                counts["taken_back"] += 1
            with_reason(mail, "Taken back from a worker that stopped while sending").save(
                update_fields=["status", "last_error"]
            )
        counts["dead_tasks"] = _fail_dead_tasks(cutoff, now)
        taken_back = {pk for pk, _attempt, _when in to_enqueue}
        for pk, attempt, due in _lost_queued(cutoff, exclude=taken_back):
            to_enqueue.append((pk, attempt, due))
            counts["lost_requeued"] += 1

        def enqueue_all():
            for pk, attempt, due in to_enqueue:
                enqueue_send(pk, attempt=attempt, run_after=due)

        transaction.on_commit(enqueue_all)
    if any(counts.values()):
        log.warning("outbox sweep: %s", counts)
    return counts


def _lost_queued(cutoff, *, exclude):
    """QUEUED rows idle since before `cutoff` with no send task waiting or running for them:
    [(pk, next attempt, when it is due)]."""
    candidates = list(
        OutgoingMail.objects.filter(status=Status.QUEUED, created_at__lt=cutoff)
        .filter(Q(sending_since__isnull=True) | Q(sending_since__lt=cutoff))
        .exclude(pk__in=exclude)
        .order_by("created_at")
        .values_list("pk", "attempts", "sending_since")[:SWEEP_BATCH]
    )
    if not candidates:
        return []
    waiting = _ids_with_send_task([pk for pk, _attempts, _since in candidates])
    lost = []
    for pk, attempts, since in candidates:
        if pk in waiting:
            continue
        due = since + retry_delay(attempts) if attempts and since else None
        lost.append((pk, attempts + 1, due))
    return lost


def _db_task_backend(task):
    """The task's backend when it is django-tasks-db's (whose rows we can read), else None."""
    try:
        from django_tasks_db.backend import DatabaseBackend
    except ImportError:  # pragma: no cover - a dependency
        return None
    backend = task.get_backend()
    return backend if isinstance(backend, DatabaseBackend) else None


def _ids_with_send_task(mail_ids):
    """Which of these messages have a send task waiting or running. With another task backend
    there is no queue to look at, and every idle message counts as lost."""
    from .tasks import send_outgoing_mail

    backend = _db_task_backend(send_outgoing_mail)
    if backend is None:
        return set()
    from django_tasks_db.models import DBTaskResult

    rows = DBTaskResult.objects.filter(
        backend_name=backend.alias,
        task_path=send_outgoing_mail.module_path,
        status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING],
        args_kwargs__args__0__in=mail_ids,
    ).values_list("args_kwargs", flat=True)
    return {row["args"][0] for row in rows}


def _fail_dead_tasks(cutoff, now):
    """Mark the outbox's tasks a dead worker left RUNNING as FAILED; returns how many."""
    from .tasks import send_outgoing_mail, sweep_outbox

    backend = _db_task_backend(send_outgoing_mail)
    if backend is None:
        return 0
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(
        backend_name=backend.alias,
        task_path__in=[send_outgoing_mail.module_path, sweep_outbox.module_path],
        status=TaskResultStatus.RUNNING,
        started_at__lt=cutoff,
    ).update(
        status=TaskResultStatus.FAILED,
        finished_at=now,
        exception_class_path="ncg_portal.outbox.WorkerLost",
        traceback="The worker running this task stopped before it finished; "
        "the outbox sweep took its message back.",
    )


def schedule_sweep(*, delay=None):
    """Make sure exactly one sweep task is waiting in the queue, due within `delay` seconds
    (MAIL_SWEEP_INTERVAL_SECONDS by default). Returns True if it enqueued one.

    Each sweep calls this first, so the sweep keeps itself going for as long as a worker runs,
    and a worker killed in the middle of a sweep leaves the next one queued. Only with the
    django-tasks-db backend (an immediate backend would run the chain for ever)."""
    from .tasks import sweep_outbox

    backend = _db_task_backend(sweep_outbox)
    if backend is None:
        return False
    from django_tasks_db.models import DBTaskResult

    if delay is None:
        delay = settings.MAIL_SWEEP_INTERVAL_SECONDS
    run_after = timezone.now() + datetime.timedelta(seconds=delay)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [SWEEP_CHAIN_LOCK])
        waiting = DBTaskResult.objects.filter(
            backend_name=backend.alias,
            task_path=sweep_outbox.module_path,
            status=TaskResultStatus.READY,
        ).order_by("run_after")
        first = waiting.first()
        if first is None:
            sweep_outbox.using(run_after=run_after).enqueue()
            return True
        waiting.exclude(pk=first.pk).delete()
        if first.run_after > run_after:
            waiting.filter(pk=first.pk).update(run_after=run_after)
    return False


def sweep_is_waiting():
    """Whether a sweep task is waiting in django-tasks-db's queue (False with another backend)."""
    from .tasks import sweep_outbox

    backend = _db_task_backend(sweep_outbox)
    if backend is None:
        return False
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(
        backend_name=backend.alias,
        task_path=sweep_outbox.module_path,
        status=TaskResultStatus.READY,
    ).exists()


MESSAGE_ID_RE = re.compile(r"<[^<>\s@]+@[^<>\s]+>")
MESSAGE_ID_KEYS = {"messageid", "message-id", "message_id", "smtp-id"}


def message_ids_in(data, *, depth=0):
    """Every Message-ID ("<…@…>") found in an email service's raw event (dicts, lists, strings),
    plus bare ids under a key named like Message-ID."""
    found = set()
    if depth > 8 or data is None:
        return found
    if isinstance(data, str):
        found.update(MESSAGE_ID_RE.findall(data))
    elif isinstance(data, dict):
        items = data.lists() if hasattr(data, "lists") else data.items()
        for key, value in items:
            named = isinstance(key, str) and key.lower() in MESSAGE_ID_KEYS
            for one in value if isinstance(value, list) else [value]:
                if named and isinstance(one, str) and "@" in one and not MESSAGE_ID_RE.search(one):
                    found.add(f"<{one.strip()}>")
                found |= message_ids_in(one, depth=depth + 1)
    elif isinstance(data, (list, tuple, set)):
        for value in data:
            found |= message_ids_in(value, depth=depth + 1)
    return found
