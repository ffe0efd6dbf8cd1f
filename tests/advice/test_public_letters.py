"""Published letters for the public: list, page, PDF and Atom feed; nothing else shows."""

import xml.etree.ElementTree as ET

import pytest

from advice import services

from .test_letters import TEXTS, WELSH

pytestmark = pytest.mark.django_db


@pytest.fixture
def letters(ncg, chair, secretariat):
    published = services.create_letter(group=ncg, created_by=secretariat, texts={**TEXTS, **WELSH})
    services.approve_letter(letter=published, approved_by=chair)
    services.publish_letter(letter=published, published_by=chair)
    draft = services.create_letter(
        group=ncg, created_by=secretariat, texts={**TEXTS, "title_en": "Unfinished advice"}
    )
    return published, draft


def test_the_public_reads_published_letters_in_both_languages(client, letters):
    published, draft = letters
    listing = client.get("/en/groups/ncg/letters/")
    assert listing.status_code == 200
    assert TEXTS["title_en"] in listing.text and "Unfinished advice" not in listing.text
    page = client.get(f"/cy/groups/ncg/letters/{published.pk}/")
    assert page.status_code == 200
    assert WELSH["title_cy"] in page.text and "Annwyl Ysgrifennydd y Cabinet," in page.text
    assert "KB" in page.text or "kB" in page.text  # the PDF's size is stated
    assert client.get(f"/en/groups/ncg/letters/{draft.pk}/").status_code == 404
    assert client.get(f"/en/groups/ncg/letters/{draft.pk}/letter.pdf").status_code == 404
    pdf = client.get(f"/cy/groups/ncg/letters/{published.pk}/letter.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    assert "-cy.pdf" in pdf["Content-Disposition"]
    assert "/groups/ncg/letters/" in client.get("/en/groups/ncg/").text


def test_the_atom_feed_lists_published_letters_only(client, letters):
    published, _draft = letters
    response = client.get("/cy/groups/ncg/letters/feed.atom")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.content)
    ns = {"a": "http://www.w3.org/2005/Atom"}
    titles = [e.findtext("a:title", namespaces=ns) for e in feed.findall("a:entry", ns)]
    assert titles == [WELSH["title_cy"]]
    link = feed.find("a:entry/a:link", ns).get("href")
    assert link.endswith(f"/cy/groups/ncg/letters/{published.pk}/")
