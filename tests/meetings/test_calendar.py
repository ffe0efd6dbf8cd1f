import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from icalendar import Calendar

from meetings.calendar import (
    calendar_feed_ics,
    issue_calendar_feed,
    meeting_ics,
    person_for_feed_token,
    revoke_calendar_feed,
)
from meetings.models import CalendarFeed, Meeting
from members.services import hash_token

pytestmark = pytest.mark.django_db

UTC = datetime.UTC
LONDON = ZoneInfo("Europe/London")


def make_meeting(group, starts_at, *, hours=2, **extra):
    fields = {
        "title_en": "Quarterly meeting",
        "title_cy": "Cyfarfod chwarterol",
        "mode": Meeting.Mode.HYBRID,
        "venue": "Cathays Park, Cardiff",
        "join_url": "https://teams.example.org/join/abc",
        "status": Meeting.Status.CONFIRMED,
    }
    fields.update(extra)
    return Meeting.objects.create(
        group=group,
        starts_at=starts_at,
        ends_at=starts_at + datetime.timedelta(hours=hours),
        **fields,
    )


def parse(ics):
    return Calendar.from_ical(ics)


def only_event(cal):
    events = cal.walk("VEVENT")
    assert len(events) == 1
    return events[0]


@pytest.fixture
def summer_meeting(ncg):
    # 10:00 BST is 09:00 UTC.
    return make_meeting(ncg, datetime.datetime(2026, 7, 1, 9, 0, tzinfo=UTC))


def test_request_has_method_uid_and_sequence(summer_meeting, member):
    cal = parse(meeting_ics(summer_meeting, attendee=member))
    assert cal["METHOD"] == "REQUEST"
    assert cal["PRODID"] == "-//NCG portal//EN"
    assert cal["VERSION"] == "2.0"
    event = only_event(cal)
    assert str(event["UID"]) == f"{summer_meeting.uid}@ncg-portal"
    assert event["SEQUENCE"] == 0
    assert event["STATUS"] == "CONFIRMED"
    assert event["SUMMARY"] == "Quarterly meeting"
    assert event["DTSTAMP"].dt.tzinfo is not None
    assert event["DTSTAMP"].dt.utcoffset() == datetime.timedelta(0)


def test_uid_stable_and_sequence_follows_meeting(summer_meeting):
    first = only_event(parse(meeting_ics(summer_meeting)))
    summer_meeting.sequence += 1
    summer_meeting.save()
    summer_meeting.refresh_from_db()
    second = only_event(parse(meeting_ics(summer_meeting)))
    assert first["UID"] == second["UID"]
    assert second["SEQUENCE"] == first["SEQUENCE"] + 1 == 1


@pytest.mark.parametrize(
    "starts_at, local_hour, offset_hours",
    [
        (datetime.datetime(2026, 3, 28, 9, 0, tzinfo=UTC), 9, 0),  # Saturday before: GMT
        (datetime.datetime(2026, 3, 30, 9, 0, tzinfo=UTC), 10, 1),  # Monday after: BST
        (datetime.datetime(2026, 10, 23, 9, 0, tzinfo=UTC), 10, 1),  # Friday before: BST
        (datetime.datetime(2026, 10, 26, 9, 0, tzinfo=UTC), 9, 0),  # Monday after: GMT
    ],
)
def test_dtstart_in_london_time_across_clock_changes(ncg, starts_at, local_hour, offset_hours):
    meeting = make_meeting(ncg, starts_at)
    ics = meeting_ics(meeting)
    event = only_event(parse(ics))
    start, end = event["DTSTART"], event["DTEND"]
    assert start.params["TZID"] == "Europe/London"
    assert end.params["TZID"] == "Europe/London"
    assert start.dt.hour == local_hour
    assert start.dt.utcoffset() == datetime.timedelta(hours=offset_hours)
    assert start.dt == starts_at
    assert end.dt == starts_at + datetime.timedelta(hours=2)
    local = starts_at.astimezone(LONDON)
    assert f"DTSTART;TZID=Europe/London:{local:%Y%m%dT%H%M%S}".encode() in ics


