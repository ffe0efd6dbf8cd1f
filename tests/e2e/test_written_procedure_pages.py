"""The written procedure's pages in the browser, both languages, checked by axe."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from playwright.sync_api import expect

from meetings import uploads
from meetings import written_procedure as wp
from meetings.models import Comment
from tests.meetings.test_uploads import MINIMAL_PDF

from .conftest import check_page, sign_in_quickly, visit, visit_both

pytestmark = pytest.mark.e2e


@pytest.fixture
def circulation(ncg, secretariat, member, welsh_member, chair, observer, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    paper = uploads.create_paper(
        group=ncg,
        title_en="Data framework",
        title_cy="Fframwaith data",
        reference="NCG(26)02",
        classification="official",
        created_by=secretariat,
        uploaded_file=SimpleUploadedFile("data.pdf", MINIMAL_PDF, "application/pdf"),
    )
    return wp.start_circulation(
        group=ncg,
        created_by=secretariat,
        subject_en="Data framework",
        subject_cy="Fframwaith data",
        message_en="Please comment.",
        message_cy="Rhowch sylwadau.",
        deadline=timezone.now() + datetime.timedelta(days=7),
        papers=[paper],
        questions=[("Do you agree?", "Ydych chi'n cytuno?", True)],
    )


def test_secretariat_pages(page, circulation, secretariat):
    sign_in_quickly(page, secretariat)
    visit_both(page, "/g/ncg/circulations/")
    visit_both(page, "/g/ncg/circulations/new/")
    visit_both(page, f"/g/ncg/circulations/{circulation.pk}/")
    # Send it from its page.
    visit(page, f"/en/g/ncg/circulations/{circulation.pk}/")
    with page.expect_navigation():
        page.locator("main").get_by_role("button", name="Send to members").click()
    check_page(page)
    expect(page.locator(".govuk-notification-banner--success")).to_be_visible()
    visit_both(page, f"/g/ncg/circulations/{circulation.pk}/summary/")


def test_member_responds_online_in_welsh(page, circulation, secretariat, welsh_member):
    wp.open_circulation(circulation=circulation, opened_by=secretariat)
    sign_in_quickly(page, welsh_member)
    visit_both(page, f"/g/ncg/circulations/{circulation.pk}/")
    visit(page, f"/cy/g/ncg/circulations/{circulation.pk}/")
    form = page.locator("main form")
    # Sent empty: the error summary takes the focus, nothing is stored.
    with page.expect_navigation():
        form.get_by_role("button", name="Cadw eich ymateb").click()
    check_page(page, lang="cy")
    expect(page.locator(".govuk-error-summary")).to_be_focused()
    form.get_by_role("radio", name="Cytuno", exact=True).check()
    form.get_by_label("Eich sylwadau ar gwestiwn 1").fill("Cytuno'n llwyr.")
    with page.expect_navigation():
        form.get_by_role("button", name="Cadw eich ymateb").click()
    check_page(page, lang="cy")
    comment = Comment.objects.get(person=welsh_member, question__isnull=False)
    assert (comment.position, comment.body) == ("agree", "Cytuno'n llwyr.")
    expect(page.locator("main").get_by_role("radio", name="Cytuno", exact=True)).to_be_checked()


def _pipe_to_receive_email(raw):
    """Deliver a message as a mail server would: piped to `manage.py receive_email`."""
    import os
    import subprocess
    import sys

    from django.conf import settings

    db = settings.DATABASES["default"]
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
    }
    done = subprocess.run(
        [sys.executable, "manage.py", "receive_email"],
        input=raw,
        env=env,
        capture_output=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr.decode()


def test_written_procedure_journey(page, new_page, ncg, meeting_without_quorum, people_for_wp):
    """The secretariat moves a meeting to the written procedure; one member replies by email,
    another online; the secretariat sees both and reminds the rest; the chair reads the summary."""
    from tests.conftest import TOTP_SECRET

    from .conftest import sign_in

    secretariat, member, welsh_member, chair = people_for_wp
    meeting = meeting_without_quorum
    sign_in(page, secretariat.email, totp_secret=TOTP_SECRET)
    visit(page, f"/en/g/ncg/meetings/{meeting.pk}/")
    with page.expect_navigation():
        page.locator("main").get_by_role(
            "link", name="Circulate the papers for comment instead"
        ).click()
    check_page(page)
    form = page.locator("main form")
    form.get_by_label("Covering message in English").fill("Please comment on the data framework.")
    form.get_by_label("Deadline date").fill(
        (timezone.localdate() + datetime.timedelta(days=7)).isoformat()
    )
    form.get_by_label("Question 1 in English").fill("Do you agree with the framework?")
    form.get_by_label("Question 1 in Welsh").fill("Ydych chi'n cytuno â'r fframwaith?")
    with page.expect_navigation():
        form.get_by_role("button", name="Save the circulation").click()
    check_page(page)
    with page.expect_navigation():
        page.locator("main").get_by_role("button", name="Send to members").click()
    check_page(page)
    from meetings.models import Circulation, Meeting
    from ncg_portal.models import OutgoingMail

    circulation = Circulation.objects.get(meeting=meeting)
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.WRITTEN_PROCEDURE
    mail = OutgoingMail.objects.get(kind="circulation", to_email=welsh_member.email)

    # The Welsh member replies by email from Welsh Gmail, above the quote.
    raw = (
        f"From: {welsh_member.full_name} <{welsh_member.email}>\r\n"
        f"To: {mail.reply_to}\r\n"
        f"Subject: Re: {mail.subject}\r\n"
        "Message-ID: <ateb-1@mail.example.org>\r\n"
        f"In-Reply-To: {mail.message_id}\r\n"
        "MIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        "Content-Transfer-Encoding: 8bit\r\n\r\n"
        "Cytuno\r\n\r\nMae'r fframwaith yn glir. Diolch.\r\n\r\n"
        "Ar ddydd Llun, 30 Tach 2026 am 10:00, NCG portal <no-reply@example.org> ysgrifennodd:\r\n"
        "> Annwyl Dafydd,\r\n> Rhowch sylwadau.\r\n"
    ).encode()
    _pipe_to_receive_email(raw)

    # Another member comments online.
    them = new_page()
    sign_in_quickly(them, member)
    visit(them, f"/en/g/ncg/circulations/{circulation.pk}/")
    them_form = them.locator("main form")
    them_form.get_by_role("radio", name="Disagree").check()
    them_form.get_by_label("Your comments on question 1").fill("Not until the data is tested.")
    with them.expect_navigation():
        them_form.get_by_role("button", name="Save your response").click()
    check_page(them)

    # The secretariat sees both, where each came from, and reminds the rest.
    visit_both(page, f"/g/ncg/circulations/{circulation.pk}/")
    visit(page, f"/en/g/ncg/circulations/{circulation.pk}/")
    main = page.locator("main")
    expect(main).to_contain_text("Mae'r fframwaith yn glir. Diolch.")
    expect(main).not_to_contain_text("ysgrifennodd")
    expect(main).to_contain_text("Not until the data is tested.")
    expect(main.get_by_role("link", name="original message")).to_have_count(1)
    with page.expect_navigation():
        main.get_by_role("button", name="Remind those who have not responded").click()
    check_page(page)
    reminded = set(
        OutgoingMail.objects.filter(kind="circulation_reminder").values_list("to_email", flat=True)
    )
    assert chair.email in reminded
    assert member.email not in reminded and welsh_member.email not in reminded

    # Closed; the chair reads the summary, in both languages.
    with page.expect_navigation():
        main.get_by_role("button", name="Close now").click()
    check_page(page)
    chair_page = new_page()
    sign_in(chair_page, chair.email, totp_secret=TOTP_SECRET)
    visit_both(chair_page, f"/g/ncg/circulations/{circulation.pk}/summary/")
    expect(chair_page.locator("main")).to_contain_text("Mae'r fframwaith yn glir.")


@pytest.fixture
def people_for_wp(secretariat, member, welsh_member, chair, observer):
    return secretariat, member, welsh_member, chair


@pytest.fixture
def meeting_without_quorum(ncg, secretariat, people_for_wp, settings, tmp_path):
    """A confirmed meeting in two days that nobody has said they will attend."""
    from meetings import services
    from meetings.models import Meeting

    settings.MEDIA_ROOT = tmp_path
    start = timezone.now() + datetime.timedelta(days=2)
    meeting = services.confirm_meeting(
        meeting=Meeting.objects.create(
            group=ncg,
            title_en="Winter meeting",
            title_cy="Cyfarfod y gaeaf",
            starts_at=start,
            ends_at=start + datetime.timedelta(hours=2),
            mode=Meeting.Mode.ONLINE,
            join_url="https://meet.example.org/ncg",
        )
    )
    uploads.create_paper(
        group=ncg,
        meeting=meeting,
        title_en="Data framework",
        reference="NCG(26)02",
        classification="official",
        created_by=secretariat,
        uploaded_file=SimpleUploadedFile("data.pdf", MINIMAL_PDF, "application/pdf"),
    )
    return meeting
