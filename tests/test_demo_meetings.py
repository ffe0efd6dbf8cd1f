"""`seed_demo` gives the NCG its meetings as the seeds tell them: agendas, papers (real PDFs),
actions and approved bilingual minutes for those held, an agenda for the one coming up."""

import datetime
import re

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from meetings.minutes import minutes_pdf
from meetings.models import Meeting, Minutes
from members.models import Group, Role
from ncg_portal.models import OutgoingMail

OUR_APPS = ("ncg_portal", "members", "meetings", "advice")
REFERENCE = re.compile(r"NCG\((\d\d)\)(\d\d)")


@pytest.fixture(scope="module")
def _seeded_once(django_db_setup, django_db_blocker, tmp_path_factory):
    """Seed once for the module (it renders a dozen PDFs), inside a transaction rolled back at
    the end; each test runs in its own savepoint within it, as usual."""
    media = tmp_path_factory.mktemp("media")
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media):
        with transaction.atomic():
            call_command("seed_demo", verbosity=0)
            yield
            transaction.set_rollback(True)


@pytest.fixture
def ncg_seeded(_seeded_once, db):
    return Group.objects.get(slug="ncg")


def _day(meeting):
    return timezone.localtime(meeting.starts_at).date()


def _discussions(minutes, language):
    return "\n".join(item["discussion"]["text"] for item in minutes.record[language]["items"])


def test_every_held_meeting_has_agenda_papers_actions_and_approved_minutes(ncg_seeded):
    chair = ncg_seeded.memberships.get(role=Role.CHAIR).person
    held = list(ncg_seeded.meetings.filter(status=Meeting.Status.HELD).order_by("starts_at"))
    assert len([m for m in held if _day(m).year == 2024]) >= 2
    assert _day(held[-1]) == datetime.date(2025, 11, 3)
    references = []
    for meeting in held:
        assert 4 <= meeting.agenda_items.count() <= 6, meeting
        assert all(item.presenter for item in meeting.agenda_items.all())
        papers = list(meeting.papers.order_by("reference"))
        assert 1 <= len(papers) <= 2, meeting
        for paper in papers:
            assert paper.classification == "official" and paper.title_cy
            assert paper.agenda_item.meeting_id == meeting.pk
            with paper.current_version.file.open("rb") as f:
                assert f.read(5) == b"%PDF-"
            references.append(REFERENCE.fullmatch(paper.reference).groups())
        assert meeting.papers.exclude(workstream=None).exists() or _day(meeting).year == 2024
        assert meeting.actions.exists()
        assert all(a.due_on > _day(meeting) for a in meeting.actions.all())
        minutes = meeting.minutes
        assert minutes.status == Minutes.Status.APPROVED and minutes.approved_by == chair
        assert minutes.approved_at > meeting.starts_at
        for language in ("en", "cy"):
            items = minutes.record[language]["items"]
            assert len(items) == meeting.agenda_items.count()
            assert all(item["discussion"]["lang"] == language for item in items)
            assert all(item["title"]["lang"] == language for item in items)
            assert all(item["discussion"]["text"].strip() for item in items)
    # Numbered in order across the years: NCG(24)01, NCG(24)02 … NCG(25)01 …
    assert references == sorted(references)
    assert references[0] == ("24", "01") and ("25", "01") in references
    assert len(set(references)) == len(references)
    # Older actions are done; a declaration of interest was made at one meeting.
    assert not held[0].actions.exclude(status="done").exists()
    assert sum(m.declarations.count() for m in held) >= 1


def test_the_minutes_of_3_november_2025_say_what_seed_001_reports(ncg_seeded):
    meeting = next(m for m in ncg_seeded.meetings.all() if _day(m) == datetime.date(2025, 11, 3))
    english, welsh = _discussions(meeting.minutes, "en"), _discussions(meeting.minutes, "cy")
    for text in (
        "Dysgu",
        "September 2025",
        "roles, responsibilities and accountability",
        "Education Improvement Team",
        "national discussion cycle on priorities",
        "Cabinet Secretary for Education",
        "final meeting",
    ):
        assert text in english, text
    for text in ("Dysgu", "Ysgrifennydd y Cabinet dros Addysg", "Tîm Gwella Addysg"):
        assert text in welsh, text
    assert meeting.minutes.record["cy"]["starts"]["date"] == "3 Tachwedd 2025"
    assert meeting.actions.filter(description__contains="Cabinet Secretary").exists()
    pdf = minutes_pdf(meeting.minutes, "cy")
    with pdf.open("rb") as f:
        assert f.read(5) == b"%PDF-"


def test_the_upcoming_meeting_has_an_agenda_and_a_paper_but_no_minutes(ncg_seeded):
    upcoming = ncg_seeded.meetings.get(
        status=Meeting.Status.CONFIRMED, starts_at__gt=timezone.now()
    )
    assert 4 <= upcoming.agenda_items.count() <= 6
    assert upcoming.papers.count() == 1
    assert not Minutes.objects.filter(meeting=upcoming).exists()
    assert upcoming.attendances.exists()  # members are invited and can answer (RSVP)


def _row_counts():
    return {
        model._meta.label: model._default_manager.count()
        for app in OUR_APPS
        for model in apps.get_app_config(app).get_models()
    }


def test_seeding_twice_adds_no_rows_and_leaves_no_minutes_mail(ncg_seeded):
    before = _row_counts()
    call_command("seed_demo", verbosity=0)
    assert _row_counts() == before
    assert not OutgoingMail.objects.filter(kind__in=["minutes_shared", "minutes_approved"]).exists()


def test_seed_has_one_open_circulation_with_its_emails_queued(ncg_seeded):
    from meetings.models import Circulation
    from ncg_portal.models import OutgoingMail

    circulation = Circulation.objects.get(group__slug="ncg")
    assert circulation.status == Circulation.Status.OPEN
    assert circulation.papers.exists() and circulation.questions.count() == 2
    queued = OutgoingMail.objects.filter(kind="circulation", group__slug="ncg")
    assert queued.count() == circulation.recipients.count() > 0
    assert all(mail.reply_to.startswith("reply+") for mail in queued)
    assert circulation.comments.exists()
