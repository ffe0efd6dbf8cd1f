"""The member's own words from a reply: quotes, signatures and disclaimers out, their words in
order, a position on the first line. Whole messages from real clients are in the corpus
(test_inbound_corpus.py); these pin down each rule on its own."""

import email
import email.policy
from email.message import EmailMessage

import pytest

from meetings.reply_text import extract_reply, html_to_text, reply_from_text

QUOTE = "> Question 1: Do you agree?\n> Question 2: Any other comments?\n"


def message(*, plain=None, html=None, charset="utf-8", params=None):
    msg = EmailMessage()
    msg["From"] = "owen@example.org"
    if plain is not None:
        msg.set_content(plain, charset=charset, params=params or {})
    if html is not None:
        if plain is None:
            msg.set_content(html, subtype="html")
        else:
            msg.add_alternative(html, subtype="html")
    return email.message_from_bytes(msg.as_bytes(), policy=email.policy.default)


@pytest.mark.parametrize(
    ("first_line", "position"),
    [
        ("Agree", "agree"),
        ("agreed.", "agree"),
        ("I agree", "agree"),
        ("AGREE!", "agree"),
        ("Cytuno", "agree"),
        ("Rwy'n cytuno.", "agree"),
        ("Rwy’n cytuno", "agree"),
        ("Agree with comments", "agree_comments"),
        ("Agree, with comments:", "agree_comments"),
        ("Cytuno gyda sylwadau", "agree_comments"),
        ("Disagree", "disagree"),
        ("Do not agree.", "disagree"),
        ("Anghytuno", "disagree"),
        ("Dydw i ddim yn cytuno", "disagree"),
        ("No comment", "no_comment"),
        ("Dim sylw", "no_comment"),
        ("Dim sylwadau.", "no_comment"),
    ],
)
def test_a_position_alone_on_the_first_line_is_read_and_left_out_of_the_text(first_line, position):
    reply = reply_from_text(f"{first_line}\n\nThe timetable is tight.\n")
    assert (reply.position, reply.text) == (position, "The timetable is tight.")


@pytest.mark.parametrize(
    "text",
    [
        "Agree. The paper is fine.",
        "I agree with most of this.",
        "Agreement on section 2 is missing.",
        "Cytuno â'r rhan fwyaf.",
        "The timetable is tight.\nAgree",  # only the first line counts
    ],
)
def test_a_position_counts_only_alone_on_the_first_line_and_no_words_are_lost(text):
    reply = reply_from_text(text)
    assert (reply.position, reply.text) == ("", text)


def test_top_posted_reply_loses_the_attribution_and_the_quote():
    reply = reply_from_text(
        "Fine by me.\n\nOn Tue, 10 Nov 2026 at 09:14, NCG portal <no-reply@example.org> wrote:\n"
        + QUOTE
    )
    assert reply.text == "Fine by me."


def test_inline_answers_are_kept_in_order_between_the_quoted_lines():
    reply = reply_from_text(
        "On Tue, 10 Nov 2026 at 09:14, NCG portal wrote:\n"
        "> Question 1: Do you agree?\nYes.\n\n> Question 2: Any other comments?\nNone.\n"
    )
    assert reply.text == "Yes.\n\nNone."


def test_bottom_posted_words_below_the_quote_are_kept():
    reply = reply_from_text(
        "Ar 10/11/2026 09:14, Porth NCG ysgrifennodd:\n" + QUOTE + "\nMae'r papur yn dda.\n"
    )
    assert reply.text == "Mae'r papur yn dda."


def test_welsh_gmail_attribution_wrapped_over_two_lines_is_recognised():
    reply = reply_from_text(
        "Iawn gen i.\n\nAr ddydd Mawrth, 10 Tach 2026 am 09:14, Porth NCG <\n"
        "no-reply@example.org> ysgrifennodd:\n\n" + QUOTE
    )
    assert reply.text == "Iawn gen i."


@pytest.mark.parametrize(
    "header",
    [
        "From: NCG portal <no-reply@example.org>\nSent: 10 November 2026 09:14\nTo: Owen\n"
        "Subject: Papers",
        "Oddi wrth: Porth NCG <no-reply@example.org>\nAnfonwyd: 10 Tachwedd 2026 09:14\n"
        "At: Dafydd\nPwnc: Papurau",
        "-----Original Message-----",
        "-----Neges Wreiddiol-----",
        "---------- Forwarded message ---------\nFrom: NCG portal",
        "-------- Neges wreiddiol --------\nOddi wrth: Porth NCG",
        "Begin forwarded message:\n\nFrom: NCG portal",
    ],
)
def test_an_unmarked_quote_after_a_header_block_is_cut_whatever_the_language(header):
    reply = reply_from_text(f"Dim sylwadau pellach.\n\n{header}\n\nAnnwyl Dafydd,\nPapurau.\n")
    assert reply.text == "Dim sylwadau pellach."


