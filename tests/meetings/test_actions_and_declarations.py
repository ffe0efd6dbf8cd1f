import datetime

import pytest
from django.utils import timezone

from meetings import services
from meetings.models import Action, AgendaItem, Attendance, Declaration, Meeting

pytestmark = pytest.mark.django_db


@pytest.fixture
def meeting(ncg):
    start = timezone.now() + datetime.timedelta(days=10)
    return Meeting.objects.create(
        group=ncg,
        title_en="Meeting",
        title_cy="Cyfarfod",
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=2),
        mode="online",
        join_url="https://meet.example.org/a",
    )


def test_member_declares_an_interest_shown_on_the_meeting(as_member, member, meeting):
    item = AgendaItem.objects.create(
        meeting=meeting, position=1, title_en="Budget", title_cy="Cyllideb"
    )
    response = as_member.post(
        f"/en/g/ncg/meetings/{meeting.pk}/declare/",
        {"agenda_item": item.pk, "interest": "I chair a partnership board."},
    )
    assert response.status_code == 302
    declaration = Declaration.objects.get()
    assert declaration.person == member and declaration.agenda_item == item
    assert (
        "I chair a partnership board."
        in as_member.get(f"/cy/g/ncg/meetings/{meeting.pk}/").content.decode()
    )


def test_empty_declaration_stores_nothing(as_member, meeting):
    as_member.post(f"/en/g/ncg/meetings/{meeting.pk}/declare/", {"interest": ""})
    assert not Declaration.objects.exists()


def test_declaration_on_another_meetings_item_is_refused(as_member, ncg, meeting):
    other = Meeting.objects.create(
        group=ncg,
        title_en="Other",
        title_cy="Arall",
        starts_at=meeting.starts_at,
        ends_at=meeting.ends_at,
    )
    item = AgendaItem.objects.create(meeting=other, position=1, title_en="X", title_cy="X")
    as_member.post(
        f"/en/g/ncg/meetings/{meeting.pk}/declare/", {"agenda_item": item.pk, "interest": "x"}
    )
    assert not Declaration.objects.exists()


def test_outsider_and_secretariat_cannot_declare(as_outsider, as_secretariat, meeting):
    assert (
        as_outsider.post(f"/en/g/ncg/meetings/{meeting.pk}/declare/", {"interest": "x"}).status_code
        == 404
    )
    assert (
        as_secretariat.post(
            f"/en/g/ncg/meetings/{meeting.pk}/declare/", {"interest": "x"}
        ).status_code
        == 404
    )


def test_secretariat_adds_action_owner_marks_it_done(as_secretariat, as_member, member, chair):
    response = as_secretariat.post(
        "/en/g/ncg/actions/",
        {"description": "Share the data framework", "owner": member.pk, "due_on": "2020-01-31"},
    )
    assert response.status_code == 302
    action = Action.objects.get()
    assert action.is_overdue
    assert "Overdue" in as_member.get("/en/g/ncg/actions/").content.decode()
    # Someone else's action cannot be closed by a member.
    other = services.add_action(group=action.group, description="Chair's", owner=chair)
    assert as_member.post(f"/en/g/ncg/actions/{other.pk}/", {"status": "done"}).status_code == 404
    assert as_member.post(f"/en/g/ncg/actions/{action.pk}/", {"status": "done"}).status_code == 302
    action.refresh_from_db()
    assert action.status == "done" and action.completed_on == timezone.localdate()


def test_members_cannot_add_actions(as_member, member):
    assert (
        as_member.post("/en/g/ncg/actions/", {"description": "x", "owner": member.pk}).status_code
        == 404
    )
    assert not Action.objects.exists()


def test_action_owner_must_be_a_member(as_secretariat, outsider):
    response = as_secretariat.post("/en/g/ncg/actions/", {"description": "x", "owner": outsider.pk})
    assert response.status_code == 200
    assert not Action.objects.exists()


@pytest.mark.parametrize(
    "who,status",
    [("member", 404), ("observer", 404), ("chair", 200), ("secretariat", 200), ("outsider", 404)],
)
def test_attendance_rates_page_for_chair_and_secretariat(client, request, who, status):
    client.force_login(request.getfixturevalue(who))
    assert client.get("/en/g/ncg/attendance/").status_code == status


def test_attendance_rates_page_shows_rates(as_chair, ncg, member, chair):
    start = timezone.now() - datetime.timedelta(days=30)
    held = Meeting.objects.create(
        group=ncg,
        title_en="Held",
        title_cy="Held",
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=1),
        status=Meeting.Status.HELD,
    )
    Attendance.objects.create(meeting=held, person=member, attended="online")
    html = as_chair.get("/cy/g/ncg/attendance/").content.decode()
    assert "100%" in html and "0%" in html
    assert as_chair.get("/en/g/ncg/attendance/", {"start": "bad"}).status_code == 200