def test_vtimezone_present_and_matches_london(summer_meeting):
    cal = parse(meeting_ics(summer_meeting))
    (vtimezone,) = cal.walk("VTIMEZONE")
    assert vtimezone["TZID"] == "Europe/London"
    assert cal.get_missing_tzids() == set()
    # The rules we send agree with the tz database for every hour around each change.
    tz = vtimezone.to_tz()
    for year in (2025, 2026, 2030, 2037):
        for month, day in ((3, 20), (10, 20)):
            moment = datetime.datetime(year, month, day, tzinfo=UTC)
            for _ in range(14 * 24):
                assert moment.astimezone(tz).utcoffset() == moment.astimezone(LONDON).utcoffset()
                moment += datetime.timedelta(hours=1)


def test_welsh_summary(summer_meeting):
    event = only_event(parse(meeting_ics(summer_meeting, language="cy")))
    assert event["SUMMARY"] == "Cyfarfod chwarterol"
    assert "Grŵp Cydlyniant Cenedlaethol" in event["DESCRIPTION"]
    assert "Ar-lein: https://teams.example.org/join/abc" in event["LOCATION"]


def test_location_description_and_url(summer_meeting):
    url = "https://portal.example.org/g/ncg/meetings/1/"
    event = only_event(parse(meeting_ics(summer_meeting, url=url)))
    assert event["LOCATION"] == (
        "Cathays Park, Cardiff; Online: https://teams.example.org/join/abc"
    )
    assert "National Coherence Group" in event["DESCRIPTION"]
    assert "https://teams.example.org/join/abc" in event["DESCRIPTION"]
    assert url in event["DESCRIPTION"]
    assert event["URL"] == url


def test_in_person_location_is_the_venue(ncg):
    meeting = make_meeting(
        ncg, datetime.datetime(2026, 7, 1, 9, tzinfo=UTC), mode=Meeting.Mode.IN_PERSON, join_url=""
    )
    event = only_event(parse(meeting_ics(meeting)))
    assert event["LOCATION"] == "Cathays Park, Cardiff"
    assert "URL" not in event


def test_cancel(summer_meeting, member):
    summer_meeting.status = Meeting.Status.CANCELLED
    summer_meeting.sequence = 3
    cal = parse(meeting_ics(summer_meeting, method="CANCEL", attendee=member))
    assert cal["METHOD"] == "CANCEL"
    event = only_event(cal)
    assert event["STATUS"] == "CANCELLED"
    assert event["SEQUENCE"] == 3
    assert str(event["UID"]) == f"{summer_meeting.uid}@ncg-portal"


def test_unknown_method_refused(summer_meeting):
    with pytest.raises(ValueError):
        meeting_ics(summer_meeting, method="PUBLISH")


def test_attendee_and_organizer(summer_meeting, member, settings):
    settings.DEFAULT_FROM_EMAIL = "NCG portal <no-reply@example.org>"
    event = only_event(parse(meeting_ics(summer_meeting, attendee=member)))
    attendee = event["ATTENDEE"]
    assert str(attendee) == "mailto:owen@example.org"
    assert attendee.params["CN"] == "Owen Evans"
    assert attendee.params["ROLE"] == "REQ-PARTICIPANT"
    assert attendee.params["PARTSTAT"] == "NEEDS-ACTION"
    assert attendee.params["RSVP"] == "TRUE"
    organizer = event["ORGANIZER"]
    assert str(organizer) == "mailto:no-reply@example.org"
    assert organizer.params["CN"] == "NCG portal"


def test_no_attendee_when_not_given(summer_meeting):
    assert "ATTENDEE" not in only_event(parse(meeting_ics(summer_meeting)))


def test_crlf_line_endings_and_folding(ncg):
    meeting = make_meeting(
        ncg,
        datetime.datetime(2026, 7, 1, 9, tzinfo=UTC),
        title_en="A very long title " * 10,
    )
    ics = meeting_ics(meeting, url="https://portal.example.org/" + "x" * 100)
    lines = ics.split(b"\r\n")
    assert ics.endswith(b"\r\n")
    assert b"\n" not in ics.replace(b"\r\n", b"")
    assert all(len(line) <= 75 for line in lines)
    assert any(line.startswith(b" ") for line in lines)  # folded continuation lines
    assert lines[0] == b"BEGIN:VCALENDAR"


