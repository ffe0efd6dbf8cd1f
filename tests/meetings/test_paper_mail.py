"""Sending a meeting's papers to members: one email per invitee, in their language, with links
that download the paper for a signed-in member; refusals send nothing."""

import datetime
import re

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from meetings.models import Meeting, Paper
from meetings.paper_mail import send_meeting_papers
from meetings.services import MeetingError
from meetings.uploads import add_paper_version, create_paper
from members.models import Group
from ncg_portal.models import OutgoingMail
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n%%EOF\n"
PDF_V2 = b"%PDF-1.4\n% second version\n%%EOF\n"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def make_meeting(group, title_en="Spring meeting", title_cy="Cyfarfod y gwanwyn"):
    start = timezone.now() + datetime.timedelta(days=10)
    return Meeting.objects.create(
        group=group,
        title_en=title_en,
        title_cy=title_cy,
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=2),
        mode=Meeting.Mode.ONLINE,
        join_url="https://meet.example.org/ncg",
    )


def make_paper(meeting, by, *, title_en, title_cy="", reference="", content=PDF):
    return create_paper(
        group=meeting.group,
        meeting=meeting,
        title_en=title_en,
        title_cy=title_cy,
        reference=reference,
        classification=Paper.Classification.OFFICIAL_SENSITIVE,
        created_by=by,
        uploaded_file=SimpleUploadedFile("paper.pdf", content),
    )


@pytest.fixture
def meeting(ncg):
    return make_meeting(ncg)


@pytest.fixture
def invitees(member, welsh_member, observer, chair):
    return {"member": member, "welsh": welsh_member, "observer": observer, "chair": chair}


@pytest.fixture
def papers(meeting, secretariat):
    return [
        make_paper(
            meeting,
            secretariat,
            title_en="Transition update",
            title_cy="Diweddariad ar y pontio",
            reference="NCG(26)01",
        ),
        # No Welsh title: the Welsh email falls back to the English one.
        make_paper(meeting, secretariat, title_en="Data framework", reference="NCG(26)02"),
    ]


def links_in(text):
    return re.findall(r"https?://\S+", text)


def local_path(url):
    assert url.startswith(settings.SITE_URL), url
    return url[len(settings.SITE_URL) :]


# --- The service ----------------------------------------------------------------------------


def test_one_email_per_invitee_in_their_language(meeting, papers, invitees, secretariat):
    mails = send_meeting_papers(
        meeting=meeting, papers=papers, message="Please read before Tuesday.", sent_by=secretariat
    )
    by_email = {mail.to_email: mail for mail in OutgoingMail.objects.filter(kind="meeting_papers")}
    # The chair, members and observers; not the secretariat.
    assert sorted(by_email) == sorted(p.email for p in invitees.values())
    assert len(mails) == 4

    english = by_email[invitees["member"].email]
    assert english.language == "en"
    assert english.subject.startswith("Papers: Spring meeting")
    assert "Please read before Tuesday." in english.body_text
    assert "NCG(26)01 Transition update (OFFICIAL-SENSITIVE)" in english.body_text
    assert "Rhian Officer" in english.body_text
    assert all("/en/g/ncg/" in link for link in links_in(english.body_text))
    assert 'href="' in english.body_html and "Please read before Tuesday." in english.body_html

    welsh = by_email[invitees["welsh"].email]
    assert welsh.language == "cy"
    assert "Cyfarfod y gwanwyn" in welsh.subject
    assert "NCG(26)01 Diweddariad ar y pontio" in welsh.body_text
    assert "NCG(26)02 Data framework" in welsh.body_text  # English when there is no Welsh title
    assert all("/cy/g/ncg/" in link for link in links_in(welsh.body_text))
    assert "Please read before Tuesday." in welsh.body_text


