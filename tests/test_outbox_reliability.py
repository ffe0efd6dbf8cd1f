"""Email that never gets lost: a real SMTP server on loopback (aiosmtpd), the real worker
(`manage.py db_worker`) as a process that is killed mid-batch and started again, a mail server
that is down and comes back, permanent refusals, the sweep, the deliveries page and bounces."""

import asyncio
import datetime
import email
import os
import signal
import socket
import subprocess
import sys
import time
from email import policy
from pathlib import Path
from urllib.parse import quote

import pytest
from aiosmtpd.controller import Controller
from anymail.signals import AnymailTrackingEvent, tracking
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import connection, transaction
from django.tasks import TaskResultStatus
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from ncg_portal import outbox
from ncg_portal.deliveries import mark_bounced
from ncg_portal.mail import queue_mail
from ncg_portal.models import OutgoingMail
from ncg_portal.tasks import send_outgoing_mail, sweep_outbox
from tests.conftest import client_for

Status = OutgoingMail.Status
BASE_DIR = Path(settings.BASE_DIR)
SEND_TASK = send_outgoing_mail.module_path
SWEEP_TASK = sweep_outbox.module_path
# A kind whose templates need no context.
KIND = "account_unknown_account"


# --- a real SMTP server on loopback ------------------------------------------------------------


class Inbox:
    """An aiosmtpd handler that keeps what it receives; it can answer slowly, refuse some
    recipients, and call `on_message(count)` after keeping each message."""

    def __init__(self, *, delay=0.0, refuse=None, on_message=None):
        self.messages = []
        self.delay = delay
        self.refuse = refuse or {}  # address -> SMTP reply
        self.on_message = on_message

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        self.messages.append(envelope)
        if self.on_message:
            self.on_message(len(self.messages))
        return "250 OK"

    def received(self):
        """[(recipient, Message-ID)] in the order received."""
        out = []
        for envelope in list(self.messages):
            message = email.message_from_bytes(envelope.content, policy=policy.default)
            out.extend((rcpt, message["Message-ID"]) for rcpt in envelope.rcpt_tos)
        return out


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_smtp(inbox, port=None):
    controller = Controller(inbox, hostname="127.0.0.1", port=port or free_port())
    controller.start()
    return controller


def mailers_for(port):
    return {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 5},
        }
    }


@pytest.fixture
def smtp(settings):
    inbox = Inbox(refuse={"gone@example.org": "550 5.1.1 No such mailbox"})
    inbox.refuse["busy@example.org"] = "450 4.2.1 Mailbox busy, try later"
    controller = start_smtp(inbox)
    settings.MAILERS = mailers_for(controller.port)
    yield inbox
    controller.stop()


def parse(envelope):
    return email.message_from_bytes(envelope.content, policy=policy.default)


def wait_for(predicate, *, timeout, what, worker=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    detail = f"\nworker log:\n{worker.log()}" if worker else ""
    raise AssertionError(f"timed out waiting for {what}{detail}")


# --- the real worker as a process --------------------------------------------------------------


def database_url_for_tests():
    db = settings.DATABASES["default"]
    user = quote(db.get("USER") or "")
    password = f":{quote(db['PASSWORD'])}" if db.get("PASSWORD") else ""
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{quote(db['NAME'])}"


class WorkerProcess:
    """`manage.py db_worker` on the test database (each xdist worker has its own database, so
    its own queue), sending to the SMTP server on `smtp_port`."""

    def __init__(self, log_path, *, smtp_port, **env):
        self.log_path = log_path
        self.env = {
            **os.environ,
            "DATABASE_URL": database_url_for_tests(),
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(smtp_port),
            "DB_CONN_MAX_AGE": "0",
            "PYTHONUNBUFFERED": "1",
            **env,
        }
        self.proc = None

    def start(self):
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "manage.py", "db_worker", "--no-reload", "--no-startup-delay"]
                + ["--interval", "0.1", "--queue-name", "default"],
                cwd=BASE_DIR,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        return self

    def kill(self):
        """SIGKILL: no clean-up of any kind, as when the machine or the OOM killer stops it."""
        if self.proc and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)

    def wait_dead(self, timeout=30):
        self.proc.wait(timeout)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def log(self):
        return Path(self.log_path).read_text(errors="replace")[-4000:]


@pytest.fixture
def workers(transactional_db, tmp_path):
    """Start worker processes; every one is stopped before the database is flushed."""
    started = []

    def make(**kwargs):
        worker = WorkerProcess(tmp_path / f"worker{len(started)}.log", **kwargs)
        started.append(worker)
        return worker

    yield make
    for worker in started:
        worker.stop()


