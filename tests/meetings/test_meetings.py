import datetime
import zoneinfo

import pytest
from django.utils import timezone
from icalendar import Calendar

from meetings import services
from meetings.models import Attendance, Meeting
from ncg_portal.models import OutgoingMail

pytestmark = pytest.mark.django_db
LONDON = zoneinfo.ZoneInfo("Europe/London")


@pytest.fixture
def meeting(ncg):
    start = timezone.now().astimezone(LONDON).replace(second=0, microsecond=0) + datetime.timedelta(
        days=10
    )
    return Meeting.objects.create(
        group=ncg,
        title_en="Spring meeting",
        title_cy="Cyfarfod y gwanwyn",
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=2),
        mode=Meeting.Mode.HYBRID,
        venue="Cathays Park, Cardiff",
        join_url="https://meet.example.org/ncg",
    )


def move_into_past(meeting, days=20):
    """Let the meeting have happened, without the history a real change would leave."""
    Meeting.objects.filter(pk=meeting.pk).update(
        starts_at=meeting.starts_at - datetime.timedelta(days=days),
        ends_at=meeting.ends_at - datetime.timedelta(days=days),
    )


def ics_of(mail):
    [attachment] = mail.attachments
    return Calendar.from_ical(attachment["content"])


VISITORS = ["outsider", "observer", "member", "chair", "secretariat"]


@pytest.mark.parametrize("who", VISITORS)
def test_meeting_pages_by_visitor(client, request, who, meeting):
    client.force_login(request.getfixturevalue(who))
    group_status = 404 if who == "outsider" else 200
    manage_status = 200 if who == "secretariat" else 404
    assert client.get("/en/g/ncg/meetings/").status_code == group_status
    assert client.get(f"/cy/g/ncg/meetings/{meeting.pk}/").status_code == group_status
    assert client.get("/en/g/ncg/meetings/add/").status_code == manage_status
    assert client.get(f"/en/g/ncg/meetings/{meeting.pk}/edit/").status_code == manage_status
    assert client.get(f"/en/g/ncg/meetings/{meeting.pk}/cancel/").status_code == manage_status
    assert client.post(f"/en/g/ncg/meetings/{meeting.pk}/confirm/").status_code in (
        (302,) if who == "secretariat" else (404,)
    )


def test_anonymous_is_sent_to_sign_in(client, meeting):
    assert "/accounts/login/" in client.get(f"/en/g/ncg/meetings/{meeting.pk}/")["Location"]


def test_join_link_only_for_members(as_member, client, meeting, outsider):
    assert "meet.example.org" in as_member.get(f"/en/g/ncg/meetings/{meeting.pk}/").content.decode()
    assert "meet.example.org" not in client.get("/en/groups/ncg/").content.decode()


def test_add_meeting_in_london_time_across_clock_change(as_secretariat, ncg):
    response = as_secretariat.post(
        "/en/g/ncg/meetings/add/",
        {
            "title_en": "Autumn meeting",
            "title_cy": "Cyfarfod yr hydref",
            "mode": "online",
            "join_url": "https://meet.example.org/x",
            "date": "2026-10-26",  # the Monday after the clocks go back
            "start_time": "10:00",
            "end_time": "12:00",
        },
    )
    assert response.status_code == 302
    meeting = Meeting.objects.get(title_en="Autumn meeting")
    assert meeting.starts_at.astimezone(datetime.UTC).hour == 10  # GMT
    assert meeting.status == Meeting.Status.PLANNED


def test_add_meeting_refuses_bad_input(as_secretariat):
    response = as_secretariat.post(
        "/cy/g/ncg/meetings/add/",
        {
            "title_en": "",
            "mode": "in_person",
            "date": "2026-02-30",
            "start_time": "12:00",
            "end_time": "11:00",
        },
    )
    assert response.status_code == 200
    assert "govuk-error-summary" in response.content.decode()
    assert not Meeting.objects.exists()


def test_confirm_invites_members_with_calendar_request(
    meeting, member, welsh_member, chair, secretariat, observer
):
    services.confirm_meeting(meeting=meeting)
    mails = OutgoingMail.objects.filter(kind="meeting_invitation")
    # Chair, members and observers are invited; the secretariat organises.
    assert sorted(m.to_email for m in mails) == sorted(
        [member.email, welsh_member.email, chair.email, observer.email]
    )
    welsh = mails.get(to_email=welsh_member.email)
    assert welsh.language == "cy" and "Cyfarfod y gwanwyn" in welsh.subject
    cal = ics_of(welsh)
    assert cal["METHOD"] == "REQUEST"
    [event] = cal.walk("VEVENT")
    assert str(event["UID"]).startswith(str(meeting.uid))
    assert Attendance.objects.filter(meeting=meeting).count() == 4


