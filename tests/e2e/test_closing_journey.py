"""Closing a group in the browser: the secretariat records the final meeting's attendance, closes
the group, downloads its records archive and checks it; the public page shows the group as
concluded. axe on every page, in both languages where there is something to read."""

import datetime
import zipfile
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.test import override_settings
from django.utils import timezone
from playwright.sync_api import expect

from meetings import services
from meetings.models import Meeting
from ncg_portal.archive import verify_archive
from ncg_portal.models import RecordsArchive
from tests.conftest import TOTP_SECRET

from .conftest import check_page, sign_in, visit, visit_both

pytestmark = pytest.mark.e2e

# The archive is built as the page is answered, as a worker would build it moments later.
IMMEDIATE_TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}


def click_and_wait(page, locator):
    with page.expect_navigation():
        locator.click()


def path_of(page):
    return urlsplit(page.url).path


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@override_settings(TASKS=IMMEDIATE_TASKS)
def test_secretariat_records_the_final_meeting_closes_the_group_and_downloads_the_archive(
    page, ncg, secretariat, chair, member, observer
):
    start = (timezone.now() - datetime.timedelta(hours=3)).replace(minute=0, second=0)
    final = services.create_meeting(
        group=ncg,
        title_en="Final meeting",
        title_cy="Cyfarfod olaf",
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=2),
        mode=Meeting.Mode.ONLINE,
        join_url="https://meet.example.org/ncg",
        status=Meeting.Status.CONFIRMED,
    )

    sign_in(page, secretariat.email, totp_secret=TOTP_SECRET)
    main = page.locator("main")

    # The final meeting: attendance recorded, so it is held.
    visit(page, f"/en/g/ncg/meetings/{final.pk}/")
    click_and_wait(page, main.get_by_role("link", name="Record attendance"))
    check_page(page)
    for fieldset in main.locator("fieldset").all():
        fieldset.get_by_role("radio", name="Attended online", exact=True).check()
    click_and_wait(page, main.get_by_role("button", name="Save attendance"))
    check_page(page)
    final.refresh_from_db()
    assert final.status == Meeting.Status.HELD

    # Close the group: first without the confirmation (the error summary, in Welsh), then properly.
    visit(page, "/en/g/ncg/")
    click_and_wait(page, main.get_by_role("link", name="Close the group"))
    assert path_of(page) == "/en/g/ncg/close/"
    check_page(page)
    visit(page, "/cy/g/ncg/close/")
    main.get_by_label("Pam mae'r grŵp yn cau").fill("Gwaith wedi'i gwblhau")
    click_and_wait(page, main.get_by_role("button", name="Cau'r grŵp"))
    check_page(page, status=400)
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Cadarnhewch")
    expect(summary).to_be_focused()

    visit(page, "/en/g/ncg/close/")
    expect(main.get_by_label("Date the group concluded")).to_have_value(
        timezone.localtime(final.starts_at).date().isoformat()
    )
    main.get_by_label("Why the group is closing").fill(
        "The programme's governance has closed; this was our final meeting."
    )
    main.get_by_label("I understand the group becomes read-only").check()
    click_and_wait(page, main.get_by_role("button", name="Close the group"))
    assert path_of(page) == "/en/g/ncg/records/", page.url
    check_page(page)
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "The group is closed."
    )
    archive = RecordsArchive.objects.get()
    assert archive.status == RecordsArchive.Status.READY, archive.error
    expect(main).to_contain_text(archive.sha256)
    visit_both(page, "/g/ncg/records/")

    # The archive downloads, and checks out.
    visit(page, "/en/g/ncg/records/")
    with page.expect_download() as info:
        main.get_by_role("link", name="Download").first.click()
    download = info.value
    assert download.suggested_filename.endswith(".zip")
    path = Path(download.path())
    assert verify_archive(str(path)) == []
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
    assert "attendance.csv" in names and "audit/audit-log.json" in names

    # Read-only now: the dashboard says so; a form page refuses, in both languages.
    visit_both(page, "/g/ncg/")
    expect(main.locator(".govuk-inset-text")).to_contain_text("Daeth y grŵp hwn i ben")
    for lang in ("en", "cy"):
        visit(page, f"/{lang}/g/ncg/meetings/add/", status=403)
    expect(main.locator("h1")).to_have_text("Mae'r grŵp hwn wedi dod i ben")

    # The public page, for anyone.
    page.context.clear_cookies()
    visit_both(page, "/groups/ncg/")
    expect(main.locator(".govuk-inset-text")).to_contain_text("Daeth y grŵp hwn i ben ar")
