"""The written procedure: start (from scratch or from a meeting), send, respond online, remind,
close and summarise."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from meetings import services, uploads
from meetings import written_procedure as wp
from meetings.models import Circulation, Comment, Meeting
from meetings.reply_tokens import parse_reply_address
from ncg_portal.models import OutgoingMail

from .test_uploads import MINIMAL_PDF

pytestmark = pytest.mark.django_db
DAY = datetime.timedelta(days=1)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def meeting(ncg, secretariat):
    start = timezone.now() + 2 * DAY
    meeting = services.confirm_meeting(
        meeting=Meeting.objects.create(
            group=ncg,
            title_en="Winter meeting",
            title_cy="Cyfarfod y gaeaf",
            starts_at=start,
            ends_at=start + datetime.timedelta(hours=2),
            mode=Meeting.Mode.ONLINE,
            join_url="https://meet.example.org/ncg",
        )
    )
    uploads.create_paper(
        group=ncg,
        meeting=meeting,
        title_en="Data framework",
        title_cy="Fframwaith data",
        reference="NCG(26)02",
        classification="official",
        created_by=secretariat,
        uploaded_file=SimpleUploadedFile("data.pdf", MINIMAL_PDF, "application/pdf"),
    )
    return meeting


@pytest.fixture
def circulation(ncg, meeting, secretariat, member, welsh_member, chair, observer):
    return wp.start_circulation(
        group=ncg,
        created_by=secretariat,
        meeting=meeting,
        subject_en="Data framework",
        subject_cy="Fframwaith data",
        message_en="Please comment on the framework.",
        message_cy="Rhowch sylwadau ar y fframwaith.",
        deadline=timezone.now() + 7 * DAY,
        questions=[("Do you agree with the framework?", "Ydych chi'n cytuno?", True)],
    )


def test_from_a_meeting_its_papers_come_and_the_meeting_moves(circulation, meeting):
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.WRITTEN_PROCEDURE
    assert [p.reference for p in circulation.papers.all()] == ["NCG(26)02"]
    assert circulation.status == Circulation.Status.DRAFT
    assert circulation.recipients.count() == 4  # chair, two members, observer
    assert not OutgoingMail.objects.filter(kind="circulation").exists()  # a draft sends nothing


def test_sending_gives_each_member_their_own_reply_address_in_their_language(
    circulation, secretariat, welsh_member, member
):
    wp.open_circulation(circulation=circulation, opened_by=secretariat)
    mails = {m.to_email: m for m in OutgoingMail.objects.filter(kind="circulation")}
    assert len(mails) == 4
    welsh = mails[welsh_member.email]
    assert welsh.subject == "I roi sylwadau: Fframwaith data"
    assert "Rhowch sylwadau ar y fframwaith." in welsh.body_text
    assert "Ydych chi'n cytuno?" in welsh.body_text
    assert "/cy/g/ncg/papers/" in welsh.body_text
    # The line on Welsh correspondence, in both languages, whatever the person's language.
    for mail in mails.values():
        assert "Rydym yn croesawu gohebiaeth yn Gymraeg" in mail.body_text
        assert "We welcome correspondence in Welsh" in mail.body_text
    circulation_id, person_id = parse_reply_address(welsh.reply_to)
    assert (circulation_id, person_id) == (circulation.pk, welsh_member.pk)
    assert parse_reply_address(mails[member.email].reply_to)[1] == member.pk
    # Small papers travel as attachments too, read from storage when sent.
    assert welsh.attachments[0]["filename"] == "data.pdf"
    assert "storage_name" in welsh.attachments[0]
    with pytest.raises(wp.CirculationError):
        wp.open_circulation(circulation=circulation, opened_by=secretariat)


def test_online_response_is_editable_until_the_deadline_with_history(
    circulation, secretariat, member
):
    wp.open_circulation(circulation=circulation, opened_by=secretariat)
    question = circulation.questions.get()
    paper = circulation.papers.get()
    wp.save_online_response(
        circulation=circulation,
        person=member,
        answers={question.pk: ("agree", "Good work.")},
        paper_comments={paper.pk: "Add a glossary."},
        general="",
    )
    wp.save_online_response(
        circulation=circulation,
        person=member,
        answers={question.pk: ("agree_comments", "Good work, but see my note.")},
        paper_comments={paper.pk: "Add a glossary."},
        general="",
    )
    on_question = Comment.objects.get(person=member, question=question)
    assert on_question.position == "agree_comments"
    assert on_question.history.count() == 2
    assert Comment.objects.filter(person=member).count() == 2
    assert circulation.recipients.get(person=member).responded_at is not None
    Circulation.objects.filter(pk=circulation.pk).update(deadline=timezone.now() - DAY)
    circulation.refresh_from_db()
    with pytest.raises(wp.CirculationError, match="past_deadline"):
        wp.save_online_response(
            circulation=circulation, person=member, answers={}, paper_comments={}, general="x"
        )


def test_reminders_go_to_those_who_have_not_responded_once(
    circulation, secretariat, member, welsh_member
):
    wp.open_circulation(circulation=circulation, opened_by=secretariat)
    wp.save_online_response(
        circulation=circulation,
        person=member,
        answers={},
        paper_comments={},
        general="",
        no_comment=True,
    )
    assert wp.send_reminders(circulation=circulation) == 3
    assert wp.send_reminders(circulation=circulation) == 0  # the automatic one goes once
    reminded = set(
        OutgoingMail.objects.filter(kind="circulation_reminder").values_list("to_email", flat=True)
    )
    assert member.email not in reminded and welsh_member.email in reminded
    # The secretariat may ask again.
    assert wp.send_reminders(circulation=circulation, sent_by=secretariat) == 3


@pytest.mark.parametrize("silence_agrees", [False, True])
def test_summary_counts_positions_and_shows_silence_as_the_rule_says(
    ncg, circulation, secretariat, member, welsh_member, chair, silence_agrees
):
    ncg.silence_is_agreement = silence_agrees
    ncg.save()
    wp.open_circulation(circulation=circulation, opened_by=secretariat)
    question = circulation.questions.get()
    wp.save_online_response(
        circulation=circulation,
        person=member,
        answers={question.pk: ("disagree", "Not yet.")},
        paper_comments={},
        general="",
    )
    wp.save_online_response(
        circulation=circulation,
        person=chair,
        answers={question.pk: ("agree", "")},
        paper_comments={},
        general="",
    )
    wp.close_circulation(circulation=circulation)
    circulation.refresh_from_db()
    summary = wp.circulation_summary(circulation)
    counts = dict(summary["questions"][0]["counts"])
    assert counts["Disagree"] == 1
    silent = len(summary["questions"][0]["silent"])
    assert silent == 2  # the Welsh member and the observer
    assert counts["Agree"] == 1 + (silent if silence_agrees else 0)
    assert OutgoingMail.objects.filter(kind="circulation_closed", to_email=chair.email).exists()


@pytest.mark.parametrize("who", ["outsider", "observer", "member", "chair", "secretariat"])
def test_pages_by_visitor(client, request, who, circulation, secretariat):
    client.force_login(request.getfixturevalue(who))
    base = f"/en/g/ncg/circulations/{circulation.pk}/"
    outsider = who == "outsider"
    assert client.get("/cy/g/ncg/circulations/").status_code == (404 if outsider else 200)
    # A draft: only the secretariat.
    assert client.get(base).status_code == (200 if who == "secretariat" else 404)
    assert client.get("/en/g/ncg/circulations/new/").status_code == (
        200 if who == "secretariat" else 404
    )
    wp.open_circulation(circulation=circulation, opened_by=secretariat)
    assert client.get(base).status_code == (404 if outsider else 200)
    assert client.post(base + "remind/").status_code == (302 if who == "secretariat" else 404)
    assert client.get(base + "summary/").status_code == (
        200 if who in ("chair", "secretariat") else 404
    )


def test_member_responds_online_with_an_attachment_and_bad_input_is_refused(
    client, circulation, secretariat, welsh_member
):
    wp.open_circulation(circulation=circulation, opened_by=secretariat)
    client.force_login(welsh_member)
    url = f"/cy/g/ncg/circulations/{circulation.pk}/"
    empty = client.post(url, {})
    assert empty.status_code == 400
    assert "dim sylw" in empty.text.lower()
    assert not Comment.objects.exists()
    question = circulation.questions.get()
    response = client.post(
        url,
        {
            f"position_{question.pk}": "agree",
            f"answer_{question.pk}": "Cytuno'n llwyr.",
            "general": "",
            "attachment": SimpleUploadedFile("nodyn.pdf", MINIMAL_PDF, "application/pdf"),
        },
    )
    assert response.status_code == 302
    comment = Comment.objects.get(person=welsh_member, question=question)
    assert comment.body == "Cytuno'n llwyr." and comment.source == "web"
    assert Comment.objects.get(person=welsh_member, question=None).attachments.count() == 1


def test_reply_address_command_prints_the_persons_address(circulation, welsh_member):
    import io

    from django.core.management import CommandError, call_command

    out = io.StringIO()
    call_command("reply_address", str(circulation.pk), welsh_member.email.upper(), stdout=out)
    assert parse_reply_address(out.getvalue().strip()) == (circulation.pk, welsh_member.pk)
    with pytest.raises(CommandError, match="not a recipient"):
        call_command("reply_address", str(circulation.pk), "nobody@example.org")
    with pytest.raises(CommandError, match="no circulation"):
        call_command("reply_address", "999999", welsh_member.email)


def test_reply_addresses_cannot_be_altered_or_borrowed(circulation, member, welsh_member):
    from meetings.reply_tokens import BadReplyAddress, reply_address

    address = reply_address(circulation, member)
    local, domain = address.split("@")
    assert len(local) <= 64
    assert parse_reply_address(address.upper()) == (circulation.pk, member.pk)
    # Another person's id with this MAC, or one changed letter: refused.
    borrowed = local.replace(f"-p{member.pk}-", f"-p{welsh_member.pk}-") + "@" + domain
    changed = local[:-1] + ("a" if local[-1] != "a" else "b") + "@" + domain
    for bad in (borrowed, changed, f"{local}@elsewhere.example.org", "someone@example.org"):
        with pytest.raises(BadReplyAddress):
            parse_reply_address(bad)


def test_summary_pdf_is_tagged_and_in_the_language(client, circulation, secretariat, chair):
    import io

    import pikepdf

    wp.open_circulation(circulation=circulation, opened_by=secretariat)
    wp.close_circulation(circulation=circulation)
    client.force_login(chair)
    response = client.get(f"/cy/g/ncg/circulations/{circulation.pk}/summary.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    pdf = pikepdf.open(io.BytesIO(response.content))
    assert str(pdf.Root.Lang) == "cy"
    assert pdf.Root.MarkInfo.Marked
    assert str(pdf.docinfo["/Title"]) == "Ymatebion: Fframwaith data"


def test_circulation_page_queries_do_not_grow(client, ncg, circulation, secretariat, member):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    wp.open_circulation(circulation=circulation, opened_by=secretariat)
    question = circulation.questions.get()
    client.force_login(secretariat)
    url = f"/en/g/ncg/circulations/{circulation.pk}/"

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    wp.save_online_response(
        circulation=circulation,
        person=member,
        answers={question.pk: ("agree", "One")},
        paper_comments={},
        general="x",
    )
    few = count()
    for person in circulation.recipients.exclude(person=member).values_list("person", flat=True):
        from members.models import Person

        wp.save_online_response(
            circulation=circulation,
            person=Person.objects.get(pk=person),
            answers={question.pk: ("disagree", "Two")},
            paper_comments={},
            general="y",
        )
    assert count() == few


def _reply_from(sender, to, body, message_id):
    return (
        f"From: {sender}\r\nTo: {to}\r\nSubject: Re: Data framework\r\n"
        f"Message-ID: <{message_id}@mail.example.org>\r\n"
        "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        f"{body}\r\n"
    ).encode()


def test_secretariat_records_or_dismisses_a_held_reply(
    client, circulation, secretariat, member, welsh_member
):
    from meetings.inbound import receive_message
    from meetings.models import InboundMessage
    from meetings.reply_tokens import reply_address

    wp.open_circulation(circulation=circulation, opened_by=secretariat)
    # Sent from a private address the member never registered: held, not counted.
    held = receive_message(
        _reply_from(
            "Councillor <private@home.example.net>",
            reply_address(circulation, member),
            "Agree\r\n\r\nSent from my home account.",
            "held-1",
        ),
        source="pipe",
    )
    other = receive_message(
        _reply_from(
            "Someone <someone@else.example.net>",
            reply_address(circulation, welsh_member),
            "Hello",
            "held-2",
        ),
        source="pipe",
    )
    assert held.status == other.status == InboundMessage.Status.HELD
    assert not Comment.objects.filter(person=member).exists()

    client.force_login(member)
    assert client.post(f"/en/g/ncg/inbound/{held.uid}/release/").status_code == 404
    client.force_login(secretariat)
    page = client.get(f"/en/g/ncg/circulations/{circulation.pk}/")
    assert "Record as their response" in page.text
    assert client.post(f"/en/g/ncg/inbound/{held.uid}/release/").status_code == 302
    held.refresh_from_db()
    assert held.status == InboundMessage.Status.RELEASED
    comment = Comment.objects.get(person=member, source="email")
    assert comment.position == "agree" and comment.inbound_message == held
    assert held.history.first().history_user == secretariat
    assert client.post(f"/en/g/ncg/inbound/{other.uid}/dismiss/").status_code == 302
    other.refresh_from_db()
    assert other.status == InboundMessage.Status.DISMISSED
    assert not Comment.objects.filter(person=welsh_member).exists()
    # Decided once: a second release changes nothing.
    client.post(f"/en/g/ncg/inbound/{held.uid}/release/")
    assert Comment.objects.filter(person=member, source="email").count() == 1