def queue_batch(group, recipients):
    with transaction.atomic():  # one change, one row per recipient, enqueued on commit
        return [
            queue_mail(kind=KIND, to_email=address, context={}, group=group)
            for address in recipients
        ]


def statuses():
    return sorted(OutgoingMail.objects.values_list("status", flat=True))


def test_worker_killed_mid_batch_then_restarted_sends_every_message(ncg, workers, settings):
    """The worker dies (SIGKILL) just after the server accepted the 5th of 20 messages, before
    it could record it. Started again with the sweep, it sends the rest, and the 5th a second
    time under the same Message-ID; nobody is missed."""
    recipients = [f"person{i:02d}@example.org" for i in range(20)]
    # Short timeout and sweep interval (production: 600 s and 60 s); a send takes about 0.3 s.
    env = {"MAIL_SENDING_TIMEOUT_SECONDS": "3", "MAIL_SWEEP_INTERVAL_SECONDS": "1"}
    worker = None

    def kill_after_fifth(count):
        if count == 5:  # the server has the message; the worker has not had the reply
            worker.kill()

    inbox = Inbox(delay=0.3, on_message=kill_after_fifth)
    controller = start_smtp(inbox)
    try:
        worker = workers(smtp_port=controller.port, **env)
        mails = queue_batch(ncg, recipients)
        assert DBTaskResult.objects.filter(task_path=SEND_TASK).count() == 20
        worker.start()
        worker.wait_dead()
        assert worker.proc.returncode == -signal.SIGKILL
        assert len(inbox.messages) == 5
        assert statuses().count(Status.SENT) == 4
        [in_flight] = OutgoingMail.objects.filter(status=Status.SENDING)
        assert DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING).count() == 1

        # What the start script does before the worker: sweep once and start the sweep chain.
        settings.MAIL_SWEEP_INTERVAL_SECONDS = 1
        call_command("sweep_outbox", "--start", verbosity=0)
        restarted = workers(smtp_port=controller.port, **env).start()
        wait_for(
            lambda: statuses() == [Status.SENT] * 20,
            timeout=60,
            what="every message sent",
            worker=restarted,
        )
    finally:
        controller.stop()

    received = inbox.received()
    by_recipient = {}
    for rcpt, message_id in received:
        by_recipient.setdefault(rcpt, []).append(message_id)
    assert sorted(by_recipient) == recipients, "every recipient got the message"
    twice = {rcpt: ids for rcpt, ids in by_recipient.items() if len(ids) > 1}
    # Exactly the message accepted in the instant before the kill went twice, and both copies
    # carry the row's one Message-ID, so mail clients fold them.
    assert list(twice) == [in_flight.to_email]
    assert len(received) == 21
    for mail in mails:
        mail.refresh_from_db()
        assert by_recipient[mail.to_email] == [mail.message_id] * len(by_recipient[mail.to_email])
    in_flight.refresh_from_db()
    assert in_flight.attempts == 2 and in_flight.sent_at is not None
    # The task the dead worker left RUNNING is closed as lost, not left running for ever.
    dead = DBTaskResult.objects.get(task_path=SEND_TASK, exception_class_path__endswith="Lost")
    assert dead.status == TaskResultStatus.FAILED
    assert not DBTaskResult.objects.filter(
        task_path=SEND_TASK, status=TaskResultStatus.RUNNING
    ).exists()
    # The sweep kept itself going in the worker: it ran, and exactly one is waiting.
    sweeps = DBTaskResult.objects.filter(task_path=SWEEP_TASK)
    assert sweeps.filter(status=TaskResultStatus.SUCCESSFUL).exists()
    assert sweeps.filter(status=TaskResultStatus.READY).count() == 1