def test_links_download_the_current_version_and_open_the_meeting(
    meeting, papers, invitees, secretariat
):
    add_paper_version(
        paper=papers[0],
        uploaded_file=SimpleUploadedFile("v2.pdf", PDF_V2),
        uploaded_by=secretariat,
    )
    send_meeting_papers(meeting=meeting, papers=papers[:1], message="", sent_by=secretariat)
    for who in ("member", "welsh"):
        person = invitees[who]
        mail = OutgoingMail.objects.get(person=person)
        download, meeting_link = links_in(mail.body_text)
        client = client_for(person)
        response = client.get(local_path(download))
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == PDF_V2
        assert client.get(local_path(meeting_link)).status_code == 200
        # The links need a signed-in member of the group.
        assert client_for(None).get(local_path(download)).status_code == 302


def test_the_links_do_not_open_for_someone_outside_the_group(
    meeting, papers, invitees, secretariat, outsider
):
    send_meeting_papers(meeting=meeting, papers=papers, message="", sent_by=secretariat)
    mail = OutgoingMail.objects.get(person=invitees["member"])
    download = links_in(mail.body_text)[0]
    assert client_for(outsider).get(local_path(download)).status_code == 404


def test_sending_notes_when_each_paper_went_out_with_a_reason(
    meeting, papers, invitees, secretariat
):
    before = timezone.now()
    send_meeting_papers(meeting=meeting, papers=papers[:1], message="", sent_by=secretariat)
    sent, unsent = Paper.objects.get(pk=papers[0].pk), Paper.objects.get(pk=papers[1].pk)
    assert sent.circulated_at >= before and unsent.circulated_at is None
    record = sent.history.first()
    assert record.history_change_reason == "Sent to members by secretariat@example.org"
    assert record.history_user == secretariat


@pytest.mark.parametrize("code", ["no_papers", "wrong_meeting", "other_group", "group_closed"])
def test_refusals_send_nothing(code, ncg, other_group, meeting, papers, invitees, secretariat):
    chosen = papers
    if code == "no_papers":
        chosen = []
    elif code == "wrong_meeting":
        other_meeting = make_meeting(ncg, "Summer meeting", "Cyfarfod yr haf")
        chosen = [papers[0], make_paper(other_meeting, secretariat, title_en="Elsewhere")]
    elif code == "other_group":
        theirs = make_meeting(other_group, "Their meeting", "Eu cyfarfod")
        chosen = [make_paper(theirs, secretariat, title_en="Not ours")]
    elif code == "group_closed":
        Group.objects.filter(pk=ncg.pk).update(status=Group.Status.CLOSED)
    with pytest.raises(MeetingError) as refused:
        send_meeting_papers(meeting=meeting, papers=chosen, message="", sent_by=secretariat)
    assert str(refused.value) == {"other_group": "wrong_meeting"}.get(code, code)
    assert not OutgoingMail.objects.filter(kind="meeting_papers").exists()
    assert not Paper.objects.filter(circulated_at__isnull=False).exists()


def test_no_one_invited_is_refused(meeting, papers, secretariat):
    with pytest.raises(MeetingError, match="no_recipients"):
        send_meeting_papers(meeting=meeting, papers=papers, message="", sent_by=secretariat)
    assert not Paper.objects.filter(circulated_at__isnull=False).exists()


# --- The page -------------------------------------------------------------------------------


def send_url(meeting, lang="en"):
    return f"/{lang}/g/{meeting.group.slug}/meetings/{meeting.pk}/papers/send/"


def test_page_ticks_papers_never_sent_and_says_when_the_others_went(
    as_secretariat, meeting, papers, invitees
):
    Paper.objects.filter(pk=papers[1].pk).update(
        circulated_at=datetime.datetime(2026, 7, 1, 9, 5, tzinfo=datetime.UTC)
    )
    html = as_secretariat.get(send_url(meeting)).content.decode()
    unsent = re.search(rf'<input[^>]*value="{papers[0].pk}"[^>]*>', html).group(0)
    sent = re.search(rf'<input[^>]*value="{papers[1].pk}"[^>]*>', html).group(0)
    assert "checked" in unsent and "checked" not in sent
    assert "NCG(26)01 Transition update – not sent yet" in html
    # London time: 09:05 UTC is 10:05 in July.
    assert "NCG(26)02 Data framework – sent to members on 1 July 2026, 10:05" in html
    assert "4 people invited to the meeting" in html
    assert as_secretariat.get(send_url(meeting, "cy")).status_code == 200