@pytest.mark.parametrize(
    "signature",
    [
        "-- \nOwen Evans\nEstyn",
        "Kind regards\nOwen Evans",
        "Thanks,\nOwen",
        "Sent from my iPhone",
        "Sent from Outlook for Android",
        "Get Outlook for iOS<https://aka.ms/o0ukef>",
        "Anfonwyd o fy iPhone",
        "Cofion\nDafydd",
        "Diolch,\nDafydd",
        "Yn gywir,\nDafydd Gibbard",
    ],
)
def test_signatures_and_closings_are_removed(signature):
    assert reply_from_text(f"The plan is sound.\n\n{signature}\n").text == "The plan is sound."


def test_a_closing_word_inside_a_sentence_keeps_the_sentence_and_what_follows():
    text = "Thanks, fine by me.\n\nDiolch am y papur, mae'n glir.\n\nBest wishes for the meeting."
    assert reply_from_text(text).text == text


def test_lists_written_with_hyphens_are_not_taken_for_a_signature():
    text = "Two points:\n- the budget\n- the timetable"
    assert reply_from_text(text).text == text


def test_legal_footers_in_english_and_welsh_are_removed_with_what_follows():
    reply = reply_from_text(
        "The plan is sound.\n\n"
        "Mae'r e-bost hwn ac unrhyw ffeiliau a drosglwyddir gydag ef yn gyfrinachol.\n"
        "This email and any files transmitted with it are confidential and intended solely "
        "for the addressee.\n\n"
        "Any views expressed are those of the author.\n"
    )
    assert reply.text == "The plan is sound."


def test_the_welsh_language_standards_footer_is_removed():
    reply = reply_from_text(
        "Cytuno\n\nIawn.\n\nRydym yn croesawu derbyn gohebiaeth yn Gymraeg.\n"
        "We welcome receiving correspondence in Welsh.\n"
    )
    assert (reply.position, reply.text) == ("agree", "Iawn.")


def test_a_banner_at_the_top_goes_but_the_words_after_it_stay():
    reply = reply_from_text(
        "CAUTION: This email originated from outside the organisation.\n\nAgree\n\nNo changes.\n"
    )
    assert (reply.position, reply.text) == ("agree", "No changes.")


def test_the_word_confidential_in_the_members_own_text_is_kept():
    text = "The annex should stay confidential until March.\n\nOtherwise fine."
    assert reply_from_text(text).text == text


def test_html_only_outlook_on_the_web_reply_is_cut_at_its_quote_marker():
    html = (
        '<div>Agree</div><div>Section 2 is clear.</div><div id="appendonsend"></div><hr>'
        '<div id="divRplyFwdMsg"><b>From:</b> NCG portal<br><b>Sent:</b> today</div>'
        "<div><p>Dear Owen, please comment.</p></div>"
    )
    reply = extract_reply(message(html=html))
    assert (reply.position, reply.text) == ("agree", "Section 2 is clear.")


def test_html_is_text_without_markdown_escapes_and_links_keep_their_address():
    text = html_to_text(
        "<p>1. First point</p><p>- a dash</p><p>See <a href='https://gov.wales/x'>the plan</a>"
        " and <a href='https://gov.wales/y'>https://gov.wales/y</a>.</p><p>A &amp; B *not bold*</p>"
    )
    assert "1. First point" in text and "- a dash" in text
    assert "the plan (https://gov.wales/x)" in text
    assert "https://gov.wales/y." in text and "(https://gov.wales/y)" not in text
    assert "A & B *not bold*" in text


def test_plain_text_is_preferred_and_an_empty_plain_part_falls_back_to_html():
    both = message(plain="From the plain part.\n", html="<p>From the HTML part.</p>")
    empty_plain = message(plain="\n", html="<p>From the HTML part.</p>")
    assert extract_reply(both).text == "From the plain part."
    assert extract_reply(empty_plain).text == "From the HTML part."


def test_format_flowed_lines_are_joined_again():
    msg = message(
        plain="The timetable looks tight to me but I can see why it has \nbeen set that way.\n",
        params={"format": "flowed"},
    )
    assert extract_reply(msg).text == (
        "The timetable looks tight to me but I can see why it has been set that way."
    )


def test_text_declared_latin1_keeps_windows_curly_apostrophes_and_welsh_circumflexes():
    raw = (
        b'From: d@example.org\nContent-Type: text/plain; charset="iso-8859-1"\n'
        b"Content-Transfer-Encoding: 8bit\n\nRwy\x92n hapus \xe2\x92r cynnig.\n"
    )
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert extract_reply(msg).text == "Rwy’n hapus â’r cynnig."
