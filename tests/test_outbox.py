"""Outgoing email: a row per recipient, sent by the worker's task to a real SMTP server."""

import socket

import pytest
from aiosmtpd.controller import Controller
from django.test import override_settings

from members import services
from members.models import Role
from ncg_portal.models import OutgoingMail
from ncg_portal.tasks import send_outgoing_mail

pytestmark = pytest.mark.django_db


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return "250 OK"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    mailers = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": controller.port, "timeout": 5},
        }
    }
    with override_settings(MAILERS=mailers):
        yield inbox
    controller.stop()


@pytest.fixture
def immediate_tasks():
    tasks = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    with override_settings(TASKS=tasks):
        yield


def test_invitation_is_sent_in_welsh_by_the_task(ncg, secretariat, smtp):
    services.invite_person(
        group=ncg,
        invited_by=secretariat,
        email="dafydd@example.org",
        full_name="Dafydd Gibbard",
        role=Role.MEMBER,
        preferred_language="cy",
    )
    mail = OutgoingMail.objects.get()
    assert mail.status == OutgoingMail.Status.QUEUED
    send_outgoing_mail.call(mail.pk)
    mail.refresh_from_db()
    assert mail.status == OutgoingMail.Status.SENT and mail.attempts == 1
    [envelope] = smtp.messages
    assert envelope.rcpt_tos == ["dafydd@example.org"]
    import email
    from email import policy

    message = email.message_from_bytes(envelope.content, policy=policy.default)
    assert message["Content-Language"] == "cy"
    assert "Grŵp Cydlyniant Cenedlaethol" in message["Subject"]
    assert "/cy/invitation/" in message.get_body(("plain",)).get_content()


def test_sending_twice_sends_once(ncg, secretariat, smtp):
    services.invite_person(
        group=ncg, invited_by=secretariat, email="a@example.org", full_name="A", role=Role.MEMBER
    )
    mail = OutgoingMail.objects.get()
    send_outgoing_mail.call(mail.pk)
    assert send_outgoing_mail.call(mail.pk) == "skipped"
    assert len(smtp.messages) == 1


def test_unreachable_server_is_retried_then_marked_failed(ncg, secretariat):
    closed = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": free_port(), "timeout": 2},
        }
    }
    services.invite_person(
        group=ncg, invited_by=secretariat, email="b@example.org", full_name="B", role=Role.MEMBER
    )
    mail = OutgoingMail.objects.get()
    with override_settings(MAILERS=closed):
        for _ in range(OutgoingMail.MAX_ATTEMPTS):
            send_outgoing_mail.call(mail.pk)
    mail.refresh_from_db()
    assert mail.status == OutgoingMail.Status.FAILED
    assert mail.attempts == OutgoingMail.MAX_ATTEMPTS
    assert "Connection" in mail.last_error or "refused" in mail.last_error.lower()


@pytest.mark.django_db(transaction=True)
def test_mail_is_enqueued_only_after_commit(ncg, secretariat, smtp, immediate_tasks):
    services.invite_person(
        group=ncg, invited_by=secretariat, email="c@example.org", full_name="C", role=Role.MEMBER
    )
    assert OutgoingMail.objects.get().status == OutgoingMail.Status.SENT
    assert len(smtp.messages) == 1


def test_meeting_invitation_arrives_with_calendar_attachment(ncg, member, smtp):
    import datetime

    from django.utils import timezone

    from meetings import services as meeting_services
    from meetings.models import Meeting

    start = timezone.now() + datetime.timedelta(days=7)
    meeting = Meeting.objects.create(
        group=ncg,
        title_en="Meeting",
        title_cy="Cyfarfod",
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=1),
        mode="online",
        join_url="https://meet.example.org/a",
    )
    meeting_services.confirm_meeting(meeting=meeting)
    mail = OutgoingMail.objects.get(kind="meeting_invitation")
    assert send_outgoing_mail.call(mail.pk) == "sent"
    import email
    from email import policy

    message = email.message_from_bytes(smtp.messages[0].content, policy=policy.default)
    [part] = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    from icalendar import Calendar

    cal = Calendar.from_ical(part.get_content())
    assert cal["METHOD"] == "REQUEST"