# The feed


def test_feed_holds_only_the_persons_groups(ncg, other_group, member):
    now = timezone.now()
    mine = make_meeting(ncg, now + datetime.timedelta(days=7))
    recent = make_meeting(ncg, now - datetime.timedelta(days=30), title_en="Last month")
    theirs = make_meeting(other_group, now + datetime.timedelta(days=7), title_en="Other group")
    old = make_meeting(ncg, now - datetime.timedelta(days=400), title_en="Long ago")
    cancelled = make_meeting(
        ncg, now + datetime.timedelta(days=14), status=Meeting.Status.CANCELLED
    )
    written = make_meeting(
        ncg, now + datetime.timedelta(days=21), status=Meeting.Status.WRITTEN_PROCEDURE
    )
    cal = parse(calendar_feed_ics(member))
    assert cal["METHOD"] == "PUBLISH"
    assert cal["X-WR-CALNAME"] == "Advisory groups portal"
    assert cal.walk("VTIMEZONE")
    uids = {str(e["UID"]) for e in cal.walk("VEVENT")}
    assert uids == {f"{mine.uid}@ncg-portal", f"{recent.uid}@ncg-portal"}
    for absent in (theirs, old, cancelled, written):
        assert f"{absent.uid}@ncg-portal" not in uids
    event = next(e for e in cal.walk("VEVENT") if str(e["UID"]) == f"{mine.uid}@ncg-portal")
    assert event["URL"].endswith(f"/g/ncg/meetings/{mine.pk}/")
    assert "ATTENDEE" not in event


def test_feed_ignores_ended_memberships(ncg, member):
    make_meeting(ncg, timezone.now() + datetime.timedelta(days=7))
    membership = member.memberships.get()
    membership.ends_on = timezone.localdate() - datetime.timedelta(days=1)
    membership.save()
    assert parse(calendar_feed_ics(member)).walk("VEVENT") == []


def test_feed_in_welsh(ncg, welsh_member):
    make_meeting(ncg, timezone.now() + datetime.timedelta(days=7))
    cal = parse(calendar_feed_ics(welsh_member))
    assert cal["X-WR-CALNAME"] == "Porth y grwpiau cynghori"
    assert only_event(cal)["SUMMARY"] == "Cyfarfod chwarterol"
    english = parse(calendar_feed_ics(welsh_member, language="en"))
    assert only_event(english)["SUMMARY"] == "Quarterly meeting"


def test_feed_query_count_constant(ncg, member):
    now = timezone.now()
    make_meeting(ncg, now + datetime.timedelta(days=1))
    with CaptureQueriesContext(connection) as one:
        calendar_feed_ics(member)
    for day in range(2, 11):
        make_meeting(ncg, now + datetime.timedelta(days=day))
    with CaptureQueriesContext(connection) as ten:
        ics = calendar_feed_ics(member)
    assert len(parse(ics).walk("VEVENT")) == 10
    assert len(one.captured_queries) == len(ten.captured_queries) == 1


# Feed tokens


def test_issue_stores_only_the_hash(member):
    token = issue_calendar_feed(person=member)
    feed = CalendarFeed.objects.get(person=member)
    assert feed.token_hash == hash_token(token)
    assert token not in feed.token_hash
    assert len(token) >= 40
    assert person_for_feed_token(token) == member


def test_reissue_replaces_the_old_token(member):
    old = issue_calendar_feed(person=member)
    new = issue_calendar_feed(person=member)
    assert old != new
    assert CalendarFeed.objects.filter(person=member).count() == 1
    assert person_for_feed_token(old) is None
    assert person_for_feed_token(new) == member


def test_revoke(member):
    token = issue_calendar_feed(person=member)
    revoke_calendar_feed(person=member)
    assert not CalendarFeed.objects.filter(person=member).exists()
    assert person_for_feed_token(token) is None
    revoke_calendar_feed(person=member)  # nothing to revoke is fine


@pytest.mark.parametrize("token", ["", "not-a-token", None])
def test_unknown_tokens(member, token):
    issue_calendar_feed(person=member)
    assert person_for_feed_token(token) is None
