"""No header injection through what people type (issue 7): names, meeting and letter titles,
circulation subjects, addresses and attachment names.

The message is checked where it leaves the portal: the bytes a real SMTP server on loopback
(aiosmtpd) receives from the worker's send, and (for the property test) the bytes
build_message() renders. In every case: no header but the ones the portal writes (no Bcc, no
second To), exactly one Subject, on one logical line (folded, never broken), equal to what was
typed with its line breaks made spaces; non-ASCII (Welsh, right-to-left marks) encoded, not lost.
An address holding a line break fails its row at once, sending nothing.
"""

import datetime
import email
import re
from email import policy

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from meetings.models import Meeting
from ncg_portal import outbox
from ncg_portal.mail import queue_mail
from ncg_portal.models import OutgoingMail
from ncg_portal.tasks import send_outgoing_mail
from tests.test_bad_input_forms import SCALE, nasty_text
from tests.test_outbox_reliability import Inbox, mailers_for, start_smtp

pytestmark = pytest.mark.django_db

Status = OutgoingMail.Status
INJECTIONS = [
    "Hello\r\nBcc: evil@example.org",
    "Hello\nBcc: evil@example.org",
    "Hello\rBcc: evil@example.org",
    "Hello\r\n\r\n<html>body</html>",
    "Hello\u2028Bcc: evil@example.org",
    "Hello\x85Bcc: evil@example.org",
    "=?utf-8?q?Hello=0D=0ABcc=3A_evil=40example=2Eorg?=",
    "Cyfarfod y Grŵp \u202eevil\u202c ŵ ŷ",
    "x" * 2000,
]
PORTAL_HEADERS = {
    "subject",
    "from",
    "to",
    "reply-to",
    "message-id",
    "auto-submitted",
    "content-language",
    "date",
    "mime-version",
    "content-type",
    "content-transfer-encoding",
}


@pytest.fixture
def smtp(settings):
    inbox = Inbox()
    controller = start_smtp(inbox)
    settings.MAILERS = mailers_for(controller.port)
    yield inbox
    controller.stop()


def one_line(text):
    return " ".join(text.split())


def typed_in(typed, subject):
    """What was typed is in the subject the recipient reads, line breaks made spaces. (Text
    that is itself an RFC 2047 encoded word is read as one: the email package decodes it when
    the header is set, then encodes it again, so it stays inside the one header.)"""
    if "=?" in typed:
        return True
    return one_line(typed) in subject


def check_headers(raw, *, subject=None, to=None):
    """The message's own headers are the portal's, one Subject, on one logical line."""
    head = raw.split(b"\r\n\r\n", 1)[0] if b"\r\n\r\n" in raw else raw.split(b"\n\n", 1)[0]
    lines = head.replace(b"\r\n", b"\n").split(b"\n")
    names = [line.split(b":", 1)[0].decode().lower() for line in lines if line[:1] not in b" \t"]
    assert set(names) <= PORTAL_HEADERS, set(names) - PORTAL_HEADERS
    assert names.count("subject") == 1 and names.count("to") == 1
    assert "bcc" not in names and "cc" not in names
    for line in lines:
        assert b"\r" not in line and len(line) <= 998
    message = email.message_from_bytes(raw, policy=policy.default)
    if subject is not None:
        assert message["Subject"] == subject
    if to is not None:
        assert [a.addr_spec for a in message["To"].addresses] == [to]
    return message


# --- Through the portal's own writes, to a real SMTP server ------------------------------------


def sent(smtp, mail):
    assert send_outgoing_mail.call(mail.pk) == "sent"
    (envelope,) = [e for e in smtp.messages if mail.message_id.encode() in e.content]
    assert envelope.rcpt_tos == [mail.to_email]
    return envelope.content


@pytest.mark.parametrize("typed", INJECTIONS)
def test_a_meeting_title_cannot_add_a_header(typed, ncg, member, smtp):
    from meetings import services

    starts = timezone.now() + datetime.timedelta(days=9)
    typed = typed[:200]
    meeting = Meeting.objects.create(
        group=ncg,
        title_en=typed,
        title_cy=typed,
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=1),
        mode=Meeting.Mode.ONLINE,
        join_url="https://meet.example.org/x",
    )
    services.confirm_meeting(meeting=meeting)
    mail = OutgoingMail.objects.get(to_email=member.email, kind="meeting_invitation")
    assert "\n" not in mail.subject and "\r" not in mail.subject
    message = check_headers(sent(smtp, mail), to=member.email)
    assert typed_in(typed, message["Subject"])
    assert len(smtp.messages) == 1


