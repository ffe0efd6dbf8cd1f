"""`seed_demo` gives the NCG its letter of 5 November 2025 (seed 001), published in English and
Welsh, and a second letter still in draft, linked to the demo circulation."""

import datetime

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import Client, override_settings
from django.utils import timezone

from advice.models import Letter, LetterVersion
from advice.pdf import letter_pdf
from members.models import Group, Role
from ncg_portal.models import OutgoingMail


@pytest.fixture(scope="module")
def _seeded_once(django_db_setup, django_db_blocker, tmp_path_factory):
    """Seed once for the module (it renders PDFs), inside a transaction rolled back at the end;
    each test runs in its own savepoint within it, as usual."""
    media = tmp_path_factory.mktemp("media")
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media):
        with transaction.atomic():
            call_command("seed_demo", verbosity=0)
            yield
            transaction.set_rollback(True)


@pytest.fixture
def ncg_seeded(_seeded_once, db):
    return Group.objects.get(slug="ncg")


@pytest.fixture
def published(ncg_seeded):
    return ncg_seeded.letters.get(status=Letter.Status.PUBLISHED)


def _day(moment):
    return timezone.localtime(moment).date()


def test_the_letter_of_5_november_2025_is_published_in_both_languages(ncg_seeded, published):
    assert ncg_seeded.letters.filter(status=Letter.Status.PUBLISHED).count() == 1
    assert published.letter_date == datetime.date(2025, 11, 5)
    version = published.approved_version
    assert version == published.current
    assert version.title_en == "Reflections on the progress of new school improvement arrangements"
    assert version.salutation_en == "Dear Cabinet Secretary,"
    assert version.salutation_cy == "Annwyl Ysgrifennydd y Cabinet,"
    assert version.closing_cy == "Yn gywir,"
    # The seed's words, as it has them.
    for sentence in (
        "The National Coherence Group (NCG) met on 3 November to reflect on the progress",
        "Changing structures alone will not be enough to prevent the underlying issues",
        "with ongoing responsibility transferred to “business as usual” activities",
        "this was our final meeting",
        "for the purpose of school improvement.",
    ):
        assert sentence in version.body_en, sentence
    assert version.body_en.count("\n\n") == 8  # nine paragraphs
    assert version.has_welsh
    assert "ŵ" in version.body_cy and "Grŵp Cydlyniant Cenedlaethol" in version.body_cy
    assert "’" not in version.body_cy and "’" not in version.title_cy
    chair = ncg_seeded.memberships.get(role=Role.CHAIR).person
    assert published.approved_by == chair and published.created_by == chair
    assert published.signatory_name == chair.display_name
    assert _day(published.approved_at) == datetime.date(2025, 11, 5)
    assert _day(published.published_at).strftime("%Y-%m") == "2025-11"
    assert published.approved_at < published.published_at


def test_the_published_letter_reports_the_meeting_of_3_november_2025(published):
    assert [_day(m.starts_at) for m in published.meetings.all()] == [datetime.date(2025, 11, 3)]


def test_a_second_letter_waits_in_draft_in_english_only(ncg_seeded):
    draft = ncg_seeded.letters.get(status=Letter.Status.DRAFT)
    version = draft.current
    assert version.body_cy == "" and not version.has_welsh
    assert "\n## " in "\n" + version.body_en and "\n- " in version.body_en
    assert draft.created_by == ncg_seeded.memberships.get(role=Role.SECRETARIAT).person
    assert list(draft.circulations.all()) == list(ncg_seeded.circulations.all())
    assert ncg_seeded.letters.count() == 2


def test_seeding_again_adds_no_letters_and_no_letter_mail(ncg_seeded):
    before = (Letter.objects.count(), LetterVersion.objects.count())
    call_command("seed_demo", verbosity=0)
    assert (Letter.objects.count(), LetterVersion.objects.count()) == before
    assert not OutgoingMail.objects.filter(kind__startswith="letter").exists()


def test_the_public_reads_the_published_letter_in_english_and_welsh(published):
    client = Client()
    english = client.get(f"/en/groups/ncg/letters/{published.pk}/")
    assert english.status_code == 200
    assert "Changing structures alone will not be enough" in english.text
    welsh = client.get(f"/cy/groups/ncg/letters/{published.pk}/")
    assert welsh.status_code == 200
    assert published.approved_version.title_cy in welsh.text
    assert "Grŵp" in welsh.text


def test_the_published_letter_renders_as_pdf_in_welsh(published):
    assert letter_pdf(published, "cy").startswith(b"%PDF")
