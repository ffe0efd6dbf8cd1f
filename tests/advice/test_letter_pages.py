"""The letter pages: who sees and does what; editing makes versions; the comparison."""

import pytest

from advice import services
from advice.models import Letter

from .test_letters import TEXTS

pytestmark = pytest.mark.django_db


@pytest.fixture
def letter(ncg, chair, secretariat):
    return services.create_letter(group=ncg, created_by=secretariat, texts=TEXTS)


@pytest.mark.parametrize("who", ["outsider", "observer", "member", "chair", "secretariat"])
def test_pages_by_visitor(client, request, who, letter, secretariat):
    client.force_login(request.getfixturevalue(who))
    drafts = who in ("chair", "secretariat")
    base = f"/en/g/ncg/letters/{letter.pk}/"
    assert client.get("/cy/g/ncg/letters/").status_code == (404 if who == "outsider" else 200)
    assert client.get(base).status_code == (200 if drafts else 404)  # a draft
    assert client.get("/en/g/ncg/letters/new/").status_code == (200 if drafts else 404)
    services.send_for_review(letter=letter, sent_by=secretariat)
    assert client.get(base).status_code == (404 if who == "outsider" else 200)
    assert client.get(base + "edit/").status_code == (200 if drafts else 404)
    comment = client.post(base + "comment/", {"body": "Add a line on data."})
    assert comment.status_code == (404 if who == "outsider" else 302)
    approve = client.post(base + "approve/")
    assert approve.status_code == (302 if who == "chair" else 404)
    letter.refresh_from_db()
    assert (letter.status == Letter.Status.APPROVED) == (who == "chair")


def test_editing_makes_a_version_and_the_comparison_shows_the_words(as_secretariat, letter):
    base = f"/en/g/ncg/letters/{letter.pk}/"
    data = {"letter_date": "2025-11-20", **TEXTS, "body_en": "We strongly advise caution."}
    for name in ("title_cy", "salutation_cy", "body_cy", "closing_cy"):
        data.setdefault(name, "")
    assert as_secretariat.post(base + "edit/", data).status_code == 302
    letter.refresh_from_db()
    assert letter.versions.count() == 2 and str(letter.letter_date) == "2025-11-20"
    page = as_secretariat.get(base + "compare/?from=1&to=2")
    assert page.status_code == 200
    assert (
        "<ins>strongly </ins>" in page.text or "<ins>We strongly advise caution.</ins>" in page.text
    )
    assert "<del>" in page.text
    # A bad version number falls back to the latest two, not an error.
    assert as_secretariat.get(base + "compare/?from=x&to=99").status_code == 200
    # Missing English fields: errors, no new version.
    bad = as_secretariat.post(base + "edit/", {**data, "body_en": ""})
    assert bad.status_code == 200 and "govuk-error-summary" in bad.text
    assert letter.versions.count() == 2


def test_publishing_without_welsh_is_refused_with_a_message(as_chair, letter, chair):
    services.approve_letter(letter=letter, approved_by=chair)
    response = as_chair.post(f"/cy/g/ncg/letters/{letter.pk}/publish/", follow=True)
    assert "Gymraeg" in response.text
    letter.refresh_from_db()
    assert letter.status == Letter.Status.APPROVED
