import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from meetings import services
from meetings.models import Meeting
from meetings.uploads import add_paper_version, create_paper

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n%%EOF\n"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def paper(ncg, secretariat):
    start = timezone.now() + datetime.timedelta(days=5)
    meeting = Meeting.objects.create(
        group=ncg,
        title_en="Next",
        title_cy="Nesaf",
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=1),
    )
    return create_paper(
        group=ncg,
        meeting=meeting,
        title_en="Data framework",
        reference="NCG(26)01",
        classification="official",
        created_by=secretariat,
        uploaded_file=SimpleUploadedFile("a.pdf", PDF),
    )


def test_unopened_paper_listed_until_opened_and_again_for_a_new_version(
    as_member, paper, secretariat
):
    assert "Data framework" in as_member.get("/en/g/ncg/").content.decode()
    as_member.get(f"/en/g/ncg/papers/{paper.current_version.pk}/download/")
    assert "Data framework" not in as_member.get("/en/g/ncg/").content.decode()
    add_paper_version(
        paper=paper, uploaded_file=SimpleUploadedFile("b.pdf", PDF), uploaded_by=secretariat
    )
    assert "Data framework" in as_member.get("/en/g/ncg/").content.decode()


def test_secretariat_sees_who_opened_a_paper(as_member, as_secretariat, paper):
    page = as_secretariat.get(f"/en/g/ncg/meetings/{paper.meeting.pk}/").content.decode()
    assert "Not opened yet" in page
    as_member.get(f"/en/g/ncg/papers/{paper.current_version.pk}/download/")
    page = as_secretariat.get(f"/en/g/ncg/meetings/{paper.meeting.pk}/").content.decode()
    assert "Opened by:" in page and "Owen Evans" in page
    # Members do not see who opened what.
    assert (
        "Opened by:"
        not in as_member.get(f"/en/g/ncg/meetings/{paper.meeting.pk}/").content.decode()
    )


def test_my_actions_on_the_dashboard(as_member, ncg, member, chair):
    services.add_action(
        group=ncg, description="Send the LA data", owner=member, due_on=datetime.date(2020, 1, 1)
    )
    services.add_action(group=ncg, description="Chair writes the letter", owner=chair)
    html = as_member.get("/cy/g/ncg/").content.decode()
    assert "Send the LA data" in html and "Chair writes the letter" not in html


def test_dashboard_warns_of_a_meeting_without_a_quorum(
    ncg, member, chair, welsh_member, as_secretariat, as_chair, as_member
):
    start = timezone.now() + datetime.timedelta(days=2)
    meeting = services.confirm_meeting(
        meeting=Meeting.objects.create(
            group=ncg,
            title_en="Soon",
            title_cy="Cyn bo hir",
            starts_at=start,
            ends_at=start + datetime.timedelta(hours=1),
            mode=Meeting.Mode.ONLINE,
            join_url="https://meet.example.org/ncg",
        )
    )
    services.record_rsvp(meeting=meeting, person=chair, response="in_person")
    link = f"/en/g/ncg/meetings/{meeting.pk}/written-procedure/"
    page = as_secretariat.get("/en/g/ncg/")
    assert "A majority of members has not said they will attend" in page.text
    assert link in page.text
    chair_page = as_chair.get("/en/g/ncg/")
    assert "A majority of members has not said they will attend" in chair_page.text
    assert link not in chair_page.text  # the chair is told; the secretariat acts
    assert "A majority of members" not in as_member.get("/en/g/ncg/").text
    # Once a majority says yes, the warning goes.
    for person in (member, welsh_member):
        services.record_rsvp(meeting=meeting, person=person, response="online")
    assert "A majority of members" not in as_secretariat.get("/en/g/ncg/").text