def test_change_after_confirm_raises_sequence_and_cancel_sends_cancel(meeting, member):
    services.confirm_meeting(meeting=meeting)
    services.update_meeting(meeting=meeting, venue="Tŷ Hywel, Cardiff", reason="Room change")
    update = OutgoingMail.objects.get(kind="meeting_updated")
    [event] = ics_of(update).walk("VEVENT")
    assert int(event["SEQUENCE"]) == 1
    services.cancel_meeting(meeting=meeting, reason="Not enough members")
    cancel = OutgoingMail.objects.get(kind="meeting_cancelled")
    cal = ics_of(cancel)
    assert cal["METHOD"] == "CANCEL"
    [event] = cal.walk("VEVENT")
    assert int(event["SEQUENCE"]) == 2
    meeting.refresh_from_db()
    assert meeting.history.first().history_change_reason == "Not enough members"


def test_confirm_twice_is_refused(meeting):
    services.confirm_meeting(meeting=meeting)
    with pytest.raises(services.MeetingError):
        services.confirm_meeting(meeting=meeting)


def test_rsvp_and_quorum(meeting, as_member, member, chair, welsh_member):
    services.confirm_meeting(meeting=meeting)
    response = as_member.post(f"/en/g/ncg/meetings/{meeting.pk}/rsvp/", {"response": "online"})
    assert response.status_code == 302
    assert Attendance.objects.get(meeting=meeting, person=member).response == "online"
    turnout = services.expected_turnout(meeting)
    assert turnout == {
        "members": 3,
        "attending": 1,
        "apologies": 0,
        "no_reply": 2,
        "quorum": 2,
        "quorate": False,
    }
    meeting.refresh_from_db()
    soon = meeting.starts_at - datetime.timedelta(days=1)
    assert services.quorum_warning(meeting, now=soon)
    services.record_rsvp(meeting=meeting, person=chair, response="in_person")
    assert not services.quorum_warning(meeting, now=soon)


def test_rsvp_refused_for_unconfirmed_meeting_and_bad_answers(meeting, as_member, member):
    assert (
        as_member.post(f"/en/g/ncg/meetings/{meeting.pk}/rsvp/", {"response": "online"}).status_code
        == 404
    )
    services.confirm_meeting(meeting=meeting)
    assert (
        as_member.post(f"/en/g/ncg/meetings/{meeting.pk}/rsvp/", {"response": "maybe"}).status_code
        == 400
    )
    assert Attendance.objects.get(meeting=meeting, person=member).response == "no_reply"


def test_secretariat_cannot_rsvp(meeting, as_secretariat):
    services.confirm_meeting(meeting=meeting)
    assert (
        as_secretariat.post(
            f"/en/g/ncg/meetings/{meeting.pk}/rsvp/", {"response": "online"}
        ).status_code
        == 404
    )


def test_attendance_is_recorded_and_rates_computed(ncg, meeting, member, chair, as_secretariat):
    services.confirm_meeting(meeting=meeting)
    move_into_past(meeting)
    response = as_secretariat.post(
        f"/en/g/ncg/meetings/{meeting.pk}/attendance/",
        {f"person_{member.pk}": "online", f"person_{chair.pk}": "absent"},
    )
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.HELD
    rates = {
        r["person"].email: r["rate"]
        for r in services.attendance_rates(
            ncg, start=datetime.date(2020, 1, 1), end=datetime.date(2030, 1, 1)
        )
    }
    assert rates[member.email] == 100 and rates[chair.email] == 0


def test_attendance_form_needs_every_person(meeting, member, chair, as_secretariat):
    services.confirm_meeting(meeting=meeting)
    move_into_past(meeting)
    response = as_secretariat.post(
        f"/en/g/ncg/meetings/{meeting.pk}/attendance/", {f"person_{member.pk}": "online"}
    )
    assert response.status_code == 200
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.CONFIRMED


def test_calendar_feed_url_is_private_and_revocable(as_member, client, meeting):
    services.confirm_meeting(meeting=meeting)
    as_member.post("/en/profile/calendar/")
    from meetings.calendar import issue_calendar_feed
    from members.models import Person

    member = Person.objects.get(email="owen@example.org")
    token = issue_calendar_feed(person=member)
    response = client.get(f"/calendar/{token}.ics")
    assert response.status_code == 200
    assert "Spring meeting" in response.content.decode()
    issue_calendar_feed(person=member)
    assert client.get(f"/calendar/{token}.ics").status_code == 404
    assert client.get("/calendar/guess.ics").status_code == 404


def test_dashboard_shows_next_meeting(as_member, meeting):
    html = as_member.get("/en/g/ncg/").content.decode()
    assert "Spring meeting" in html


def test_plan_page_proposes_then_plans_kept_meetings(as_secretariat, ncg):
    wish = {
        "start": "2026-12-01",
        "end": "2027-07-31",
        "weekday": "1",
        "time": "10:00",
        "minutes": "120",
        "mode": "online",
        "join_url": "https://meet.example.org/n",
    }
    response = as_secretariat.post("/cy/g/ncg/meetings/plan/", {**wish, "step": "propose"})
    assert response.status_code == 200
    proposals = response.context["proposals"]
    assert len(proposals) >= 2
    assert not Meeting.objects.exists()
    data = {
        **wish,
        "step": "confirm",
        "keep_0": "1",
        "date_0": proposals[0].starts_at.date().isoformat(),
    }
    # The second is moved to another day in its term, the rest dropped.
    moved = proposals[1].term.starts_on + datetime.timedelta(days=9)
    data.update({"keep_1": "1", "date_1": moved.isoformat()})
    response = as_secretariat.post("/en/g/ncg/meetings/plan/", data)
    assert response.status_code == 302
    dates = sorted(m.starts_at.astimezone(LONDON).date() for m in Meeting.objects.all())
    assert dates == sorted([proposals[0].starts_at.date(), moved])
    assert all(m.starts_at.astimezone(LONDON).hour == 10 for m in Meeting.objects.all())


