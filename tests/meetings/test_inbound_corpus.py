"""The inbound email corpus: every message in tests/fixtures/email/ goes through receive_message
and must end as tests/fixtures/email/expected.json says (status, hold reason, the member's words,
position, attachments kept, lateness)."""

import datetime
import json
from pathlib import Path

import pytest
from allauth.account.models import EmailAddress
from django.utils import timezone

from meetings.inbound import receive_message
from meetings.models import Circulation, CirculationRecipient, Comment, InboundMessage
from meetings.reply_tokens import reply_address
from ncg_portal.models import OutgoingMail

CORPUS = Path(__file__).resolve().parent.parent / "fixtures" / "email"
MANIFEST = json.loads((CORPUS / "expected.json").read_text("utf-8"))
CASES = sorted(name for name in MANIFEST if not name.startswith("_"))


def make_circulation(group, created_by, recipients, *, deadline_days=7):
    circulation = Circulation.objects.create(
        group=group,
        subject_en="Papers for comment: Regional consortia transition plan",
        subject_cy="Papurau i roi sylwadau arnynt: Cynllun pontio'r consortia rhanbarthol",
        message_en="Please comment on the papers.",
        message_cy="Rhowch sylwadau ar y papurau.",
        deadline=timezone.now() + datetime.timedelta(days=deadline_days),
        status=Circulation.Status.OPEN,
        opened_at=timezone.now() - datetime.timedelta(days=10),
        created_by=created_by,
    )
    for person in recipients:
        CirculationRecipient.objects.create(
            circulation=circulation, person=person, sent_at=circulation.opened_at
        )
    return circulation


def altered(address):
    """The reply address with the last character of its MAC changed."""
    local, _, domain = address.partition("@")
    last = "a" if local[-1] != "a" else "b"
    return f"{local[:-1]}{last}@{domain}"


def fill(raw, **values):
    for name, value in values.items():
        raw = raw.replace(b"{{" + name.encode() + b"}}", value.encode())
    return raw


def corpus_message(name, *, circulation, sender, other, outgoing_message_id=""):
    raw = (CORPUS / name).read_bytes()
    address = reply_address(circulation, sender)
    return fill(
        raw,
        reply_to=address,
        member_email=sender.email,
        other_reply_to=reply_address(circulation, other),
        altered_reply_to=altered(address),
        outgoing_message_id=outgoing_message_id,
    )


def test_every_fixture_has_an_expected_outcome_and_there_are_at_least_30():
    files = {path.name for path in CORPUS.glob("*.eml")}
    assert files == set(CASES)
    assert len(files) >= 30


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.mark.parametrize("name", CASES)
def test_corpus_message_ends_as_expected(
    name, ncg, member, welsh_member, secretariat, settings, media
):
    expected = MANIFEST[name]
    for setting, value in expected.get("settings", {}).items():
        setattr(settings, setting, value)
    sender, other = (
        (welsh_member, member)
        if expected.get("person") == "welsh_member"
        else (member, welsh_member)
    )
    circulation = make_circulation(
        ncg, secretariat, [member, welsh_member], deadline_days=expected.get("deadline_days", 7)
    )
    for address in expected.get("verified_addresses", []):
        EmailAddress.objects.create(user=sender, email=address, verified=True)
    for address in expected.get("unverified_addresses", []):
        EmailAddress.objects.create(user=sender, email=address, verified=False)
    outgoing = OutgoingMail.objects.create(
        kind="meeting_written_procedure",
        group=ncg,
        to_email="ann.former-member@example.net",
        subject="Papers for comment",
        body_text="Please comment.",
        status=OutgoingMail.Status.SENT,
    )
    raw = corpus_message(
        name,
        circulation=circulation,
        sender=sender,
        other=other,
        outgoing_message_id=outgoing.message_id,
    )

    message = receive_message(raw, source=InboundMessage.Source.PIPE)
    if expected.get("deliver_twice"):
        first = message
        message = receive_message(raw, source=InboundMessage.Source.PIPE)
        first.refresh_from_db()
        assert first.status == InboundMessage.Status.ACCEPTED, first.hold_reason
    message.refresh_from_db()

    assert bytes(message.raw) == raw, "stored exactly as received"
    assert message.size == len(raw)
    assert message.status == expected["status"], message.hold_reason
    assert expected.get("hold_reason", "") in message.hold_reason

    comments = list(Comment.objects.filter(inbound_message=message))
    if expected["status"] != "accepted":
        assert comments == []
        # A duplicate's first copy was recorded; nothing else was.
        recorded = 1 if expected.get("deliver_twice") else 0
        assert Comment.objects.filter(circulation=circulation).count() == recorded
    else:
        [comment] = comments
        assert (message.circulation, message.person) == (circulation, sender)
        assert (comment.circulation, comment.person) == (circulation, sender)
        assert comment.source == Comment.Source.EMAIL
        assert comment.position == expected.get("position", comment.position)
        if "body" in expected:
            assert comment.body == expected["body"]
        for text in expected.get("body_contains", []):
            assert text in comment.body, comment.body
        for text in expected.get("body_not_contains", []):
            assert text not in comment.body, comment.body
        at = 0
        for text in expected.get("body_in_order", []):
            found = comment.body.find(text, at)
            assert found >= 0, f"{text!r} not found in order in {comment.body!r}"
            at = found + len(text)
        assert comment.is_late == expected.get("late", False)
        kept = sorted(a.original_name for a in comment.attachments.all())
        assert kept == sorted(expected.get("attachments", []))

    outgoing.refresh_from_db()
    if expected.get("outgoing_bounced"):
        assert outgoing.status == OutgoingMail.Status.BOUNCED
        assert "5.1.1" in outgoing.last_error
    else:
        assert outgoing.status == OutgoingMail.Status.SENT
