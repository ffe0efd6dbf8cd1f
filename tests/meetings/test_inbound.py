"""Inbound email: stored before it is read, the three ways in (mail-server pipe, Maildir poller,
email-service webhook), duplicates, bounces and the security checks. The message corpus itself
is run by test_inbound_corpus.py."""

import base64
import datetime
import importlib.util
import json
import mailbox
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import OperationalError, connection
from django.utils import timezone

import ncg_portal.urls
from meetings import inbound
from meetings.inbound import receive_message
from meetings.models import Circulation, Comment, InboundMessage
from meetings.reply_tokens import reply_address
from ncg_portal.models import OutgoingMail

from .test_inbound_corpus import corpus_message, make_circulation

ROOT = Path(__file__).resolve().parent.parent.parent
Status = InboundMessage.Status
Source = InboundMessage.Source


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def circulation(ncg, secretariat, member, welsh_member):
    return make_circulation(ncg, secretariat, [member, welsh_member])


def simple_reply(circulation, person, *, body="I support the papers.", message_id=None):
    message_id = message_id or f"<{time.time_ns()}@example.org>"
    return (
        f"From: {person.full_name} <{person.email}>\r\n"
        f"To: NCG portal <{reply_address(circulation, person)}>\r\n"
        f"Subject: Re: {circulation.subject_en}\r\n"
        f"Date: Wed, 11 Nov 2026 10:00:00 +0000\r\n"
        f"Message-ID: {message_id}\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: text/plain; charset="utf-8"\r\n'
        "\r\n"
        f"{body}\r\n"
    ).encode()


# --- Stored first -------------------------------------------------------------------------------


def test_the_raw_message_is_stored_before_it_is_read_so_a_parser_failure_loses_nothing(
    circulation, member, monkeypatch
):
    def broken_parser(message):
        raise RuntimeError("the parser fell over")

    monkeypatch.setattr(inbound, "extract_reply", broken_parser)
    raw = simple_reply(circulation, member)

    message = receive_message(raw, source=Source.PIPE)

    message = InboundMessage.objects.get(pk=message.pk)
    assert bytes(message.raw) == raw
    assert message.size == len(raw)
    assert message.status == Status.HELD
    assert "RuntimeError: the parser fell over" in message.hold_reason
    # What the headers say is still there for the secretariat.
    assert message.from_address == f"Owen Evans <{member.email}>"
    assert (message.circulation, message.person) == (circulation, member)
    assert not Comment.objects.exists()
    reasons = list(
        message.history.order_by("history_id").values_list("history_change_reason", flat=True)
    )
    assert reasons == [
        "Received by pipe",
        "Held: could not be read: RuntimeError: the parser fell over",
    ]


def test_a_message_too_large_is_stored_whole_and_held_unread_with_its_headers_shown(
    circulation, member, settings, monkeypatch
):
    settings.INBOUND_MAX_BYTES = 1000
    read = []
    monkeypatch.setattr(inbound, "extract_reply", lambda message: read.append(message))
    raw = simple_reply(circulation, member, body="x" * 5000)

    message = receive_message(raw, source=Source.PIPE)

    message.refresh_from_db()
    assert bytes(message.raw) == raw, "not truncated"
    assert message.status == Status.HELD
    assert "larger than the" in message.hold_reason and f"({len(raw)} bytes)" in message.hold_reason
    assert read == []
    assert message.subject == f"Re: {circulation.subject_en}"
    assert (message.circulation, message.person) == (circulation, member)


# --- Security -----------------------------------------------------------------------------------


def test_a_header_injection_is_held_and_its_headers_shown_without_the_line_break(
    circulation, member
):
    raw = simple_reply(circulation, member).replace(
        b"Subject: Re:", b"Subject: =?utf-8?q?Hello=0D=0ABcc=3A_all=40example=2Eorg?= Re:"
    )
    message = receive_message(raw, source=Source.PIPE)
    message.refresh_from_db()
    assert message.status == Status.HELD
    assert "Subject header holds a line break" in message.hold_reason
    assert "\n" not in message.subject and "Bcc: all@example.org" in message.subject


