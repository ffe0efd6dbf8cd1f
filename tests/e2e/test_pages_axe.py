"""Every page, in English and in Welsh, for the person who would see it, checked by axe.

`visit`/`visit_both` (see conftest.py) check the status, the single <h1>, <html lang>, the
language switch (same page, other language) and axe's WCAG 2.2 AA rules on each page.
"""

import pytest
from playwright.sync_api import expect

from members.models import Membership
from tests.conftest import PASSWORD

from .conftest import LANGS, check_page, sign_in_quickly, visit, visit_both

pytestmark = pytest.mark.e2e


@pytest.fixture
def people(ncg, member, chair, observer, secretariat):
    """A group with a chair, a member (representing Estyn), an observer and a secretariat."""
    return {"member": member, "chair": chair, "observer": observer, "secretariat": secretariat}


PUBLIC_PAGES = {
    "home": "/",
    "groups": "/groups/",
    "group": "/groups/ncg/",
    "login": "/accounts/login/",
    "password reset": "/accounts/password/reset/",
    "accessibility": "/accessibility/",
    "privacy": "/privacy/",
}


@pytest.mark.parametrize("path", PUBLIC_PAGES.values(), ids=PUBLIC_PAGES.keys())
def test_public_page(page, people, path):
    visit_both(page, path)


def test_not_found_page(page, people):
    # A URL that resolves but names no group: the view's 404.
    visit_both(page, "/groups/no-such-group/", status=404)
    # A URL that resolves to nothing: the resolver's 404 (language switch checked below).
    visit_both(page, "/no-such-page/", status=404, switch=False)


def test_language_switch_on_unresolvable_404(page, people):
    """The 404 page's language switch keeps the path and swaps the language prefix."""
    visit_both(page, "/no-such-page/", status=404, axe=False)


def test_member_pages(page, people):
    sign_in_quickly(page, people["member"])
    visit_both(page, "/g/ncg/")
    visit_both(page, "/g/ncg/members/")
    visit_both(page, "/profile/")
    visit_both(page, "/profile/edit/")
    visit_both(page, "/accounts/2fa/")


def test_totp_activation_asks_to_reauthenticate_first(page, people):
    """A member without an authenticator app sets one up; first they confirm it is them."""
    sign_in_quickly(page, people["member"])
    # Not signed in through the form, so allauth asks for the password again.
    visit_both(page, "/accounts/2fa/totp/activate/", expect_path="/{lang}/accounts/reauthenticate/")
    page.locator("main input[name='password']").fill(PASSWORD)
    with page.expect_navigation():
        page.locator("main form button[type='submit']").first.click()
    assert page.url.endswith("/cy/accounts/2fa/totp/activate/"), page.url
    check_page(page)
    expect(page.locator("#authenticator_secret")).not_to_be_empty()
    visit(page, "/en/accounts/2fa/totp/activate/", expect_path="/en/accounts/2fa/totp/activate/")


def test_secretariat_pages(page, people):
    sign_in_quickly(page, people["secretariat"])
    pk = Membership.objects.get(person=people["member"]).pk
    visit_both(page, "/g/ncg/")
    visit_both(page, "/g/ncg/members/")
    visit_both(page, "/g/ncg/members/invite/")
    visit_both(page, f"/g/ncg/members/{pk}/edit/")
    visit_both(page, f"/g/ncg/members/{pk}/end/")
    visit_both(page, "/accounts/2fa/")


def test_invite_form_submitted_empty(page, people):
    """The error summary appears, takes the focus, and its links lead to the fields."""
    sign_in_quickly(page, people["secretariat"])
    for lang in LANGS:
        visit(page, f"/{lang}/g/ncg/members/invite/")
        with page.expect_navigation():
            page.locator("main form button[type='submit']").click()
        check_page(page, lang=lang)
        if lang == "en":
            assert page.title().startswith("Error:"), page.title()
        summary = page.locator(".govuk-error-summary")
        expect(summary).to_be_visible()
        expect(summary).to_be_focused()
        links = summary.locator("a")
        hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
        # Full name, email and role are required; preferred language has an initial value.
        assert len(hrefs) >= 3, hrefs
        for href in hrefs:
            assert href.startswith("#"), href
            target = page.locator(href)
            assert target.count() == 1, f"error summary link {href} has no target on {page.url}"
            described = target.get_attribute("aria-describedby") or ""
            if target.get_attribute("type") != "radio":
                assert f"{href[1:]}-error" in described, f"{href} is not described by its error"
        # Following a link puts the focus in the field.
        links.first.click()
        expect(page.locator(hrefs[0])).to_be_focused()
