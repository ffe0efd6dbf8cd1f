# ruff: noqa: F811 (pytest fixtures imported from other test modules are used as arguments)
"""A letter of advice from start to finish in the browser: the chair drafts it from a
circulation's summary, a member comments, the chair approves with a code from their
authenticator app, downloads the PDF and publishes; an anonymous visitor reads it in English and
Welsh. Every page is checked by axe (see `visit` and `check_page` in conftest.py)."""

import re
import subprocess
import time
from pathlib import Path
from urllib.parse import urlsplit

import pikepdf
import pytest
from django.utils import timezone
from playwright.sync_api import expect

from advice.models import Letter, LetterComment
from meetings import written_procedure as wp
from tests.conftest import TOTP_SECRET, totp_code
from tests.meetings.test_written_procedure import circulation, meeting  # noqa: F401 (fixtures)

from .conftest import check_page, sign_in, sign_in_quickly, visit, visit_both

pytestmark = pytest.mark.e2e

SENTENCE = "Rural schools need the data first."
TITLE_EN = "Advice on the data framework"
TITLE_CY = "Cyngor ar y fframwaith data"
BODY_EN = (
    "The Group advises that rural schools need the data first.\n\n"
    "We would welcome the chance to discuss this with you."
)
BODY_CY = (
    "Mae'r Grŵp yn cynghori bod angen y data ar ysgolion gwledig yn gyntaf.\n\n"
    "Byddem yn croesawu'r cyfle i drafod hyn gyda chi yn Nhŷ Hywel."
)
COMMENT = "Please name the rural schools' data in the second paragraph."


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def closed_circulation(circulation, secretariat, member):
    """Sent, answered online by a member with a sentence the letter can draw on, and closed."""
    wp.open_circulation(circulation=circulation, opened_by=secretariat)
    question = circulation.questions.get()
    wp.save_online_response(
        circulation=circulation,
        person=member,
        answers={question.pk: ("agree_comments", SENTENCE)},
        paper_comments={},
        general="",
    )
    return wp.close_circulation(circulation=circulation, closed_by=secretariat)