def test_a_forged_reply_address_is_held(circulation, member):
    forged = f"reply+c{circulation.pk}-p{member.pk}-{'a' * 26}@replies.example.org"
    raw = simple_reply(circulation, member).replace(
        reply_address(circulation, member).encode(), forged.encode()
    )
    message = receive_message(raw, source=Source.PIPE)
    message.refresh_from_db()
    assert message.status == Status.HELD
    assert message.hold_reason == "reply address not recognised: the address has been altered"


def test_a_reply_address_on_a_display_name_does_not_count(circulation, member):
    """Only the address part is read: a reply address in a display name is not an address."""
    address = reply_address(circulation, member)
    raw = simple_reply(circulation, member).replace(
        f"To: NCG portal <{address}>".encode(), f'To: "{address}" <nobody@example.org>'.encode()
    )
    message = receive_message(raw, source=Source.PIPE)
    message.refresh_from_db()
    assert message.status == Status.HELD
    assert "reply address not recognised" in message.hold_reason


def test_a_person_who_is_not_a_recipient_is_held(circulation, ncg, secretariat, chair):
    raw = simple_reply(circulation, chair)
    message = receive_message(raw, source=Source.PIPE)
    message.refresh_from_db()
    assert message.status == Status.HELD
    assert message.hold_reason == "the person is not a recipient of this circulation"
    assert (message.circulation, message.person) == (circulation, chair)


def test_a_reply_to_a_draft_circulation_is_held(circulation, member):
    Circulation.objects.filter(pk=circulation.pk).update(status=Circulation.Status.DRAFT)
    message = receive_message(simple_reply(circulation, member), source=Source.PIPE)
    message.refresh_from_db()
    assert message.status == Status.HELD
    assert "the circulation does not take replies (not_open)" in message.hold_reason


def test_a_reply_to_a_closed_circulation_is_kept_and_marked_late(circulation, member):
    Circulation.objects.filter(pk=circulation.pk).update(
        status=Circulation.Status.CLOSED, closed_at=timezone.now()
    )
    message = receive_message(simple_reply(circulation, member), source=Source.PIPE)
    message.refresh_from_db()
    assert message.status == Status.ACCEPTED
    assert Comment.objects.get(inbound_message=message).is_late


def test_authentication_results_that_pass_are_accepted_and_spf_fail_is_held(circulation, member):
    passing = b"Authentication-Results: mx.replies.example.org; dkim=pass; spf=pass; dmarc=pass\r\n"
    failing = (
        b"Authentication-Results: mx.replies.example.org; dkim=none; spf=fail smtp.mailfrom=x\r\n"
    )
    ok = receive_message(passing + simple_reply(circulation, member), source=Source.PIPE)
    held = receive_message(failing + simple_reply(circulation, member), source=Source.PIPE)
    ok.refresh_from_db()
    held.refresh_from_db()
    assert ok.status == Status.ACCEPTED
    assert held.status == Status.HELD and held.hold_reason.endswith("spf=fail")


def test_every_state_change_is_in_the_audit_trail_with_its_reason(circulation, member):
    message = receive_message(simple_reply(circulation, member), source=Source.WEBHOOK)
    reasons = list(
        message.history.order_by("history_id").values_list("history_change_reason", flat=True)
    )
    assert reasons == ["Received by webhook", "Recorded as a response"]
    assert "raw" not in [field.name for field in message.history.model._meta.fields]


# --- Duplicates and bounces ---------------------------------------------------------------------


def test_a_repeated_message_id_is_recorded_once(circulation, member):
    raw = simple_reply(circulation, member, message_id="<same-message@example.org>")
    first = receive_message(raw, source=Source.PIPE)
    second = receive_message(raw, source=Source.MAILDIR)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == (Status.ACCEPTED, Status.DUPLICATE)
    assert Comment.objects.count() == 1
    assert bytes(second.raw) == raw, "the second copy is stored too"