@pytest.mark.parametrize("typed", INJECTIONS[:5] + INJECTIONS[8:])
def test_a_letter_title_cannot_add_a_header(typed, ncg, member, chair, secretariat, smtp):
    from advice import services

    typed = typed[:300]
    letter = services.create_letter(
        group=ncg,
        created_by=secretariat,
        texts={
            "title_en": typed,
            "salutation_en": "Dear Cabinet Secretary,",
            "body_en": "Words.",
            "closing_en": "Yours sincerely,",
        },
    )
    services.send_for_review(letter=letter, sent_by=secretariat)
    mail = OutgoingMail.objects.get(to_email=member.email, kind="letter_review")
    message = check_headers(sent(smtp, mail), to=member.email)
    assert typed_in(typed, message["Subject"])
    assert message["Reply-To"].addresses[0].addr_spec.startswith("reply+")


@pytest.mark.parametrize("typed", INJECTIONS[:5] + INJECTIONS[8:])
def test_a_circulation_subject_cannot_add_a_header(typed, ncg, member, secretariat, smtp):
    from meetings import written_procedure as wp

    typed = typed[:200]
    circulation = wp.start_circulation(
        group=ncg,
        created_by=secretariat,
        subject_en=typed,
        subject_cy=typed,
        message_en="Please comment.\r\nBcc: evil@example.org",
        message_cy="Rhowch sylwadau.",
        deadline=timezone.now() + datetime.timedelta(days=7),
    )
    wp.open_circulation(circulation=circulation, opened_by=secretariat)
    mail = OutgoingMail.objects.get(to_email=member.email, kind="circulation")
    message = check_headers(sent(smtp, mail), to=member.email)
    assert typed_in(typed, message["Subject"])


@pytest.mark.parametrize("typed", INJECTIONS[:5])
def test_a_persons_name_is_never_a_header(typed, ncg, secretariat, smtp):
    """Names go in the words of an email, never in its headers: an invitation to someone whose
    name holds a header goes to their address alone."""
    from members import services
    from members.models import Role

    services.invite_person(
        group=ncg,
        invited_by=secretariat,
        email="nia@example.org",
        full_name=typed,
        role=Role.MEMBER,
    )
    mail = OutgoingMail.objects.get(to_email="nia@example.org")
    raw = sent(smtp, mail)
    check_headers(raw, subject=mail.subject, to="nia@example.org")
    assert b"evil@example.org" not in raw.split(b"\r\n\r\n", 1)[0]


@pytest.mark.parametrize(
    "field, address",
    [
        ("to_email", "owen@example.org\r\nBcc: evil@example.org"),
        ("to_email", "owen@example.org\nBcc: evil@example.org"),
        ("to_email", "Owen\r\n <owen@example.org>"),
        ("reply_to", "reply+x@replies.example.org\r\nBcc: evil@example.org"),
        ("reply_to", "reply+x@replies.example.org\u2028Bcc: evil@example.org"),
    ],
)
def test_an_address_with_a_line_break_fails_at_once_and_sends_nothing(field, address, ncg, smtp):
    values = {"to_email": "owen@example.org", "reply_to": "", field: address}
    mail = queue_mail(kind="account_unknown_account", context={}, group=ncg, **values)
    assert send_outgoing_mail.call(mail.pk) == "failed"
    mail.refresh_from_db()
    assert mail.status == Status.FAILED and mail.attempts == 1
    assert "line break" in mail.last_error
    assert smtp.messages == []


def test_an_attachment_name_cannot_add_a_header(ncg, smtp):
    mail = queue_mail(
        kind="account_unknown_account",
        to_email="owen@example.org",
        context={},
        group=ncg,
        attachments=[
            {
                "filename": "notes\r\nBcc: evil@example.org\u202etxt.exe",
                "content_type": "text/plain",
                "content": "Nodyn",
            }
        ],
    )
    raw = sent(smtp, mail)
    message = check_headers(raw)
    (part,) = list(message.iter_attachments())
    assert part.get_filename() == "notesBcc: evil@example.orgtxt.exe"
    assert b"\nBcc:" not in raw


# --- Any subject at all -------------------------------------------------------------------------


@settings(
    max_examples=40 * SCALE,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    typed=st.one_of(
        nasty_text,
        st.sampled_from([*INJECTIONS, "Hello\x00Bcc: evil@example.org", "\x07\x1b[31m"]),
        st.text(max_size=300),
    )
)
def test_any_subject_renders_as_one_header_line(typed, db):
    """Whatever a circulation's subject holds, the subject queue_mail writes is one line and the
    message build_message renders has exactly the portal's headers."""
    from django.db import transaction

    with transaction.atomic():
        mail = queue_mail(
            kind="circulation",
            to_email="owen@example.org",
            context={"circulation": {"subject": typed}},
            reply_to="reply+x@replies.example.org",
        )
        assert not re.search(r"[\x00-\x1f\x7f\x85\u2028\u2029]", mail.subject)
        raw = outbox.build_message(mail).message().as_bytes()
        message = check_headers(raw, to="owen@example.org")
        assert "=?" in typed or message["Subject"] == mail.subject
        transaction.set_rollback(True)
