# ruff: noqa: F811 (pytest fixtures imported from other test modules are used as arguments)
"""The letter's way through review, approval with a second factor, and issue: comments by email
reply, the code from the chair's authenticator app, the letter emailed with its PDFs to a real
SMTP server, and the meetings and circulations the chair sees beside the editor."""

import email
import io
from email import policy

import pikepdf
import pytest
from allauth.mfa.models import Authenticator
from django.core.files.uploadedfile import SimpleUploadedFile

from advice import services
from advice.models import Letter, LetterComment
from advice.pdf import letter_filename
from meetings import written_procedure as wp
from meetings.inbound import receive_message
from meetings.models import InboundMessage
from meetings.reply_tokens import letter_reply_address, parse_reply_target, reply_address
from ncg_portal.models import OutgoingMail
from ncg_portal.tasks import send_outgoing_mail
from tests.conftest import totp_code
from tests.meetings.test_written_procedure import circulation, meeting  # noqa: F401 (fixtures)
from tests.test_outbox import smtp  # noqa: F401 (fixture)

from .test_letter_pages import form_data
from .test_letters import TEXTS, WELSH

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def letter(ncg, chair, secretariat, member, welsh_member, observer):
    return services.create_letter(group=ncg, created_by=secretariat, texts=TEXTS)


def _reply(sender, to, body, message_id):
    return (
        f"From: {sender}\r\nTo: {to}\r\nSubject: Re: For comment\r\n"
        f"Message-ID: <{message_id}@mail.example.org>\r\n"
        "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        f"{body}\r\n"
    ).encode()


# --- Review: members are emailed, and a reply is their comment ------------------------------------


def test_review_emails_each_member_in_their_language_with_their_own_reply_address(
    letter, secretariat, member, welsh_member, chair, observer
):
    services.save_letter(letter=letter, saved_by=secretariat, texts=WELSH)
    services.send_for_review(letter=letter, sent_by=secretariat)
    mails = {m.to_email: m for m in OutgoingMail.objects.filter(kind="letter_review")}
    assert set(mails) == {member.email, welsh_member.email, chair.email, observer.email}
    welsh = mails[welsh_member.email]
    assert welsh.language == "cy" and "Cyfarfu'r Grŵp" in welsh.body_text
    assert "/cy/g/ncg/letters/" in welsh.body_text
    english = mails[member.email]
    assert "The Group met on 3 November 2025." in english.body_text
    assert "Our advice" in english.body_text and "Keep the three workstreams" in english.body_text
    assert parse_reply_target(english.reply_to) == ("l", letter.pk, member.pk)
    assert english.reply_to != welsh.reply_to


def test_an_email_reply_becomes_the_members_comment_once(letter, secretariat, member):
    services.send_for_review(letter=letter, sent_by=secretariat)
    raw = _reply(
        f"Member <{member.email}>",
        letter_reply_address(letter, member),
        "Please add a line on data.\r\n\r\nOn Mon, the portal wrote:\r\n> Dear Cabinet Secretary,",
        "letter-reply-1",
    )
    message = receive_message(raw, source="pipe")
    assert message.status == InboundMessage.Status.ACCEPTED
    comment = LetterComment.objects.get(letter=letter)
    assert comment.body == "Please add a line on data."
    assert comment.source == "email" and comment.person == member
    assert comment.inbound_message == message and message.letter == letter
    # The mail server delivers it again: counted once.
    assert receive_message(raw, source="pipe").status == InboundMessage.Status.DUPLICATE
    assert LetterComment.objects.filter(letter=letter).count() == 1


def test_a_circulation_address_cannot_be_turned_into_a_letter_address(
    letter,
    circulation,
    member,
):
    circulation_address = reply_address(circulation, member)
    forged = circulation_address.replace(f"+c{circulation.pk}-", f"+l{letter.pk}-")
    message = receive_message(
        _reply(f"Member <{member.email}>", forged, "Hello", "forged-1"), source="pipe"
    )
    assert message.status == InboundMessage.Status.HELD
    assert "altered" in message.hold_reason
    assert not LetterComment.objects.exists()


