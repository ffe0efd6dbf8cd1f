"""Fixtures shared by the meetings tests."""

import datetime
import zoneinfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from meetings import services, uploads
from meetings.models import Attendance, Meeting

from .test_uploads import MINIMAL_PDF

LONDON = zoneinfo.ZoneInfo("Europe/London")


@pytest.fixture
def held(ncg, member, welsh_member, observer, chair, secretariat):
    """A meeting held last week: agenda, a paper, attendance, a declaration and an action."""
    start = datetime.datetime(2025, 11, 3, 10, 0, tzinfo=LONDON)
    meeting = Meeting.objects.create(
        group=ncg,
        title_en="Autumn meeting",
        title_cy="Cyfarfod yr hydref",
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=2),
        mode=Meeting.Mode.HYBRID,
        venue="Cathays Park, Cardiff",
        join_url="https://meet.example.org/ncg",
        status=Meeting.Status.CONFIRMED,
    )
    welcome = services.add_agenda_item(
        meeting=meeting, title_en="Welcome", title_cy="Croeso", presenter="Chair"
    )
    design = services.add_agenda_item(
        meeting=meeting,
        title_en="Phase 2 design",
        title_cy="Dyluniad cam 2",
        workstream=ncg.workstreams.first(),
    )
    uploads.create_paper(
        group=ncg,
        meeting=meeting,
        agenda_item=design,
        title_en="Design principles",
        title_cy="",
        reference="NCG(25)04",
        classification="official",
        uploaded_file=SimpleUploadedFile("p.pdf", MINIMAL_PDF, "application/pdf"),
        created_by=secretariat,
    )
    for person in (member, welsh_member, observer, chair):
        Attendance.objects.create(meeting=meeting, person=person)
    services.record_rsvp(meeting=meeting, person=observer, response=Attendance.Response.APOLOGIES)
    services.declare_interest(
        meeting=meeting, person=member, interest="Trustee of a partnership", agenda_item=design
    )
    services.record_attendance(
        meeting=meeting,
        attended_by_person={
            member.pk: Attendance.Attended.IN_PERSON,
            welsh_member.pk: Attendance.Attended.ONLINE,
            chair.pk: Attendance.Attended.IN_PERSON,
            observer.pk: Attendance.Attended.ABSENT,
        },
    )
    services.add_action(
        group=ncg,
        meeting=meeting,
        description="Circulate the revised principles",
        owner=member,
        due_on=datetime.date(2025, 12, 1),
    )
    meeting.refresh_from_db()
    meeting.items = (welcome, design)
    return meeting
