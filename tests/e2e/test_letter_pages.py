"""The letter pages in the browser, both languages, checked by axe."""

import pytest
from playwright.sync_api import expect

from advice import services
from tests.advice.test_letters import TEXTS, WELSH

from .conftest import sign_in_quickly, visit_both

pytestmark = pytest.mark.e2e


def test_letter_pages_for_the_chair_and_a_member(page, ncg, chair, secretariat, member):
    letter = services.create_letter(group=ncg, created_by=secretariat, texts=TEXTS)
    services.save_letter(letter=letter, saved_by=chair, texts={**WELSH, "body_en": "New words."})
    sign_in_quickly(page, chair)
    visit_both(page, "/g/ncg/letters/")
    visit_both(page, "/g/ncg/letters/new/")
    visit_both(page, f"/g/ncg/letters/{letter.pk}/")
    expect(page.locator("main [lang='cy']").first).to_contain_text("Annwyl Ysgrifennydd y Cabinet")
    visit_both(page, f"/g/ncg/letters/{letter.pk}/edit/")
    visit_both(page, f"/g/ncg/letters/{letter.pk}/compare/?from=1&to=2")
    expect(page.locator("main ins").first).to_be_visible()
    services.send_for_review(letter=letter, sent_by=secretariat)
    sign_in_quickly(page, member)
    visit_both(page, f"/g/ncg/letters/{letter.pk}/")
    expect(page.locator("main form[action$='/comment/']")).to_be_visible()


def test_an_anonymous_visitor_reads_a_published_letter_in_both_languages(
    page, ncg, chair, secretariat
):
    letter = services.create_letter(group=ncg, created_by=secretariat, texts={**TEXTS, **WELSH})
    services.approve_letter(letter=letter, approved_by=chair)
    services.publish_letter(letter=letter, published_by=chair)
    visit_both(page, "/groups/ncg/letters/")
    visit_both(page, f"/groups/ncg/letters/{letter.pk}/")
    expect(page.locator("main h1")).to_have_text(WELSH["title_cy"])