def test_plan_refuses_a_date_outside_the_term(as_secretariat, ncg):
    wish = {
        "start": "2026-12-01",
        "end": "2027-07-31",
        "weekday": "1",
        "time": "10:00",
        "minutes": "120",
        "mode": "online",
        "join_url": "https://meet.example.org/n",
    }
    response = as_secretariat.post(
        "/en/g/ncg/meetings/plan/",
        {**wish, "step": "confirm", "keep_0": "1", "date_0": "2030-01-01"},
    )
    assert response.status_code == 200
    assert response.context["plan_errors"]
    assert not Meeting.objects.exists()


@pytest.mark.parametrize("who,status", [("member", 404), ("chair", 404), ("secretariat", 200)])
def test_plan_page_is_for_the_secretariat(client, request, who, status):
    client.force_login(request.getfixturevalue(who))
    assert client.get("/en/g/ncg/meetings/plan/").status_code == status


def test_confirm_refuses_online_meeting_without_link(ncg, as_secretariat):
    start = timezone.now() + datetime.timedelta(days=5)
    meeting = Meeting.objects.create(
        group=ncg,
        title_en="M",
        title_cy="C",
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=1),
        mode="online",
    )
    with pytest.raises(services.MeetingError):
        services.confirm_meeting(meeting=meeting)
    as_secretariat.post(f"/en/g/ncg/meetings/{meeting.pk}/confirm/")
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.PLANNED
    assert not OutgoingMail.objects.exists()


def test_cancelled_meeting_cannot_be_marked_held(meeting, member, as_secretariat):
    services.confirm_meeting(meeting=meeting)
    services.cancel_meeting(meeting=meeting, reason="No quorum")
    move_into_past(meeting)
    response = as_secretariat.post(
        f"/en/g/ncg/meetings/{meeting.pk}/attendance/", {f"person_{member.pk}": "online"}
    )
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.CANCELLED
    with pytest.raises(services.MeetingError):
        services.record_attendance(meeting=meeting, attended_by_person={member.pk: "online"})


def test_a_meeting_without_a_quorum_moves_to_the_written_procedure(
    meeting, member, welsh_member, chair, secretariat, as_secretariat, as_member
):
    services.confirm_meeting(meeting=meeting)
    OutgoingMail.objects.all().delete()
    url = f"/cy/g/ncg/meetings/{meeting.pk}/written-procedure/"
    assert as_member.get(url).status_code == 404
    assert as_member.post(url, {"reason": "x"}).status_code == 404
    # A reason is needed; nothing changes without one.
    empty = as_secretariat.post(url, {"reason": ""})
    assert empty.status_code == 200
    assert "govuk-error-summary" in empty.text
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.CONFIRMED
    assert not OutgoingMail.objects.exists()

    response = as_secretariat.post(url, {"reason": "Only three members can attend"})
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.WRITTEN_PROCEDURE
    assert meeting.sequence == 1
    assert not meeting.counts_towards_rules
    assert meeting.history.first().history_change_reason == "Only three members can attend"
    mails = {m.to_email: m for m in OutgoingMail.objects.filter(kind="meeting_written_procedure")}
    assert set(mails) == {member.email, welsh_member.email, chair.email}
    calendar = ics_of(mails[welsh_member.email])
    assert calendar.get("METHOD") == "CANCEL"
    [event] = calendar.walk("VEVENT")
    assert str(event["UID"]).startswith(str(meeting.uid))
    assert int(event["SEQUENCE"]) == 1
    assert "y weithdrefn ysgrifenedig" in mails[welsh_member.email].body_text
    # The meeting page says what happened; it can't move twice, nor be answered.
    page = as_member.get(f"/en/g/ncg/meetings/{meeting.pk}/")
    assert "will not take place" in page.text
    with pytest.raises(services.MeetingError):
        services.move_to_written_procedure(meeting=meeting, reason="again")
    with pytest.raises(services.MeetingError):
        services.record_attendance(meeting=meeting, attended_by_person={member.pk: "online"})


def test_a_long_reason_is_kept_shortened_not_refused(meeting, as_secretariat):
    """The audit trail keeps 100 characters of a reason; a longer one must not fail the change."""
    reason = "The venue is closed for repairs and no other room is free on that day; " * 3
    response = as_secretariat.post(
        f"/en/g/ncg/meetings/{meeting.pk}/cancel/", {"reason": reason[:250]}
    )
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.CANCELLED
    recorded = meeting.history.first().history_change_reason
    assert len(recorded) == 100 and recorded.startswith("The venue is closed")