def test_secretariat_sends_from_the_page(as_secretariat, meeting, papers, invitees):
    response = as_secretariat.post(
        send_url(meeting), {"papers": [papers[0].pk], "message": "With the agenda."}
    )
    assert response.status_code == 302
    assert response["Location"].endswith(f"/meetings/{meeting.pk}/")
    assert OutgoingMail.objects.filter(kind="meeting_papers").count() == 4
    page = as_secretariat.get(f"/en/g/ncg/meetings/{meeting.pk}/").content.decode()
    assert "Sent to members on" in page
    assert send_url(meeting) in page


def test_nothing_ticked_is_a_clear_error(as_secretariat, meeting, papers, invitees):
    response = as_secretariat.post(send_url(meeting), {"message": "Hello"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "govuk-error-summary" in html and "Select at least one paper to send." in html
    assert not OutgoingMail.objects.filter(kind="meeting_papers").exists()


def test_forged_paper_of_another_meeting_is_a_clear_error(
    as_secretariat, ncg, other_group, meeting, papers, invitees, secretariat
):
    other_meeting = make_meeting(ncg, "Summer meeting", "Cyfarfod yr haf")
    elsewhere = make_paper(other_meeting, secretariat, title_en="Elsewhere")
    theirs = make_paper(make_meeting(other_group), secretariat, title_en="Not ours")
    for forged in (elsewhere.pk, theirs.pk, "not-a-number"):
        response = as_secretariat.post(send_url(meeting), {"papers": [papers[0].pk, forged]})
        html = response.content.decode()
        assert response.status_code == 200
        assert "Select only papers of this meeting." in html
    assert not OutgoingMail.objects.filter(kind="meeting_papers").exists()
    assert not Paper.objects.filter(circulated_at__isnull=False).exists()


def test_a_meeting_without_papers_offers_to_add_one(as_secretariat, meeting):
    html = as_secretariat.get(send_url(meeting)).content.decode()
    assert "This meeting has no papers yet." in html and "Send the papers" not in html


VISITORS = ["anonymous", "outsider", "observer", "member", "chair", "secretariat"]


@pytest.mark.parametrize("who", VISITORS)
def test_only_the_secretariat_reaches_the_page(request, who, meeting, papers, invitees):
    person = None if who == "anonymous" else request.getfixturevalue(who)
    client = client_for(person)
    get = client.get(send_url(meeting))
    post = client.post(send_url(meeting), {"papers": [papers[0].pk]})
    if who == "anonymous":
        assert get.status_code == post.status_code == 302
        assert "/accounts/login/" in get["Location"]
    elif who == "secretariat":
        assert get.status_code == 200 and post.status_code == 302
    else:
        assert get.status_code == post.status_code == 404
    sent = OutgoingMail.objects.filter(kind="meeting_papers").exists()
    assert sent == (who == "secretariat")


def test_another_groups_meeting_answers_404(as_secretariat, ncg, other_group, secretariat):
    theirs = make_meeting(other_group, "Their meeting", "Eu cyfarfod")
    make_paper(theirs, secretariat, title_en="Not ours")
    # Under the NCG's address, and under the other group's own (the secretariat is not in it).
    assert as_secretariat.get(f"/en/g/ncg/meetings/{theirs.pk}/papers/send/").status_code == 404
    assert as_secretariat.get(send_url(theirs)).status_code == 404


def test_link_to_the_page_only_for_the_secretariat(as_secretariat, as_member, meeting, papers):
    assert (
        send_url(meeting)
        in as_secretariat.get(f"/en/g/ncg/meetings/{meeting.pk}/").content.decode()
    )
    assert (
        send_url(meeting) not in as_member.get(f"/en/g/ncg/meetings/{meeting.pk}/").content.decode()
    )