def test_replies_that_cannot_be_comments_are_held_and_the_secretariat_may_release_them(
    client, letter, secretariat, member, chair
):
    services.send_for_review(letter=letter, sent_by=secretariat)
    held = receive_message(
        _reply(
            "Member <private@home.example.net>",
            letter_reply_address(letter, member),
            "Agree with the letter.",
            "letter-held-1",
        ),
        source="pipe",
    )
    assert held.status == InboundMessage.Status.HELD and held.letter == letter
    assert not LetterComment.objects.exists()
    client.force_login(secretariat)
    page = client.get(f"/en/g/ncg/letters/{letter.pk}/")
    assert "Record as their comment" in page.text and "private@home.example.net" in page.text
    assert client.post(f"/en/g/ncg/inbound/{held.uid}/release/").status_code == 302
    held.refresh_from_db()
    assert held.status == InboundMessage.Status.RELEASED
    assert LetterComment.objects.get().body == "Agree with the letter."

    # Once approved, the letter takes no more comments: a late reply is held with the reason.
    services.approve_letter(letter=letter, approved_by=chair)
    late = receive_message(
        _reply(
            f"Member <{member.email}>",
            letter_reply_address(letter, member),
            "One more thing.",
            "letter-late-1",
        ),
        source="pipe",
    )
    assert late.status == InboundMessage.Status.HELD
    assert "not_in_review" in late.hold_reason
    assert LetterComment.objects.count() == 1


# --- Approval: the chair's code ---------------------------------------------------------------


def test_approval_needs_the_chairs_current_code(client, letter, chair, member, secretariat):
    services.send_for_review(letter=letter, sent_by=secretariat)
    url = f"/cy/g/ncg/letters/{letter.pk}/approve/"
    client.force_login(chair)
    missing = client.post(url)
    assert missing.status_code == 400
    wrong = client.post(url, {"code": "000000"})
    assert wrong.status_code == 400 and "govuk-error-summary" in wrong.text
    letter.refresh_from_db()
    assert letter.status == Letter.Status.REVIEW
    assert client.post(url, {"code": totp_code()}).status_code == 302
    letter.refresh_from_db()
    assert letter.status == Letter.Status.APPROVED and letter.approved_by == chair
    history = client.get(f"/en/g/ncg/letters/{letter.pk}/")
    assert "Approved" in history.text and chair.display_name in history.text
    # Nobody else approves, code or not.
    client.force_login(member)
    assert client.post(url, {"code": totp_code()}).status_code == 404


def test_a_chair_with_only_a_security_key_confirms_on_allauths_page(client, letter, chair):
    Authenticator.objects.filter(user=chair).update(type=Authenticator.Type.WEBAUTHN)
    client.force_login(chair)
    response = client.post(f"/en/g/ncg/letters/{letter.pk}/approve/")
    assert response.status_code == 302
    assert response["Location"].startswith("/en/accounts/reauthenticate/") or (
        "/2fa/reauthenticate/" in response["Location"]
    )
    letter.refresh_from_db()
    assert letter.status == Letter.Status.DRAFT


# --- Issue: emailed with the PDFs, kept as the record -----------------------------------------