def test_one_message_sent_to_two_reply_addresses_counts_for_each(
    ncg, secretariat, member, welsh_member
):
    """A mail server delivers a message with two of our addresses twice: one per address."""
    first_circulation = make_circulation(ncg, secretariat, [member])
    second_circulation = make_circulation(ncg, secretariat, [member])
    raw = simple_reply(first_circulation, member, message_id="<both@example.org>")
    to_first = b"Delivered-To: " + reply_address(first_circulation, member).encode() + b"\r\n"
    to_second = b"Delivered-To: " + reply_address(second_circulation, member).encode() + b"\r\n"
    one = receive_message(to_first + raw, source=Source.PIPE)
    two = receive_message(to_second + raw, source=Source.PIPE)
    one.refresh_from_db()
    two.refresh_from_db()
    assert (one.status, two.status) == (Status.ACCEPTED, Status.ACCEPTED)
    assert (one.circulation, two.circulation) == (first_circulation, second_circulation)


def test_a_bounce_is_recorded_even_before_the_outbox_can_take_it(
    ncg, circulation, member, welsh_member, monkeypatch
):
    """With no ncg_portal.deliveries module (ImportError), a DSN is still recorded as a bounce."""
    monkeypatch.setitem(sys.modules, "ncg_portal.deliveries", None)
    outgoing = OutgoingMail.objects.create(
        kind="meeting_written_procedure",
        to_email="ann.former-member@example.net",
        subject="Papers",
        body_text="Papers",
        status=OutgoingMail.Status.SENT,
    )
    raw = corpus_message(
        "bounce_dsn_postfix.eml",
        circulation=circulation,
        sender=member,
        other=welsh_member,
        outgoing_message_id=outgoing.message_id,
    )
    message = receive_message(raw, source=Source.PIPE)
    message.refresh_from_db()
    outgoing.refresh_from_db()
    assert message.status == Status.BOUNCE
    assert outgoing.status == OutgoingMail.Status.SENT


# --- The mail-server pipe: manage.py receive_email ------------------------------------------------


def database_url(port=None, name=None):
    settings = connection.settings_dict
    user = settings["USER"] or "postgres"
    host = settings["HOST"] or "127.0.0.1"
    return f"postgres://{user}@{host}:{port or settings['PORT'] or 5432}/{name or settings['NAME']}"


def closed_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run_manage(*args, stdin=b"", database=None, **kwargs):
    env = {**os.environ, "DATABASE_URL": database or database_url()}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        input=stdin,
        capture_output=True,
        cwd=ROOT,
        env=env,
        timeout=120,
        **kwargs,
    )


@pytest.mark.django_db(transaction=True)
def test_receive_email_stores_the_message_from_stdin_and_exits_0_silently(circulation, member):
    raw = simple_reply(circulation, member)
    result = run_manage("receive_email", stdin=raw)
    assert (result.returncode, result.stdout, result.stderr) == (0, b"", b"")
    message = InboundMessage.objects.get()
    assert (message.source, message.status, bytes(message.raw)) == (
        Source.PIPE,
        Status.ACCEPTED,
        raw,
    )


@pytest.mark.django_db(transaction=True)
def test_receive_email_exits_0_for_a_held_message_and_says_so_with_v2(circulation, member):
    raw = simple_reply(circulation, member).replace(
        member.email.encode(), b"someone@elsewhere.example"
    )
    result = run_manage("receive_email", "-v2", stdin=raw)
    assert result.returncode == 0
    message = InboundMessage.objects.get()
    assert message.status == Status.HELD
    assert result.stdout.decode().startswith(f"Stored {message.uid}: held (sent from an address")


def test_receive_email_exits_75_when_the_database_cannot_be_reached():
    result = run_manage(
        "receive_email",
        stdin=b"From: a@example.org\r\n\r\nHello\r\n",
        database=database_url(port=closed_port()),
    )
    assert result.returncode == 75, result.stderr
    assert result.stdout == b""
    assert b"try again later" in result.stderr


def test_receive_email_exits_65_on_empty_input():
    result = run_manage("receive_email", stdin=b"")
    assert result.returncode == 65


# --- The Maildir poller: manage.py poll_maildir -----------------------------------------------


