"""A letter of advice as an accessible PDF (A4, tagged PDF/UA-1), in English or Welsh.

The web download and `manage.py export_letter` both call `letter_pdf`, so they give the same file.
The file is kept (ncg_portal.pdf.html_to_pdf): a repeated export of an unchanged letter returns
the kept bytes without WeasyPrint, and any change to what the PDF shows (words, addressee, group,
signature, logo, status, language) changes the HTML and so the key, never giving a stale file.
"""

import re

from django.utils import translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

from ncg_portal.images import stored_image_uri
from ncg_portal.names import ascii_name
from ncg_portal.pdf import render_pdf

from .models import Letter
from .text import render_markdown

LANGUAGES = ("en", "cy")
# BCP 47 tags for <html lang> and the PDF's /Lang: British English, and Welsh.
HTML_LANG = {"en": "en-GB", "cy": "cy"}
SIGNED_OFF = (Letter.Status.APPROVED, Letter.Status.ISSUED, Letter.Status.PUBLISHED)


def letter_version(letter):
    """The words a PDF shows: as approved once the chair has approved them, else the latest."""
    if letter.status in SIGNED_OFF and letter.approved_version_id:
        return letter.approved_version
    return letter.current


def _check_language(language):
    if language not in LANGUAGES:
        raise ValueError(f"A letter is in English or Welsh, not {language!r}")


def _in(language, english, welsh):
    """(text, lang) for one element: the Welsh when asked for and present, else the English, with
    the lang to mark it by when it is not the letter's language (None when it is)."""
    if language == "cy" and (welsh or "").strip():
        return welsh, None
    return english, ("en" if language == "cy" else None)


def _css_string(text):
    """`text` as a CSS string literal, safe inside a <style> element."""
    escaped = "".join(
        ch if ch.isalnum() or ch in " .,'’-" else f"\\{ord(ch):x} " for ch in str(text)
    )
    return f'"{escaped}"'


def _page_numbers_css():
    """The CSS `content` for "Page 1 of 2" in the active language, from one translated string."""
    label = gettext("Page %(page)s of %(pages)s") % {"page": "\0page\0", "pages": "\0pages\0"}
    parts = []
    for piece in re.split(r"(\0pages?\0)", label):
        if piece == "\0page\0":
            parts.append("counter(page)")
        elif piece == "\0pages\0":
            parts.append("counter(pages)")
        elif piece:
            parts.append(_css_string(piece))
    return " ".join(parts)


def letter_context(letter, language, *, version=None):
    _check_language(language)
    version = version or letter_version(letter)
    group = letter.group

    def field(obj, stem):
        text, lang = _in(language, getattr(obj, f"{stem}_en"), getattr(obj, f"{stem}_cy"))
        return {"text": text, "lang": lang}

    body = field(version, "body")
    with translation.override(HTML_LANG[language]):
        draft = letter.status not in SIGNED_OFF
        page_css = _page_numbers_css()
        draft_css = _css_string(gettext("DRAFT")) if draft else ""
    return {
        "group": group,
        "letter": letter,
        "version": version,
        "draft": draft,
        "title": field(version, "title"),
        "salutation": field(version, "salutation"),
        "body": {"html": mark_safe(render_markdown(body["text"])), "lang": body["lang"]},  # noqa: S308 (sanitised)
        "closing": field(version, "closing"),
        "addressee": field(letter, "addressee"),
        "signatory_role": field(letter, "signatory_role"),
        "signature_uri": stored_image_uri(letter.signature),
        "logo_uri": stored_image_uri(group.logo),
        "page_numbers_css": mark_safe(page_css),  # noqa: S308 (escaped by _css_string)
        "draft_css": mark_safe(draft_css),  # noqa: S308 (escaped by _css_string)
    }


TEMPLATE = "advice/pdf/letter.html"
STYLESHEETS = ("css/letter-pdf.css",)


def _document_context(letter, language, version=None):
    context = letter_context(letter, language, version=version)
    # Django names the active language in lower case ("en-gb"); the document says "en-GB".
    context["html_lang"] = HTML_LANG[language]
    return context


def letter_pdf(letter, language, *, version=None):
    """The letter as PDF bytes in `language` ("en" or "cy"). Blank Welsh texts fall back to the
    English, marked lang="en". Drafts and letters in review carry a DRAFT mark on every page.
    The same letter, unchanged, gives the same bytes, from the cache after the first time."""
    return render_pdf(
        TEMPLATE,
        _document_context(letter, language, version),
        language=HTML_LANG[language],
        stylesheets=STYLESHEETS,
    )


def letter_html(letter, language):
    """The same document as HTML (the records archive keeps both)."""
    from django.template.loader import render_to_string

    with translation.override(HTML_LANG[language]):
        return render_to_string(TEMPLATE, _document_context(letter, language))


def letter_filename(letter, language):
    """For example NCG-letter-2025-11-20-cy.pdf: group, date and language, ASCII only."""
    _check_language(language)
    group = ascii_name(letter.group.short_name) or ascii_name(letter.group.slug) or "group"
    return f"{group}-letter-{letter.letter_date.isoformat()}-{language}.pdf"