def test_issuing_emails_the_addressee_the_pdfs_and_keeps_them(
    client,
    letter,
    chair,
    secretariat,
    ncg,
    smtp,
):
    ncg.advises_email = "cabinet.secretary@gov.example"
    ncg.save()
    services.save_letter(letter=letter, saved_by=secretariat, texts=WELSH)
    services.approve_letter(letter=letter, approved_by=chair)
    client.force_login(secretariat)
    page = client.get(f"/en/g/ncg/letters/{letter.pk}/")
    assert 'value="cabinet.secretary@gov.example"' in page.text
    bad = client.post(f"/en/g/ncg/letters/{letter.pk}/issue/", {"to_email": "not an address"})
    assert bad.status_code == 400 and "Enter an email address" in bad.text
    letter.refresh_from_db()
    assert letter.status == Letter.Status.APPROVED and not OutgoingMail.objects.exists()

    response = client.post(
        f"/en/g/ncg/letters/{letter.pk}/issue/", {"to_email": "private.office@gov.example"}
    )
    assert response.status_code == 302
    letter.refresh_from_db()
    assert letter.status == Letter.Status.ISSUED
    assert letter.issued_to == "private.office@gov.example" and letter.issued_by == secretariat
    assert letter.issued_pdf_en.name.endswith("-en.pdf")
    assert letter.issued_pdf_cy.name.endswith("-cy.pdf")

    send_outgoing_mail.call(letter.issued_mail.pk)
    [envelope] = smtp.messages
    assert envelope.rcpt_tos == ["private.office@gov.example"]
    message = email.message_from_bytes(envelope.content, policy=policy.default)
    assert "Grŵp Cydlyniant Cenedlaethol" in message["Subject"]
    assert "National Coherence Group" in message["Subject"]
    assert message["Reply-To"] == secretariat.email
    pdfs = {
        part.get_filename(): part.get_content()
        for part in message.iter_attachments()
        if part.get_content_type() == "application/pdf"
    }
    english, welsh = letter_filename(letter, "en"), letter_filename(letter, "cy")
    assert sorted(pdfs) == sorted([english, welsh])
    with letter.issued_pdf_en.open("rb") as kept:
        assert pdfs[english] == kept.read()
    welsh_pdf = pikepdf.open(io.BytesIO(pdfs[welsh]))
    assert str(welsh_pdf.Root.Lang) == "cy"

    # Issued is final: no second issue, no more edits.
    again = client.post(
        f"/en/g/ncg/letters/{letter.pk}/issue/", {"to_email": "x@gov.example"}, follow=True
    )
    assert "cannot move on" in again.text
    assert OutgoingMail.objects.filter(kind="letter_issued").count() == 1
    assert client.get(f"/en/g/ncg/letters/{letter.pk}/edit/").status_code == 404


def test_only_the_chair_and_secretariat_issue_and_only_an_approved_letter(
    client, letter, chair, member
):
    client.force_login(member)
    services.send_for_review(letter=letter, sent_by=chair)
    data = {"to_email": "private.office@gov.example"}
    assert client.post(f"/en/g/ncg/letters/{letter.pk}/issue/", data).status_code == 404
    client.force_login(chair)
    client.post(f"/en/g/ncg/letters/{letter.pk}/issue/", data)
    letter.refresh_from_db()
    assert letter.status == Letter.Status.REVIEW and not letter.issued_at


# --- Drafting beside the sources ----------------------------------------------------------------


def test_drafting_from_a_circulation_shows_its_summary_beside_the_editor(
    client,
    ncg,
    circulation,
    secretariat,
    member,
    chair,
    other_group,
):
    wp.open_circulation(circulation=circulation, opened_by=secretariat)
    wp.save_online_response(
        circulation=circulation,
        person=member,
        answers={circulation.questions.get().pk: ("agree", "Rural schools need the data first.")},
        paper_comments={},
        general="",
    )
    client.force_login(chair)
    page = client.get(f"/en/g/ncg/letters/new/?circulation={circulation.pk}")
    assert page.status_code == 200
    assert "Rural schools need the data first." in page.text
    assert "1 of 4 responded" in page.text
    assert f'value="{circulation.pk}" checked' in page.text
    # Another group's circulation is not offered, and cannot be posted.
    data = {
        "letter_date": "2026-01-10",
        "addressee_en": ncg.advises_en,
        "signatory_name": chair.display_name,
        "signatory_role_en": "Chair",
        **TEXTS,
        "circulations": [circulation.pk],
    }
    response = client.post("/en/g/ncg/letters/new/", data)
    assert response.status_code == 302
    letter = Letter.objects.get()
    assert list(letter.circulations.all()) == [circulation]
    assert (
        "Rural schools need the data first." in client.get(f"/en/g/ncg/letters/{letter.pk}/").text
    )