def test_mail_server_down_then_back(ncg, workers):
    """Nothing listens on the mail port: each message fails and is tried again after the
    back-off; the server starts, and every message arrives."""
    port = free_port()
    worker = workers(smtp_port=port, MAIL_RETRY_DELAYS_SECONDS="1,2,3,5").start()
    mails = queue_batch(ncg, ["a@example.org", "b@example.org", "c@example.org"])

    def all_failed_once():
        rows = OutgoingMail.objects.filter(pk__in=[m.pk for m in mails])
        return all(m.status == Status.QUEUED and m.attempts >= 1 and m.last_error for m in rows)

    wait_for(all_failed_once, timeout=30, what="a first failed attempt", worker=worker)
    assert "refused" in OutgoingMail.objects.first().last_error.lower()
    inbox = Inbox()
    controller = start_smtp(inbox, port=port)
    try:
        wait_for(
            lambda: statuses() == [Status.SENT] * 3,
            timeout=30,
            what="the messages to be sent",
            worker=worker,
        )
    finally:
        controller.stop()
    assert sorted(rcpt for rcpt, _id in inbox.received()) == [m.to_email for m in mails]
    for mail in OutgoingMail.objects.all():
        assert mail.attempts >= 2 and mail.last_error == ""


# --- sending, in the test process --------------------------------------------------------------


