import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from meetings.models import AgendaItem, Meeting, Paper, PaperDownload, PaperVersion

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


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


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def add_item(client, meeting, title):
    return client.post(
        f"/en/g/ncg/meetings/{meeting.pk}/agenda/",
        {"action": "add", "title_en": title, "title_cy": title},
    )


def test_secretariat_builds_and_reorders_the_agenda(as_secretariat, meeting):
    for title in ("Welcome", "Transition update", "Any other business"):
        assert add_item(as_secretariat, meeting, title).status_code == 302
    second = AgendaItem.objects.get(title_en="Transition update")
    as_secretariat.post(
        f"/en/g/ncg/meetings/{meeting.pk}/agenda/", {"action": "up", "item": second.pk}
    )
    assert list(meeting.agenda_items.values_list("title_en", flat=True)) == [
        "Transition update",
        "Welcome",
        "Any other business",
    ]
    as_secretariat.post(
        f"/en/g/ncg/meetings/{meeting.pk}/agenda/", {"action": "remove", "item": second.pk}
    )
    assert list(meeting.agenda_items.values_list("position", "title_en")) == [
        (1, "Welcome"),
        (2, "Any other business"),
    ]


def test_agenda_add_refuses_missing_title(as_secretariat, meeting):
    response = as_secretariat.post(f"/cy/g/ncg/meetings/{meeting.pk}/agenda/", {"action": "add"})
    assert response.status_code == 200 and "govuk-error-summary" in response.content.decode()
    assert not AgendaItem.objects.exists()


def test_members_cannot_edit_the_agenda(as_member, meeting):
    assert add_item(as_member, meeting, "Sneaky").status_code == 404
    assert not AgendaItem.objects.exists()


def test_paper_upload_then_member_download_is_recorded(as_secretariat, as_member, member, meeting):
    response = as_secretariat.post(
        f"/en/g/ncg/meetings/{meeting.pk}/papers/add/",
        {
            "file": SimpleUploadedFile("update.pdf", PDF, "application/pdf"),
            "title_en": "Transition update",
            "reference": "NCG(25)04",
            "classification": "official",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    version = PaperVersion.objects.get()
    response = as_member.get(f"/en/g/ncg/papers/{version.pk}/download/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert PaperDownload.objects.get().person == member


def test_renamed_executable_is_refused_with_a_welsh_message(as_secretariat, meeting):
    response = as_secretariat.post(
        f"/cy/g/ncg/meetings/{meeting.pk}/papers/add/",
        {
            "file": SimpleUploadedFile("papur.pdf", b"MZ\x90\x00binary", "application/pdf"),
            "title_en": "X",
            "classification": "official",
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "govuk-error-summary" in html and "not a real" not in html
    assert not Paper.objects.exists() and not PaperVersion.objects.exists()


def test_outsider_cannot_download(as_outsider, as_secretariat, meeting):
    as_secretariat.post(
        f"/en/g/ncg/meetings/{meeting.pk}/papers/add/",
        {"file": SimpleUploadedFile("a.pdf", PDF), "title_en": "A", "classification": "official"},
    )
    version = PaperVersion.objects.get()
    assert as_outsider.get(f"/en/g/ncg/papers/{version.pk}/download/").status_code == 404
    assert as_outsider.get(f"/en/g/other/papers/{version.pk}/download/").status_code == 404
    assert not PaperDownload.objects.exists()