def totp_step():
    """The number of the current 30-second step of the authenticator app."""
    return int(time.time() // 30)


def code_after(step):
    """A code from a step later than `step`: allauth refuses a code that has been used once."""
    while totp_step() <= step:
        time.sleep(30 - time.time() % 30 + 0.2)
    return totp_code(TOTP_SECRET)


def click_and_wait(page, locator):
    """Click something that loads a new page; the new page's response."""
    with page.expect_navigation() as navigation:
        locator.click()
    return navigation.value


def success_banner(page):
    return page.locator(".govuk-notification-banner--success")


def test_chair_drafts_a_letter_from_a_circulation_and_the_public_reads_it(
    page, new_page, closed_circulation, chair, member
):
    circulation = closed_circulation
    main = page.locator("main")

    # The chair signs in with their password and a code from their authenticator app.
    sign_in(page, chair.email, totp_secret=TOTP_SECRET)
    login_step = totp_step()

    # From the circulation's summary to a new letter, with the responses beside the editor.
    visit(page, f"/en/g/ncg/circulations/{circulation.pk}/summary/")
    expect(main).to_contain_text(SENTENCE)
    click_and_wait(
        page, main.get_by_role("link", name="Draft a letter of advice from these responses")
    )
    assert urlsplit(page.url).path == "/en/g/ncg/letters/new/"
    check_page(page)
    expect(main.get_by_role("checkbox", name=re.compile(r"^Data framework \("))).to_be_checked()
    # The panel beside the editor: a region (or complementary landmark) named by its heading.
    panel = "What the letter draws on"
    sources = main.get_by_role("region", name=panel).or_(
        main.get_by_role("complementary", name=panel)
    )
    expect(sources).to_contain_text(SENTENCE)
    expect(main.get_by_label("Salutation in English")).to_have_value("Dear Cabinet Secretary,")
    expect(main.get_by_label("Salutation in Welsh")).to_have_value("Annwyl Ysgrifennydd y Cabinet,")
    # The date starts as today.
    expect(main.get_by_label("Date of the letter")).to_have_value(timezone.localdate().isoformat())
    main.get_by_label("Title in English").fill(TITLE_EN)
    main.get_by_label("Title in Welsh").fill(TITLE_CY)
    main.get_by_label("Letter in English").fill(BODY_EN)
    main.get_by_label("Letter in Welsh").fill(BODY_CY)
    click_and_wait(page, main.get_by_role("button", name="Save the letter"))
    letter = Letter.objects.get()
    letter_path = f"/g/ncg/letters/{letter.pk}/"
    assert urlsplit(page.url).path == f"/en{letter_path}"
    check_page(page)
    expect(success_banner(page)).to_contain_text("The letter has been saved as a draft.")
    expect(page.locator("h1")).to_have_text(TITLE_EN)
    assert list(letter.circulations.all()) == [circulation]

    # To the members for review.
    click_and_wait(page, main.get_by_role("button", name="Send to members for review"))
    check_page(page)
    expect(success_banner(page)).to_contain_text("The letter is with members for review.")
    expect(main.locator(".govuk-tag")).to_have_text("In review")

    # A member, in their own browser, comments on it.
    member_page = sign_in_quickly(new_page(), member)
    visit(member_page, f"/en{letter_path}")
    member_main = member_page.locator("main")
    member_main.get_by_label("Your comment").fill(COMMENT)
    click_and_wait(member_page, member_main.get_by_role("button", name="Add your comment"))
    check_page(member_page)
    expect(success_banner(member_page)).to_contain_text("Your comment has been added.")
    assert LetterComment.objects.get().body == COMMENT
    visit_both(member_page, letter_path)  # the comment listed, in both languages
    expect(member_main.locator(".app-comment").filter(has_text=COMMENT)).to_contain_text(
        member.display_name
    )

    # The chair sees the comment, then approves: a wrong code first, then the app's code.
    visit(page, f"/en{letter_path}")
    expect(main.locator(".app-comment").filter(has_text=COMMENT)).to_be_visible()
    code_field = main.get_by_label("Code from your authenticator app")
    approve = main.get_by_role("button", name="Approve the letter")
    code_field.fill("000000")
    response = click_and_wait(page, approve)
    assert response.status == 400
    check_page(page)
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("The code is not right.")
    expect(summary).to_be_focused()  # GOV.UK Frontend takes keyboard users to the errors
    expect(summary.get_by_role("link")).to_have_attribute("href", "#id_code")
    letter.refresh_from_db()
    assert letter.status == Letter.Status.REVIEW
    code_field.fill(code_after(login_step))
    click_and_wait(page, approve)
    check_page(page)
    expect(success_banner(page)).to_contain_text("The letter is approved.")
    expect(main.locator(".govuk-tag")).to_have_text("Approved")
    expect(main.get_by_role("button", name="Approve the letter")).to_have_count(0)

    # The PDF as approved: in English, tagged, no DRAFT mark.
    with page.expect_download() as download_info:
        main.get_by_role("link", name="Download the letter (PDF)").click()
    download = download_info.value
    assert download.suggested_filename.endswith("-en.pdf"), download.suggested_filename
    data = Path(download.path()).read_bytes()
    assert data.startswith(b"%PDF")
    with pikepdf.open(download.path()) as pdf:
        assert str(pdf.Root.Lang) == "en-GB"
    text = subprocess.run(
        ["pdftotext", "-", "-"], input=data, capture_output=True, check=True
    ).stdout.decode()
    text = " ".join(text.split())  # lines wrap where the page does
    assert "rural schools need the data first" in text
    assert "DRAFT" not in text

    # Published.
    click_and_wait(page, main.get_by_role("button", name="Publish in English and Welsh"))
    check_page(page)
    expect(success_banner(page)).to_contain_text("The letter is published in English and Welsh.")
    expect(main.locator(".govuk-tag")).to_have_text("Published")

    # Anyone can read it, in English and in Welsh.
    visitor = new_page()
    visitor_main = visitor.locator("main")
    public_path = f"/groups/ncg/letters/{letter.pk}/"
    visit(visitor, "/en/groups/ncg/letters/")
    expect(visitor_main.get_by_role("link", name=TITLE_EN)).to_have_attribute(
        "href", f"/en{public_path}"
    )
    visit(visitor, "/cy/groups/ncg/letters/")
    click_and_wait(visitor, visitor_main.get_by_role("link", name=TITLE_CY))
    assert urlsplit(visitor.url).path == f"/cy{public_path}"
    check_page(visitor)
    expect(visitor.locator("h1")).to_have_text(TITLE_CY)
    expect(visitor_main).to_contain_text("Mae'r Grŵp yn cynghori")
    expect(visitor_main).to_contain_text("Nhŷ Hywel")
    expect(visitor_main).to_contain_text("Annwyl Ysgrifennydd y Cabinet,")
    welsh_pdf = visitor_main.get_by_role("link", name=re.compile(r"PDF"))
    expect(welsh_pdf).to_have_text(re.compile(r"PDF \(\d+([.,]\d+)?\s?\w+, "))
    visit(visitor, f"/en{public_path}")
    expect(visitor.locator("h1")).to_have_text(TITLE_EN)
    expect(visitor_main).to_contain_text("rural schools need the data first")
    expect(visitor_main.get_by_role("link", name=re.compile(r"PDF"))).to_have_text(
        re.compile(r"^Download this letter as a PDF \(\d+(\.\d+)?\sKB, accessible tagged PDF\)$")
    )
