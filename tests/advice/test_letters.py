"""Advice letters: versions, the word diff, the workflow and who may move it."""

import pytest

from advice import services
from advice.models import Letter, LetterVersion
from advice.text import render_markdown, word_diff

pytestmark = pytest.mark.django_db

TEXTS = {
    "title_en": "Advice on the School Improvement Partnership Programme",
    "salutation_en": "Dear Cabinet Secretary,",
    "body_en": "The Group met on 3 November 2025.\n\n## Our advice\n\n- Keep the three workstreams",
    "closing_en": "Yours sincerely,",
}
WELSH = {
    "title_cy": "Cyngor ar Raglen Partneriaeth Gwella Ysgolion",
    "salutation_cy": "Annwyl Ysgrifennydd y Cabinet,",
    "body_cy": "Cyfarfu'r Grŵp ar 3 Tachwedd 2025. Ŵ ŷ",
    "closing_cy": "Yn gywir,",
}


@pytest.fixture
def letter(ncg, chair, secretariat):
    return services.create_letter(group=ncg, created_by=secretariat, texts=TEXTS)


def test_a_new_letter_is_addressed_and_signed_as_the_group_says(letter, ncg, chair):
    assert letter.status == Letter.Status.DRAFT
    assert letter.addressee_en == ncg.advises_en
    assert letter.signatory_name == chair.display_name
    assert letter.current.number == 1


def test_every_save_is_a_version_and_an_old_one_can_be_restored(letter, chair):
    services.save_letter(letter=letter, saved_by=chair, texts={"body_en": "Changed words."})
    assert services.save_letter(letter=letter, saved_by=chair, texts={}).number == 2  # unchanged
    services.restore_version(letter=letter, number=1, restored_by=chair)
    versions = list(letter.versions.order_by("number"))
    assert [v.number for v in versions] == [1, 2, 3]
    assert versions[2].body_en == TEXTS["body_en"] and versions[2].restored_from == 1
    assert versions[1].body_en == "Changed words."  # untouched
    with pytest.raises(services.LetterError, match="english_missing"):
        services.save_letter(letter=letter, saved_by=chair, texts={"body_en": "  "})
    assert letter.versions.count() == 3


def test_word_diff_marks_words_added_and_removed():
    assert word_diff("We advise caution now.", "We strongly advise caution.") == [
        ("same", "We "),
        ("added", "strongly "),
        ("same", "advise "),
        ("removed", "caution now."),
        ("added", "caution."),
    ]


def test_markdown_is_sanitised_and_headings_sit_under_the_title():
    html = render_markdown(
        "# Advice\n\n*Keep* [this](https://gov.wales) <script>alert(1)</script>"
        "[bad](javascript:alert(1)) <img src=x onerror=alert(1)>"
    )
    assert "<h2>Advice</h2>" in html and "<em>Keep</em>" in html
    assert 'href="https://gov.wales"' in html
    for unsafe in ("<script", "javascript:", "<img", "onerror"):
        assert unsafe not in html


def test_workflow_only_the_chair_approves_and_approved_words_are_locked(
    letter, chair, member, secretariat, outsider
):
    services.send_for_review(letter=letter, sent_by=secretariat)
    services.comment_on_letter(letter=letter, person=member, body="Add a line on data.")
    with pytest.raises(services.LetterError, match="not_a_member"):
        services.comment_on_letter(letter=letter, person=outsider, body="Hello")
    for person in (member, secretariat):
        with pytest.raises(services.LetterError, match="not_chair"):
            services.approve_letter(letter=letter, approved_by=person)
    letter = services.approve_letter(letter=letter, approved_by=chair)
    assert letter.status == Letter.Status.APPROVED and letter.approved_version.number == 1
    # A change after approval is a new version and needs approval again.
    services.save_letter(letter=letter, saved_by=chair, texts={"body_en": "Better words."})
    letter.refresh_from_db()
    assert letter.status == Letter.Status.DRAFT and letter.approved_version is None
    assert LetterVersion.objects.get(letter=letter, number=1).body_en == TEXTS["body_en"]
    # Publishing needs both languages.
    letter = services.approve_letter(letter=letter, approved_by=chair)
    with pytest.raises(services.LetterError, match="welsh_missing"):
        services.publish_letter(letter=letter, published_by=chair)
    assert Letter.objects.get(pk=letter.pk).status == Letter.Status.APPROVED
    services.save_letter(letter=letter, saved_by=chair, texts=WELSH)
    letter = services.approve_letter(letter=letter, approved_by=chair)
    letter = services.publish_letter(letter=letter, published_by=chair)
    assert letter.status == Letter.Status.PUBLISHED and letter.published_at
    reasons = [h.history_change_reason for h in letter.history.order_by("history_date")]
    assert "Sent to members for review" in reasons
    assert "Published in English and Welsh" in reasons
    with pytest.raises(services.LetterError, match="already_issued"):
        services.save_letter(letter=letter, saved_by=chair, texts={"body_en": "Too late."})