def test_another_groups_meeting_cannot_be_linked(client, letter, chair, other_group):
    from meetings.models import Meeting

    theirs = Meeting.objects.create(
        group=other_group,
        title_en="Their meeting",
        title_cy="Eu cyfarfod",
        starts_at="2025-10-01T10:00Z",
        ends_at="2025-10-01T12:00Z",
    )
    client.force_login(chair)
    response = client.post(
        f"/en/g/ncg/letters/{letter.pk}/edit/", form_data(letter, meetings=[theirs.pk])
    )
    assert response.status_code == 200 and "Select only meetings of this group." in response.text
    assert not letter.meetings.exists()


# --- The signature image ------------------------------------------------------------------------


def _png():
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (240, 60), "white").save(out, format="PNG")
    return out.getvalue()


def test_a_signature_image_is_checked_and_shown_in_the_pdf(client, letter, chair):
    client.force_login(chair)
    url = f"/en/g/ncg/letters/{letter.pk}/edit/"
    fake = SimpleUploadedFile("signature.png", b"#!/bin/sh\necho not an image\n", "image/png")
    refused = client.post(url, {**form_data(letter), "signature": fake})
    assert refused.status_code == 200 and "PNG or JPEG" in refused.text
    letter.refresh_from_db()
    assert not letter.signature

    real = SimpleUploadedFile("signature.png", _png(), "image/png")
    assert client.post(url, {**form_data(letter), "signature": real}).status_code == 302
    letter.refresh_from_db()
    assert letter.signature
    data = client.get(f"/en/g/ncg/letters/{letter.pk}/letter.pdf").content
    pdf = pikepdf.open(io.BytesIO(data))
    images = [
        obj
        for page in pdf.pages
        for obj in page.get_images().values()
        if obj.Subtype == pikepdf.Name.Image
    ]
    assert len(images) == 1
    # The figure is tagged with its alternative text, for screen readers.
    figures = [
        node for node in _walk(pdf.Root.StructTreeRoot) if node.get("/S") == pikepdf.Name.Figure
    ]
    assert figures and str(figures[0].Alt) == f"Signature of {letter.signatory_name}"

    # Removing it takes it out of the letter.
    assert client.post(url, {**form_data(letter), "remove_signature": "on"}).status_code == 302
    letter.refresh_from_db()
    assert not letter.signature


def _figure_alts(pdf):
    return [
        str(node.Alt)
        for node in _walk(pdf.Root.StructTreeRoot)
        if node.get("/S") == pikepdf.Name.Figure
    ]


def test_the_groups_logo_heads_its_letters(client, letter, ncg, secretariat):
    from members.services import update_group_settings

    client.force_login(secretariat)
    settings_url = "/en/g/ncg/settings/"
    data = {"quorum_rule": "majority", "reason": "New letterhead"}
    fake = SimpleUploadedFile("logo.png", b"<svg onload=alert(1)>", "image/png")
    refused = client.post(settings_url, {**data, "logo": fake})
    assert refused.status_code == 200 and "PNG or JPEG" in refused.text
    ncg.refresh_from_db()
    assert not ncg.logo
    logo = SimpleUploadedFile("logo.png", _png(), "image/png")
    assert client.post(settings_url, {**data, "logo": logo}).status_code == 302
    ncg.refresh_from_db()
    assert ncg.logo
    assert "Remove the logo" in client.get(settings_url).text
    pdf = pikepdf.open(io.BytesIO(client.get(f"/en/g/ncg/letters/{letter.pk}/letter.pdf").content))
    assert _figure_alts(pdf) == ["Logo of National Coherence Group"]
    update_group_settings(group=ncg, changed_by=secretariat, reason="Old letterhead", logo="")
    ncg.refresh_from_db()
    assert not ncg.logo


def _walk(node):
    if isinstance(node, pikepdf.Array):
        for item in node:
            yield from _walk(item)
    elif isinstance(node, pikepdf.Dictionary):
        yield node
        if "/K" in node:
            yield from _walk(node.K)
