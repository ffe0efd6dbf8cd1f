"""Plain-text emails say what was written: nothing HTML-escaped in subjects or bodies."""

import datetime

import pytest
from django.utils import timezone

from meetings import services
from meetings.models import Meeting
from ncg_portal.models import OutgoingMail

pytestmark = pytest.mark.django_db


def test_titles_with_apostrophes_and_ampersands_arrive_as_written(ncg, welsh_member, member):
    start = timezone.now() + datetime.timedelta(days=9)
    meeting = services.create_meeting(
        group=ncg,
        title_en="Review & <next> steps",
        title_cy="Adolygu'r rhaglen & <camau nesaf>",
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=2),
        mode=Meeting.Mode.ONLINE,
        join_url="https://meet.example.org/ncg?a=1&b=2",
    )
    services.confirm_meeting(meeting=meeting)
    welsh = OutgoingMail.objects.get(to_email=welsh_member.email)
    assert "Adolygu'r rhaglen & <camau nesaf>" in welsh.subject
    assert "https://meet.example.org/ncg?a=1&b=2" in welsh.body_text
    assert "&#x27;" not in welsh.body_text and "&amp;" not in welsh.body_text
    english = OutgoingMail.objects.get(to_email=member.email)
    assert "Review & <next> steps" in english.subject
