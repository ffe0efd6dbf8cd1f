"""The invitation journey end to end, and the keyboard route past the header."""

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from members.models import Membership, Person, Role
from ncg_portal.models import OutgoingMail
from tests.conftest import TOTP_SECRET

from .conftest import check_page, sign_in, visit

pytestmark = pytest.mark.e2e

NEW_PASSWORD = "slate-quarry-under-snowdon-42"


def click_and_wait(page, locator):
    with page.expect_navigation():
        locator.click()


def test_secretariat_invites_a_person_who_joins_and_reads_the_dashboard_in_welsh(
    page, new_page, ncg, member, secretariat
):
    # The secretariat signs in with password and authenticator code; one group: its dashboard.
    sign_in(page, secretariat.email, totp_secret=TOTP_SECRET)
    assert urlsplit(page.url).path == "/en/g/ncg/", page.url
    check_page(page)

    click_and_wait(
        page, page.locator("#navigation").get_by_role("link", name="Members", exact=True)
    )
    assert urlsplit(page.url).path == "/en/g/ncg/members/"
    check_page(page)

    click_and_wait(page, page.locator("main").get_by_role("button", name="Invite a person"))
    assert urlsplit(page.url).path == "/en/g/ncg/members/invite/"
    check_page(page)

    form = page.locator("main form")
    form.get_by_label("Full name").fill("Nia Jones")
    form.get_by_label("Email address", exact=True).fill("Nia.Jones@example.org")
    form.get_by_label("Job title").fill("Head teacher")
    form.get_by_role("radio", name="Member", exact=True).check()
    form.get_by_role("radio", name="English", exact=True).check()
    click_and_wait(page, form.get_by_role("button", name="Send invitation"))
    assert urlsplit(page.url).path == "/en/g/ncg/members/", page.url
    check_page(page)
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("Nia Jones")
    expect(page.locator("main table").first).to_contain_text("Nia Jones")

    # The email: the outbox row the worker would send.
    mail = OutgoingMail.objects.get(kind="invitation", to_email="nia.jones@example.org")
    assert mail.language == "en"
    links = re.findall(r"https?://\S+/invitation/[^/\s]+/", mail.body_text)
    assert len(links) == 1, mail.body_text
    invitation_path = urlsplit(links[0]).path
    assert invitation_path.startswith("/en/invitation/")

    # The invited person, in a browser of their own.
    invitee = new_page()
    visit(invitee, invitation_path)
    expect(invitee.locator("h1")).to_have_text("Set your password")
    invitee.get_by_label("Create a password").fill(NEW_PASSWORD)
    invitee.get_by_label("Confirm your password").fill(NEW_PASSWORD)
    click_and_wait(invitee, invitee.get_by_role("button", name="Set password and continue"))
    assert urlsplit(invitee.url).path == "/en/g/ncg/", invitee.url
    check_page(invitee)
    expect(invitee.locator("h1")).to_have_text("National Coherence Group")

    person = Person.objects.get(email="nia.jones@example.org")
    assert person.check_password(NEW_PASSWORD)
    assert Membership.objects.current().filter(person=person, group=ncg, role=Role.MEMBER).exists()

    # The Welsh dashboard, by the language switch.
    click_and_wait(
        invitee,
        invitee.locator("nav.govuk-language-navigation").get_by_role("link", name="Cymraeg"),
    )
    assert urlsplit(invitee.url).path == "/cy/g/ncg/", invitee.url
    check_page(invitee)
    assert invitee.locator("html").get_attribute("lang") == "cy"
    expect(invitee.locator("h1")).to_have_text("Grŵp Cydlyniant Cenedlaethol")

    # The link works once.
    visit(invitee, invitation_path, status=410)


def test_skip_link_is_the_first_stop_and_moves_focus_to_main(page, ncg):
    visit(page, "/en/accounts/login/")
    page.keyboard.press("Tab")
    skip = page.locator("a.govuk-skip-link")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()  # visually hidden until focused
    assert skip.get_attribute("href") == "#main-content"
    page.keyboard.press("Enter")
    expect(page.locator("main#main-content")).to_be_focused()
    # The next Tab continues from the main content, not from the header.
    page.keyboard.press("Tab")
    in_main = page.evaluate("() => document.querySelector('main').contains(document.activeElement)")
    assert in_main, page.evaluate("() => document.activeElement.outerHTML")
