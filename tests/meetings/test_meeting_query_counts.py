"""Meeting pages make a fixed number of queries, however many meetings, papers and actions."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from meetings.models import (
    Action,
    AgendaItem,
    Attendance,
    Declaration,
    Meeting,
    Paper,
    PaperVersion,
)
from tests.conftest import make_person

pytestmark = pytest.mark.django_db


def count(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def add_things(group, meeting, person, n, offset=0):
    for i in range(offset, offset + n):
        start = timezone.now() + datetime.timedelta(days=30 + i)
        Meeting.objects.create(
            group=group,
            title_en=f"M{i}",
            title_cy=f"C{i}",
            starts_at=start,
            ends_at=start + datetime.timedelta(hours=1),
        )
        item = AgendaItem.objects.create(
            meeting=meeting, position=100 + i, title_en=f"I{i}", title_cy=f"E{i}"
        )
        paper = Paper.objects.create(
            group=group, meeting=meeting, agenda_item=item, title_en=f"P{i}", created_by=person
        )
        PaperVersion.objects.create(
            paper=paper,
            number=1,
            file=f"papers/x{i}",
            original_name="p.pdf",
            content_type="application/pdf",
            size=1,
            sha256="0" * 64,
            uploaded_by=person,
        )
        Action.objects.create(group=group, meeting=meeting, description=f"A{i}", owner=person)
        Declaration.objects.create(meeting=meeting, person=person, interest=f"D{i}")


@pytest.mark.parametrize(
    "path,limit",
    [
        ("/en/g/ncg/meetings/", 7),
        ("/en/g/ncg/meetings/{pk}/", 15),
        ("/en/g/ncg/actions/", 7),
        ("/en/g/ncg/attendance/", 7),
        ("/en/g/ncg/", 16),
    ],
)
def test_meeting_pages_do_not_grow(as_secretariat, ncg, secretariat, member, path, limit):
    start = timezone.now() + datetime.timedelta(days=3)
    meeting = Meeting.objects.create(
        group=ncg,
        title_en="Main",
        title_cy="Prif",
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=2),
        status=Meeting.Status.CONFIRMED,
    )
    Attendance.objects.create(meeting=meeting, person=member)
    url = path.format(pk=meeting.pk)
    add_things(ncg, meeting, member, 1)
    as_secretariat.get(url)  # a first visit to a group is noted once (members/visits.py)
    few = count(as_secretariat, url)
    add_things(ncg, meeting, member, 10, offset=1)
    many = count(as_secretariat, url)
    assert many == few, f"{url}: {few} queries with few, {many} with many"
    assert many <= limit, f"{url}: {many} queries (limit {limit})"


# (The edit page is a form page: one more query, whether the group has closed.)
@pytest.mark.parametrize("suffix,limit", [("minutes/", 29), ("minutes/edit/", 28)])
def test_minutes_pages_do_not_grow(as_secretariat, ncg, secretariat, member, suffix, limit):
    from meetings.minutes import start_minutes
    from meetings.models import MinutesComment

    start = timezone.now() - datetime.timedelta(days=3)
    meeting = Meeting.objects.create(
        group=ncg,
        title_en="Main",
        title_cy="Prif",
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=2),
        status=Meeting.Status.HELD,
    )
    minutes = start_minutes(meeting=meeting, started_by=secretariat)
    url = f"/en/g/ncg/meetings/{meeting.pk}/{suffix}"

    def more(n, offset):
        add_things(ncg, meeting, member, n, offset)
        for i in range(offset, offset + n):
            Attendance.objects.create(
                meeting=meeting,
                person=make_person(f"p{i}@example.org", f"P{i}", role="member", group=ncg),
                attended="in_person",
            )
            MinutesComment.objects.create(minutes=minutes, person=member, body=f"C{i}")
        start_minutes(meeting=meeting, started_by=secretariat)  # an entry for each new item

    more(1, 0)
    few = count(as_secretariat, url)
    more(10, 1)
    many = count(as_secretariat, url)
    assert many == few, f"{url}: {few} queries with few, {many} with many"
    assert many <= limit, f"{url}: {many} queries (limit {limit})"
