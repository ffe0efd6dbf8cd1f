"""The letter pages: who sees and does what; editing makes versions; the comparison."""

import pytest

from advice import services
from advice.forms import LetterForm
from advice.models import Letter
from tests.conftest import totp_code

from .test_letters import TEXTS

pytestmark = pytest.mark.django_db


def form_data(letter, **changes):
    """What the edit form posts for the letter as it stands, with `changes`."""
    version = letter.current
    data = {
        "letter_date": letter.letter_date.isoformat(),
        **{
            name: getattr(letter, name)
            for name in LetterForm.DETAIL_FIELDS
            if name != "letter_date"
        },
        **version.texts(),
        "meetings": [m.pk for m in letter.meetings.all()],
        "circulations": [c.pk for c in letter.circulations.all()],
        "started_from": services.letter_edit_token(letter),  # the editor opened just now
    }
    return {**data, **changes}


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
    approve = client.post(base + "approve/", {"code": totp_code()})
    assert approve.status_code == (302 if who == "chair" else 404)
    letter.refresh_from_db()
    assert (letter.status == Letter.Status.APPROVED) == (who == "chair")


def test_editing_makes_a_version_and_the_comparison_shows_the_words(as_secretariat, letter):
    base = f"/en/g/ncg/letters/{letter.pk}/"
    data = form_data(letter, letter_date="2025-11-20", body_en="We strongly advise caution.")
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