@pytest.mark.django_db
def test_message_carries_fixed_message_id_reply_to_and_stored_attachment(
    ncg, smtp, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    stored = default_storage.save("papers/ncg-26-01.pdf", ContentFile(b"%PDF-1.7 paper\n%%EOF\n"))
    mail = queue_mail(
        kind=KIND,
        to_email="owen@example.org",
        context={},
        language="cy",
        group=ncg,
        reply_to="reply+token@replies.example.org",
        attachments=[
            {
                "filename": "NCG(26)01.pdf",
                "content_type": "application/pdf",
                "storage_name": stored,
            },
            {"filename": "note.txt", "content_type": "text/plain", "content": "Nodyn"},
        ],
    )
    assert mail.reply_to == "reply+token@replies.example.org"
    assert send_outgoing_mail.call(mail.pk) == "sent"
    message = parse(smtp.messages[0])
    assert message["Message-ID"] == mail.message_id
    assert message["Reply-To"] == "reply+token@replies.example.org"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["Content-Language"] == "cy"
    parts = {part.get_filename(): part for part in message.iter_attachments()}
    assert parts["NCG(26)01.pdf"].get_content() == b"%PDF-1.7 paper\n%%EOF\n"
    assert parts["note.txt"].get_content().strip() == "Nodyn"


@pytest.mark.django_db
def test_missing_stored_attachment_fails_at_once(ncg, smtp, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    mail = queue_mail(
        kind=KIND,
        to_email="owen@example.org",
        context={},
        group=ncg,
        attachments=[{"filename": "gone.pdf", "content_type": "application/pdf",
                      "storage_name": "papers/gone.pdf"}],
    )  # fmt: skip
    assert send_outgoing_mail.call(mail.pk) == "failed"
    mail.refresh_from_db()
    assert mail.status == Status.FAILED and "gone.pdf" in mail.last_error
    assert smtp.messages == []


@pytest.mark.django_db
def test_permanent_refusal_fails_at_once_and_shows_on_the_deliveries_page(
    ncg, smtp, as_secretariat
):
    mail = queue_mail(kind=KIND, to_email="gone@example.org", context={}, group=ncg)
    assert send_outgoing_mail.call(mail.pk) == "failed"
    mail.refresh_from_db()
    assert mail.status == Status.FAILED and mail.attempts == 1
    assert "550" in mail.last_error and "No such mailbox" in mail.last_error
    page = as_secretariat.get("/en/g/ncg/deliveries/?show=problems").content.decode()
    assert "gone@example.org" in page and "govuk-tag--red" in page and "550" in page
    assert "Try again" in page


@pytest.mark.django_db
def test_temporary_refusal_is_tried_again(ncg, smtp, django_capture_on_commit_callbacks):
    mail = queue_mail(kind=KIND, to_email="busy@example.org", context={}, group=ncg)
    with django_capture_on_commit_callbacks(execute=True):
        assert send_outgoing_mail.call(mail.pk, attempt=1) == "retry"
    mail.refresh_from_db()
    assert mail.status == Status.QUEUED and mail.attempts == 1 and "450" in mail.last_error
    retry = DBTaskResult.objects.get(task_path=SEND_TASK)
    assert retry.args_kwargs == {"args": [mail.pk], "kwargs": {"attempt": 2}}
    # The first back-off step is a minute.
    assert retry.run_after - mail.sending_since == datetime.timedelta(seconds=60)


@pytest.mark.django_db
def test_a_task_for_an_attempt_already_made_sends_nothing(ncg, smtp):
    mail = queue_mail(kind=KIND, to_email="owen@example.org", context={}, group=ncg)
    assert send_outgoing_mail.call(mail.pk, attempt=1) == "sent"
    assert send_outgoing_mail.call(mail.pk, attempt=1) == "skipped"
    OutgoingMail.objects.filter(pk=mail.pk).update(status=Status.QUEUED)
    assert send_outgoing_mail.call(mail.pk, attempt=1) == "skipped"  # attempt 1 was made
    assert len(smtp.messages) == 1


@pytest.mark.django_db
def test_anymail_backend_id_is_kept(ncg, settings):
    settings.MAILERS = {"default": {"BACKEND": "anymail.backends.test.EmailBackend"}}
    settings.ANYMAIL = {}
    mail = queue_mail(kind=KIND, to_email="owen@example.org", context={}, group=ncg)
    queue_mail(kind=KIND, to_email="other@example.org", context={}, group=ncg)
    send_outgoing_mail.call(mail.pk)
    mail.refresh_from_db()
    assert mail.status == Status.SENT
    assert mail.esp_message_id != "" and mail.esp_event == "sent"


# --- the sweep ---------------------------------------------------------------------------------


def dead_task_for(mail, *, minutes_ago):
    """A send task django-tasks-db shows RUNNING: its worker died that long ago."""
    result = send_outgoing_mail.enqueue(mail.pk, attempt=mail.attempts or 1)
    DBTaskResult.objects.filter(pk=result.id).update(
        status=TaskResultStatus.RUNNING,
        started_at=timezone.now() - datetime.timedelta(minutes=minutes_ago),
    )
    return result.id


@pytest.mark.django_db
def test_sweep_takes_back_a_message_stuck_in_sending(ncg, smtp, django_capture_on_commit_callbacks):
    long_ago = timezone.now() - datetime.timedelta(minutes=11)
    stuck = queue_mail(kind=KIND, to_email="owen@example.org", context={}, group=ncg)
    OutgoingMail.objects.filter(pk=stuck.pk).update(
        status=Status.SENDING, attempts=1, sending_since=long_ago
    )
    stuck.refresh_from_db()
    dead = dead_task_for(stuck, minutes_ago=11)
    busy = queue_mail(kind=KIND, to_email="busy-now@example.org", context={}, group=ncg)
    OutgoingMail.objects.filter(pk=busy.pk).update(
        status=Status.SENDING, attempts=1, sending_since=timezone.now()
    )

    with django_capture_on_commit_callbacks(execute=True):
        counts = outbox.requeue_mail()

    assert counts["taken_back"] == 1 and counts["dead_tasks"] == 1
    stuck.refresh_from_db()
    assert stuck.status == Status.QUEUED and "worker stopped" in stuck.last_error
    assert DBTaskResult.objects.get(pk=dead).status == TaskResultStatus.FAILED
    [again] = DBTaskResult.objects.filter(task_path=SEND_TASK, status=TaskResultStatus.READY)
    assert again.args_kwargs == {"args": [stuck.pk], "kwargs": {"attempt": 2}}
    assert OutgoingMail.objects.get(pk=busy.pk).status == Status.SENDING  # still in its time
    assert send_outgoing_mail.call(stuck.pk, attempt=2) == "sent"
    assert parse(smtp.messages[0])["Message-ID"] == stuck.message_id


@pytest.mark.django_db
def test_sweep_enqueues_queued_mail_whose_task_is_gone(ncg, django_capture_on_commit_callbacks):
    old = timezone.now() - datetime.timedelta(minutes=20)
    lost = queue_mail(kind=KIND, to_email="lost@example.org", context={}, group=ncg)
    waiting = queue_mail(kind=KIND, to_email="waiting@example.org", context={}, group=ncg)
    orphan = queue_mail(kind=KIND, to_email="orphan@example.org", context={}, group=ncg)
    retrying = queue_mail(kind=KIND, to_email="retrying@example.org", context={}, group=ncg)
    fresh = queue_mail(kind=KIND, to_email="fresh@example.org", context={}, group=ncg)
    OutgoingMail.objects.exclude(pk=fresh.pk).update(created_at=old)
    # retrying: failed three times, last tried 11 minutes ago; the next try is due 15 minutes
    # after that, so its task is enqueued for then, not now.
    OutgoingMail.objects.filter(pk=retrying.pk).update(
        attempts=3, sending_since=timezone.now() - datetime.timedelta(minutes=11)
    )
    send_outgoing_mail.enqueue(waiting.pk, attempt=1)  # its task is still waiting
    dead_task_for(orphan, minutes_ago=30)  # its task died with its worker before it began

    with django_capture_on_commit_callbacks(execute=True):
        counts = outbox.requeue_mail()

    assert counts["lost_requeued"] == 3
    ready = DBTaskResult.objects.filter(task_path=SEND_TASK, status=TaskResultStatus.READY)
    by_mail = {}
    for task_row in ready:
        by_mail.setdefault(task_row.args_kwargs["args"][0], []).append(task_row)
    assert sorted(by_mail) == sorted([lost.pk, waiting.pk, orphan.pk, retrying.pk])
    assert all(len(rows) == 1 for rows in by_mail.values())  # no second task for "waiting"
    [retry_task] = by_mail[retrying.pk]
    retrying.refresh_from_db()
    assert retry_task.args_kwargs["kwargs"] == {"attempt": 4}
    assert retry_task.run_after == retrying.sending_since + datetime.timedelta(minutes=15)


@pytest.mark.django_db
def test_sweep_keeps_one_sweep_waiting(ncg, settings, capsys):
    settings.MAIL_SWEEP_INTERVAL_SECONDS = 60
    call_command("sweep_outbox", "--start")
    assert "every 60 s" in capsys.readouterr().out
    call_command("sweep_outbox", "--start")
    assert "already waiting" in capsys.readouterr().out
    assert outbox.schedule_sweep() is False
    # A sweep running in the worker queues its successor; one stays waiting.
    sweep_outbox.call()
    waiting = DBTaskResult.objects.filter(task_path=SWEEP_TASK, status=TaskResultStatus.READY)
    assert waiting.count() == 1
    assert waiting.get().run_after <= timezone.now() + datetime.timedelta(seconds=60)


# --- the deliveries page -----------------------------------------------------------------------


def make_rows(group, count, *, email=None, **fields):
    stamp = time.time_ns()
    return OutgoingMail.objects.bulk_create(
        OutgoingMail(
            kind="meeting_papers",
            group=group,
            to_email=email or f"r{i}-{stamp}@example.org",
            subject=f"Papers {i}",
            body_text="…",
            message_id=f"<{stamp}-{i}@example.org>",
            **fields,
        )
        for i in range(count)
    )


URL = "/en/g/ncg/deliveries/"


@pytest.mark.django_db
def test_deliveries_page_is_for_the_secretariat_only(
    as_secretariat, as_member, as_chair, as_outsider, as_observer
):
    assert as_secretariat.get(URL).status_code == 200
    assert as_secretariat.get("/cy/g/ncg/deliveries/").status_code == 200
    for client in (as_member, as_chair, as_outsider, as_observer):
        assert client.get(URL).status_code == 404
    response = client_for(None).get(URL)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.django_db
def test_deliveries_page_lists_statuses_and_filters_problems(ncg, other_group, as_secretariat):
    make_rows(ncg, 1, email="sent@example.org", status=Status.SENT, sent_at=timezone.now())
    make_rows(ncg, 1, email="queued@example.org", status=Status.QUEUED)
    make_rows(
        ncg, 1, email="failed@example.org", status=Status.FAILED, attempts=5,
        last_error="Connection refused",
    )  # fmt: skip
    make_rows(ncg, 1, email="bounced@example.org", status=Status.BOUNCED, last_error="550 gone")
    make_rows(other_group, 1, email="elsewhere@example.org", status=Status.FAILED)

    page = as_secretariat.get(URL).content.decode()
    for address in ("sent@", "queued@", "failed@", "bounced@"):
        assert address in page
    assert "elsewhere@" not in page
    for tag in ("green", "grey", "red", "orange"):
        assert f"govuk-tag--{tag}" in page
    assert "Meeting papers" in page and "Connection refused" in page
    assert page.count(">Try again<") == 2

    problems = as_secretariat.get(URL + "?show=problems").content.decode()
    assert "failed@" in problems and "bounced@" in problems
    assert "sent@" not in problems and "queued@" not in problems


@pytest.mark.django_db
def test_try_again_queues_a_failed_email(
    ncg, other_group, as_secretariat, as_member, django_capture_on_commit_callbacks
):
    failed = make_rows(ncg, 1, status=Status.FAILED, attempts=5, last_error="refused")[0]
    sent = make_rows(ncg, 1, status=Status.SENT)[0]
    elsewhere = make_rows(other_group, 1, status=Status.FAILED)[0]
    url = f"/en/g/ncg/deliveries/{failed.pk}/retry/"

    assert as_member.post(url).status_code == 404
    assert as_secretariat.get(url).status_code == 405
    with django_capture_on_commit_callbacks(execute=True):
        response = as_secretariat.post(url, {"show": "problems"})
    assert response.status_code == 302 and response["Location"] == URL + "?show=problems"
    failed.refresh_from_db()
    assert failed.status == Status.QUEUED and failed.attempts == 0 and failed.last_error == ""
    task_row = DBTaskResult.objects.get(task_path=SEND_TASK)
    assert task_row.args_kwargs == {"args": [failed.pk], "kwargs": {"attempt": 1}}
    assert failed.history.first().history_change_reason.startswith("Sent again by")

    as_secretariat.post(f"/en/g/ncg/deliveries/{sent.pk}/retry/")
    assert OutgoingMail.objects.get(pk=sent.pk).status == Status.SENT
    assert as_secretariat.post(f"/en/g/ncg/deliveries/{elsewhere.pk}/retry/").status_code == 404


@pytest.mark.django_db
def test_deliveries_page_query_count_does_not_grow_with_rows(ncg, member, as_secretariat):
    make_rows(ncg, 3, status=Status.SENT, person=member)
    with CaptureQueriesContext(connection) as few:
        assert as_secretariat.get(URL).status_code == 200
    make_rows(ncg, 40, status=Status.FAILED, person=member)
    with CaptureQueriesContext(connection) as many:
        page = as_secretariat.get(URL).content.decode()
    assert page.count(">Try again<") == 40
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]


@pytest.mark.django_db
def test_deliveries_page_has_fifty_a_page(ncg, as_secretariat):
    make_rows(ncg, 55, status=Status.SENT)
    first = as_secretariat.get(URL).content.decode()
    assert first.count('<tr class="govuk-table__row">') == 1 + 50
    assert 'href="?page=2"' in first
    second = as_secretariat.get(URL + "?page=2").content.decode()
    assert second.count('<tr class="govuk-table__row">') == 1 + 5


@pytest.mark.django_db
def test_dashboard_links_to_deliveries_for_the_secretariat(as_secretariat, as_member):
    assert URL in as_secretariat.get("/en/g/ncg/").content.decode()
    assert URL not in as_member.get("/en/g/ncg/").content.decode()


# --- bounces -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_mark_bounced_by_message_id(ncg):
    [mail] = make_rows(ncg, 1, status=Status.SENT)
    bare = mail.message_id.strip("<>")
    bounced = mark_bounced(message_id=bare, reason="550 5.1.1 user unknown")
    assert bounced.pk == mail.pk
    mail.refresh_from_db()
    assert mail.status == Status.BOUNCED and mail.esp_event == "bounced"
    assert mail.last_error == "550 5.1.1 user unknown"
    assert mark_bounced(message_id="<nobody@example.org>") is None


@pytest.mark.django_db
def test_tracking_events_from_the_email_service(ncg):
    by_esp_id, by_header, delivered = make_rows(ncg, 3, status=Status.SENT)
    OutgoingMail.objects.filter(pk=by_esp_id.pk).update(esp_message_id="esp-1")
    OutgoingMail.objects.filter(pk=delivered.pk).update(esp_message_id="esp-3")

    tracking.send(
        sender=object,
        event=AnymailTrackingEvent(
            event_type="bounced",
            message_id="esp-1",
            mta_response="550 5.1.1 The email account does not exist",
            recipient=by_esp_id.to_email,
        ),
        esp_name="Test",
    )
    tracking.send(
        sender=object,
        event=AnymailTrackingEvent(
            event_type="rejected",
            message_id="unknown-to-us",
            reject_reason="blocked",
            esp_event={
                "mail": {"headers": [{"name": "Message-ID", "value": by_header.message_id}]}
            },
        ),
        esp_name="Test",
    )
    tracking.send(
        sender=object,
        event=AnymailTrackingEvent(event_type="delivered", message_id="esp-3"),
        esp_name="Test",
    )
    tracking.send(  # an event for a message we never sent is ignored
        sender=object,
        event=AnymailTrackingEvent(event_type="bounced", message_id="esp-404"),
        esp_name="Test",
    )

    by_esp_id.refresh_from_db()
    by_header.refresh_from_db()
    delivered.refresh_from_db()
    assert by_esp_id.status == Status.BOUNCED and "does not exist" in by_esp_id.last_error
    assert by_header.status == Status.BOUNCED and by_header.esp_event == "rejected"
    assert by_header.last_error == "blocked"
    assert delivered.status == Status.SENT and delivered.esp_event == "delivered"