def make_maildir(path, *messages):
    box = mailbox.Maildir(path, create=True)
    for raw in messages:
        box.add(raw)
    return box


def test_poll_maildir_stores_new_messages_then_moves_them_to_cur_as_seen(
    circulation, member, welsh_member, tmp_path
):
    first = simple_reply(circulation, member)
    second = simple_reply(circulation, welsh_member, body="Cytuno")
    make_maildir(tmp_path / "Maildir", first, second)

    call_command("poll_maildir", str(tmp_path / "Maildir"), "--once")

    assert os.listdir(tmp_path / "Maildir" / "new") == []
    seen = os.listdir(tmp_path / "Maildir" / "cur")
    assert len(seen) == 2 and all(name.endswith(":2,S") for name in seen)
    stored = InboundMessage.objects.order_by("pk")
    assert {bytes(m.raw) for m in stored} == {first, second}
    assert {m.source for m in stored} == {Source.MAILDIR}
    assert {m.status for m in stored} == {Status.ACCEPTED}
    # Read once: a second poll finds nothing new.
    call_command("poll_maildir", str(tmp_path / "Maildir"), "--once")
    assert InboundMessage.objects.count() == 2


def test_poll_maildir_leaves_a_message_in_new_when_it_cannot_be_stored(
    circulation, member, tmp_path, monkeypatch
):
    from meetings.management.commands import poll_maildir

    def database_down(raw, *, source):
        raise OperationalError("connection refused")

    monkeypatch.setattr(poll_maildir, "receive_message", database_down)
    make_maildir(tmp_path / "Maildir", simple_reply(circulation, member))

    with pytest.raises(CommandError) as error:
        call_command("poll_maildir", str(tmp_path / "Maildir"), "--once")

    assert error.value.returncode == 75
    assert len(os.listdir(tmp_path / "Maildir" / "new")) == 1
    assert os.listdir(tmp_path / "Maildir" / "cur") == []


def test_poll_maildir_refuses_a_folder_that_is_not_a_maildir(tmp_path):
    with pytest.raises(CommandError, match="not a Maildir"):
        call_command("poll_maildir", str(tmp_path), "--once")


@pytest.mark.django_db(transaction=True)
def test_poll_maildir_keeps_polling_until_sigterm(circulation, member, tmp_path):
    make_maildir(tmp_path / "Maildir")
    process = subprocess.Popen(
        [
            sys.executable,
            "manage.py",
            "poll_maildir",
            str(tmp_path / "Maildir"),
            "--interval",
            "0.2",
        ],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": database_url()},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        # A message arriving while it runs is picked up on a later poll.
        time.sleep(1)
        mailbox.Maildir(tmp_path / "Maildir").add(simple_reply(circulation, member))
        deadline = time.monotonic() + 60
        while not os.listdir(tmp_path / "Maildir" / "cur") and time.monotonic() < deadline:
            time.sleep(0.1)
        process.send_signal(signal.SIGTERM)
        returncode = process.wait(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
    assert returncode == 0, process.stderr.read()
    assert InboundMessage.objects.get().status == Status.ACCEPTED


# --- The email-service webhook (django-anymail, Postmark's inbound with the raw message) ------

WEBHOOK_SECRET = "postmark:a-long-random-webhook-password"


@pytest.fixture
def webhook_urls(settings, monkeypatch):
    """ncg_portal/urls.py loaded afresh with a webhook secret set, as a deployment with
    ANYMAIL_WEBHOOK_SECRET would load it (the admin login it wraps is put back afterwards)."""
    settings.ANYMAIL = {"WEBHOOK_SECRET": WEBHOOK_SECRET}
    monkeypatch.setattr(admin.site, "login", admin.site.login)
    name = "ncg_portal.urls_with_webhook_secret"
    spec = importlib.util.spec_from_file_location(name, ncg_portal.urls.__file__)
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, name, module)
    spec.loader.exec_module(module)
    settings.ROOT_URLCONF = name


def postmark_inbound(raw, *, auth=WEBHOOK_SECRET):
    """A Postmark inbound webhook post, with "Include raw email content" on."""
    text = raw.decode("utf-8")
    payload = {
        "FromName": "Owen Evans",
        "MessageStream": "inbound",
        "From": "owen@example.org",
        "Subject": "Re: Papers for comment",
        "Headers": [{"Name": "Return-Path", "Value": "<owen@example.org>"}],
        "MessageID": "22c74902-a0c1-4511-804f-341342852c90",
        "Date": "Wed, 11 Nov 2026 10:00:00 +0000",
        "RawEmail": text,
    }
    headers = {}
    if auth:
        headers["HTTP_AUTHORIZATION"] = "Basic " + base64.b64encode(auth.encode()).decode()
    return json.dumps(payload), headers


def test_the_webhook_stores_and_reads_the_raw_message_posted_by_the_email_service(
    client, webhook_urls, circulation, member
):
    body, headers = postmark_inbound(simple_reply(circulation, member, body="Agree\n\nGood plan."))
    response = client.post(
        "/anymail/postmark/inbound/", body, content_type="application/json", **headers
    )
    assert response.status_code == 200
    message = InboundMessage.objects.get()
    assert (message.source, message.status) == (Source.WEBHOOK, Status.ACCEPTED)
    comment = Comment.objects.get(inbound_message=message)
    assert (comment.position, comment.body, comment.person) == ("agree", "Good plan.", member)


def test_the_webhook_refuses_a_post_without_the_secret(client, webhook_urls, circulation, member):
    body, headers = postmark_inbound(
        simple_reply(circulation, member), auth="postmark:wrong-password"
    )
    response = client.post(
        "/anymail/postmark/inbound/", body, content_type="application/json", **headers
    )
    assert response.status_code == 400
    assert not InboundMessage.objects.exists()


def test_without_a_webhook_secret_there_is_no_webhook_at_all(client, settings, circulation, member):
    assert not settings.ANYMAIL["WEBHOOK_SECRET"]
    body, headers = postmark_inbound(simple_reply(circulation, member), auth="")
    response = client.post("/anymail/postmark/inbound/", body, content_type="application/json")
    assert response.status_code == 404
    assert not InboundMessage.objects.exists()


def test_the_circulation_deadline_passing_keeps_replies_within_the_grace_period(
    circulation, member, settings
):
    Circulation.objects.filter(pk=circulation.pk).update(
        deadline=timezone.now() - datetime.timedelta(days=settings.REPLY_TOKEN_GRACE_DAYS - 1)
    )
    message = receive_message(simple_reply(circulation, member), source=Source.PIPE)
    message.refresh_from_db()
    assert message.status == Status.ACCEPTED
    assert Comment.objects.get(inbound_message=message).is_late


def test_the_webhook_takes_a_reply_larger_than_djangos_usual_request_limit(
    client, webhook_urls, circulation, member, settings, tmp_path
):
    """A 6 MB reply (an attachment) is stored and read, not refused before it is stored."""
    import base64
    from email.message import EmailMessage

    settings.MEDIA_ROOT = tmp_path
    reply = EmailMessage()
    reply["From"] = f"{member.full_name} <{member.email}>"
    reply["To"] = reply_address(circulation, member)
    reply["Subject"] = "Re: papers"
    reply["Message-ID"] = "<big-1@example.org>"
    reply.set_content("Agree\n\nMy notes are attached.")
    pdf = b"%PDF-1.4\n" + base64.b64encode(bytes(range(256)) * 18000) + b"\n%%EOF\n"
    reply.add_attachment(pdf, maintype="application", subtype="pdf", filename="notes.pdf")
    body, headers = postmark_inbound(reply.as_bytes())
    assert len(body) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    response = client.post(
        "/anymail/postmark/inbound/", body, content_type="application/json", **headers
    )
    assert response.status_code == 200
    message = InboundMessage.objects.get()
    assert message.status == Status.ACCEPTED
    comment = Comment.objects.get(inbound_message=message)
    assert [a.original_name for a in comment.attachments.all()] == ["notes.pdf"]
