"""What a member sent by email: their own words (quotes, signatures and disclaimers removed), a
position from the first line, and their attachments (not the images shown in the HTML body).

Built on mail-parser-reply (its header, separator and signature machinery), with what it lacks:
- a Welsh layer ("Ar … ysgrifennodd …:", Outlook's "Oddi wrth:/Anfonwyd:/At:/Pwnc:", "-----Neges
  Wreiddiol-----", "Anfonwyd o fy iPhone", Welsh closings);
- HTML-only replies (Outlook on the web, Gmail, Apple Mail, Thunderbird): the quote containers are cut
  from the HTML first, then the rest becomes text (html2text) and goes through the same steps;
- inline and bottom-posted replies: the library keeps only what comes before the first quote header,
  which drops words written between or below quoted lines. Here a header followed by ">" lines only
  marks an attribution (dropped with the ">" lines); the member's lines around it stay, in order.
  A header followed by unmarked text (Outlook, forwards) quotes everything after it;
- closings that end the message only when alone on their line (the library's "Thanks," would also
  cut "Thanks, fine by me." and everything after it);
- legal disclaimers and bilingual footers, from a short list below.

A position ("Agree", "Cytuno", …) on the reply's first line, alone, is returned separately.
"""

import email.utils
import functools
import re
from dataclasses import dataclass

from mailparser_reply import constants as reply_constants
from mailparser_reply.parser import EmailMessage as _LibraryMessage

from .models import Position

_Q = reply_constants.QUOTED_MATCH_INCLUDE  # lets a pattern match inside "> > " quoted lines


def _from_header(labels):
    """An Outlook-style header block: two or more lines starting with these labels."""
    return r"((?:(?:^|\n|\n" + _Q + r")[* ]*(?:" + labels + r"):[ *]*(?:\s{,2}).*){2,}(?:\n.*){,1})"


_ENGLISH = reply_constants.MAIL_LANGUAGES["en"]

# Per language, in the library's own shape. English is the library's, except for the closings.
LANGUAGES = {
    "en": {
        "wrote_header": _ENGLISH["wrote_header"],
        "from_header": _ENGLISH["from_header"],
        "disclaimers": _ENGLISH["disclaimers"],
        # Closings count only alone on their line ("Thanks," — not "Thanks, fine by me.").
        "signatures": [
            r"(?:(?:kind|kindest|best|warm|warmest|many) )?regards,?[ \t]*$",
            r"best(?: wishes)?,?[ \t]*$",
            r"all the best,?[ \t]*$",
            r"(?:many )?thanks,?[ \t]*$",
            r"thank you,?[ \t]*$",
            r"cheers,?[ \t]*$",
            r"yours (?:sincerely|faithfully),?[ \t]*$",
        ],
        "sent_from": (
            r"Sent from my|Sent from Outlook|Sent from Mail for|Sent from Yahoo Mail|"
            r"Sent from Samsung|Sent from the all-new|Get Outlook for"
        ),
    },
    "cy": {
        # Gmail: "Ar Llun, 3 Maw 2025 am 10:00, Enw <x@y> ysgrifennodd:"; Apple Mail: "Ar 3 Maw
        # 2025, am 10:00, Enw <x@y> ysgrifennodd:"; some clients put the name after the verb.
        "wrote_header": r"^(" + _Q + r"Ar\s(?:.+?\s?.+?)\s?ysgrifennodd(?:\s[^\n]{1,120}?)?:)$",
        # Outlook in Welsh; Gmail's Welsh forward uses the same labels.
        "from_header": _from_header("Oddi wrth|Anfonwyd|At|Pwnc|Dyddiad|Cc|Copi|Sefydliad"),
        "disclaimers": [],
        "signatures": [
            r"cofion(?: (?:cynnes|gorau|caredig))?,?[ \t]*$",
            r"diolch(?: yn fawr(?: iawn)?)?,?[ \t]*$",
            r"gyda diolch,?[ \t]*$",
            r"yn gywir(?: iawn)?,?[ \t]*$",
            r"pob hwyl,?[ \t]*$",
        ],
        "sent_from": r"Anfonwyd o fy|Anfonwyd o['’]m|Anfonwyd o Outlook|Cael Outlook ar gyfer",
    },
}

# Lines that open a quoted or forwarded message, besides the library's "-----Original Message-----".
SEPARATORS = [
    r"^-{5,} ?Neges Wreiddiol ?-{5,}$",
    r"^-{5,} ?Forwarded message ?-{5,}$",
    r"^-{5,} ?Neges wedi['’]i hanfon ymlaen ?-{5,}$",
    r"^Begin forwarded message:$",
    r"^Dechrau neges wedi['’]i hanfon ymlaen:$",
]

# Legal disclaimers and footers, matched on a whole paragraph (its lines joined). Each entry says
# where it is seen. A footer removes its paragraph and everything after it (footers come last);
# a banner, which mail servers put at the top, removes only its own paragraph.
DISCLAIMER_FOOTERS = [
    # "This email and any files transmitted with it are confidential and intended solely for…"
    r"^this (?:e-?mail|message|communication)\b.{0,120}\b(?:confidential|privileged|intended "
    r"(?:solely|only))",
    # "The information contained in this email is confidential…"
    r"^the (?:information|contents?) (?:contained )?in this (?:e-?mail|message)\b.{0,60}"
    r"\b(?:confidential|privileged)",
    # "If you have received this email in error, please notify…"
    r"\bif you (?:have )?received this (?:e-?mail|message|communication) in error\b",
    # Antivirus footers: "This email has been scanned for viruses…"
    r"^this (?:e-?mail|message) (?:has been|was) (?:scanned|checked)\b",
    r"^(?:disclaimer|confidentiality notice|legal notice)\s*:",
    # Welsh: "Mae'r e-bost hwn ac unrhyw ffeiliau a drosglwyddir gydag ef yn gyfrinachol…"
    r"^mae['’]r (?:e-?bost|neges) (?:hwn|hon)\b.{0,160}\b(?:g|c)yfrinachol",
    r"\b(?:e-?bost hwn|neges hon) (?:drwy|trwy) gamgymeriad\b",
    # Welsh public bodies' bilingual footer (Welsh Language Standards), in either language.
    r"\brydym yn croesawu (?:derbyn )?gohebiaeth\b",
    r"\bwe welcome (?:receiving )?correspondence in welsh\b",
]
DISCLAIMER_BANNERS = [
    # "CAUTION: This email originated from outside of the organisation…"
    r"^(?:caution|warning|external(?: e-?mail| sender)?|rhybudd|allanol)\s*:",
    r"^\[?external\]?\s",
]
_FOOTER = re.compile("|".join(DISCLAIMER_FOOTERS), re.IGNORECASE)
_BANNER = re.compile("|".join(DISCLAIMER_BANNERS), re.IGNORECASE)

# HTML: elements that hold the quoted message, removed with their content.
HTML_QUOTES = [
    "div.gmail_attr",  # Gmail's "On … wrote:" line
    "blockquote.gmail_quote",
    "blockquote[type=cite]",  # Apple Mail, Thunderbird
    "div.moz-cite-prefix",  # Thunderbird's "On … wrote:" line
    "div.moz-forward-container",
    "div.yahoo_quoted",
    "div.gmail_signature",
    "div.moz-signature",
    "div#Signature",  # Outlook on the web
]
# HTML: elements after which everything is the quoted message (Outlook keeps no container).
HTML_QUOTE_STARTS = [
    "#appendonsend",  # Outlook on the web: an empty marker before the quoted header
    "#divRplyFwdMsg",
    "#x_appendonsend",
    "#x_divRplyFwdMsg",
    "#mail-editor-reference-message-container",  # the new Outlook
    "div.OutlookMessageHeader",
]
# Outlook for Windows draws a rule above the quoted "From:" block.
_OUTLOOK_RULE = re.compile(r"border-top:\s*solid", re.IGNORECASE)
_HEADER_LABEL = re.compile(r"^\s*(?:From|Oddi wrth)\s*:", re.IGNORECASE)

# A position alone on the reply's first line. Checked in this order.
POSITION_PHRASES = [
    (
        Position.AGREE_WITH_COMMENTS,
        r"(?:i )?agree,? with comments|(?:rwy['’]?n |dw i['’]?n )?cytuno,? (?:gyda|efo|â|a) "
        r"sylwadau",
    ),
    (
        Position.DISAGREE,
        r"(?:i )?disagree|(?:i )?do not agree|(?:i )?don['’]t agree|(?:rwy['’]?n )?anghytuno|"
        r"dydw i ddim yn cytuno|dw i ddim yn cytuno|nid wyf yn cytuno",
    ),
    (Position.NO_COMMENT, r"no comments?|dim sylw(?:adau)?"),
    (Position.AGREE, r"(?:i )?agreed?|(?:rwy['’]?n |dw i['’]?n )?cytuno"),
]
_POSITIONS = [
    (value, re.compile(rf"^\s*(?:{phrase})[\s.!,:;]*$", re.IGNORECASE))
    for value, phrase in POSITION_PHRASES
]


@dataclass(frozen=True)
class ReplyText:
    text: str
    position: str = ""


class _ReplyParser(_LibraryMessage):
    """mail-parser-reply's message, reading patterns from LANGUAGES and SEPARATORS above."""

    def _normalize_text(self):
        # The library's own, without its re.sub call that passes a flag as the count (a
        # DeprecationWarning on Python 3.13): CRLF to LF, each line stripped, and a line of
        # underscores (Outlook's rule above a quoted header) moved onto a line of its own.
        self.text = "\n".join(line.strip() for line in self.text.replace("\r\n", "\n").split("\n"))
        self.text = re.sub(f"([^\n]){reply_constants.OUTLOOK_MAIL_SEPARATOR}", "\\1\n", self.text)

    def _get_language_regex(self, language, regex_key):
        patterns = LANGUAGES.get(language, {}).get(regex_key, "")
        return "|".join(patterns) if isinstance(patterns, list) else patterns

    @property
    def HEADER_REGEX(self):  # noqa: N802 (the library's name)
        if getattr(self, "_with_separators", None) is None:
            library = super().HEADER_REGEX.pattern
            extra = "|".join(f"({separator})" for separator in SEPARATORS)
            self._with_separators = re.compile(
                f"{library}|{extra}", flags=re.MULTILINE | re.IGNORECASE
            )
        return self._with_separators


def _parser(text):
    return _ReplyParser(text=text, languages=["cy", "en"], keep_hyphen_lists=True)


def _line_start(text, index):
    """Where the line holding text[index] starts, skipping the newlines a match may begin with."""
    while index < len(text) and text[index] == "\n":
        index += 1
    return text.rfind("\n", 0, index) + 1


def _is_quoted(line):
    return line.lstrip().startswith(">")


def _line_at(text, start):
    end = text.find("\n", start)
    return text[start : end if end >= 0 else len(text)]


def _first_line_after(text):
    for line in text.split("\n"):
        if line.strip():
            return line
    return None


# Quote headers are short lines. The library's "On … wrote:" pattern backtracks quadratically on
# a long line, so longer lines are set aside (as short markers) while headers and signatures are
# looked for, and put back afterwards.
LONGEST_HEADER_LINE = 300
_MARKER = re.compile(r"^(>*)\x00(\d+)\x00$")


def _set_aside_long_lines(text):
    lines, long_lines = [], []
    for line in text.split("\n"):
        if len(line) > LONGEST_HEADER_LINE:
            quote = ">" if _is_quoted(line) else ""
            lines.append(f"{quote}\x00{len(long_lines)}\x00")
            long_lines.append(line)
        else:
            lines.append(line)
    return "\n".join(lines), long_lines


def _put_back_long_lines(text, long_lines):
    def restore(line):
        match = _MARKER.match(line)
        return long_lines[int(match[2])] if match else line

    return "\n".join(restore(line) for line in text.split("\n"))


def remove_quotes(text):
    """The member's lines of a plain-text reply, in order, without quoted text (long lines are
    expected to be set aside already)."""
    parser = _parser(text)
    text = parser.text  # line endings normalised, lines stripped
    for _ in range(50):  # each pass removes one header; a bound against pathological input
        for match in parser.HEADER_REGEX.finditer(text):
            start = _line_start(text, match.start())
            if _is_quoted(_line_at(text, start)):
                continue  # a header inside the quote is part of the quote
            following = _first_line_after(text[match.end() :])
            if following is None or not _is_quoted(following):
                # Outlook and forwards: the quoted message follows the header unmarked.
                text = text[:start]
            else:
                # "On … wrote:" above ">" lines: drop the line, keep what is around the quote.
                text = text[:start] + text[match.end() :]
            break
        else:
            break
    lines = [line for line in text.split("\n") if not _is_quoted(line)]
    return "\n".join(lines)


def remove_signature(text):
    match = _parser("").SIGNATURE_REGEX.search(text)
    return text[: match.start()] if match else text


def remove_disclaimers(text):
    paragraphs = re.split(r"\n\s*\n", text)
    kept = []
    for paragraph in paragraphs:
        joined = " ".join(line.strip() for line in paragraph.split("\n")).strip()
        if _FOOTER.search(joined):
            break
        if _BANNER.search(joined):
            continue
        kept.append(paragraph)
    return "\n\n".join(kept)


def _tidy(text):
    lines = [line.rstrip() for line in text.split("\n")]
    # Separator rules left above a cut quote ("____", "----", "====").
    while lines and (not lines[-1].strip() or re.fullmatch(r"[_\-=*\s]{3,}", lines[-1])):
        lines.pop()
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def split_position(text):
    """(position, text without the position line) when the first line is only a position."""
    first, _, rest = text.strip().partition("\n")
    for value, pattern in _POSITIONS:
        if pattern.match(first):
            return str(value), rest.strip()
    return "", text.strip()


def reply_from_text(text):
    text, long_lines = _set_aside_long_lines(text.replace("\r\n", "\n").replace("\x00", ""))
    text = remove_signature(remove_quotes(text))
    text = remove_disclaimers(_put_back_long_lines(text, long_lines))
    position, text = split_position(_tidy(text))
    return ReplyText(text=_tidy(text), position=position)


# --- HTML ---------------------------------------------------------------------------------------


# BeautifulSoup and html2text are imported only when a reply has no text part to read. Nearly
# every mail client sends one, and importing BeautifulSoup (soupsieve compiles its CSS patterns)
# costs about a tenth of a second, which every `receive_email` process (one per message) paid.


def _soup(html):
    from bs4 import BeautifulSoup

    return BeautifulSoup(html, "html.parser")


@functools.cache
def _text_class():
    import html2text

    class _Text(html2text.HTML2Text):
        """html2text without Markdown escaping: "1." and "-" at a line start stay as written."""

        def __init__(self):
            super().__init__(bodywidth=0)
            self.ignore_images = True
            self.ignore_emphasis = True
            self.ignore_links = True  # link targets are written into the text first
            self.ignore_tables = True
            self.unicode_snob = True
            self.single_line_break = False

        def handle_data(self, data, entity_char=False):
            super().handle_data(data, entity_char=True)

    return _Text


def _source_offset(html, element):
    """Where the element's start tag begins in the HTML source (html.parser records it)."""
    line, column = element.sourceline, element.sourcepos
    if line is None or column is None:
        return None
    offset = 0
    for _ in range(line - 1):
        offset = html.index("\n", offset) + 1
    return offset + column


def _quote_start(html, soup):
    """The source offset of the first element after which everything is the quoted message."""
    starts = [soup.select_one(", ".join(HTML_QUOTE_STARTS))]  # the first in document order
    starts += [
        div
        for div in soup.find_all("div", style=_OUTLOOK_RULE)
        if _HEADER_LABEL.match(div.get_text(" "))
    ][:1]
    offsets = [_source_offset(html, element) for element in starts if element is not None]
    offsets = [offset for offset in offsets if offset is not None]
    return min(offsets) if offsets else None


def _empty(element):
    """Remove an element's content. (Emptied and renamed in place: detaching each of thousands of
    siblings from a parent costs quadratic time in BeautifulSoup.)"""
    element.clear()
    element.name = "span"
    element.attrs = {}


def html_without_quotes(html):
    soup = _soup(html)
    cut = _quote_start(html, soup)
    if cut is not None:  # Outlook: no container, the quote is everything after the marker
        soup = _soup(html[:cut])
    for element in soup(["script", "style", "head", "title", "img"]):
        _empty(element)
    for element in soup.select(", ".join(HTML_QUOTES)):
        _empty(element)
    for link in soup.find_all("a", href=True):
        href, label = link["href"].strip(), link.get_text(" ").strip()
        if re.match(r"^(?:https?|mailto):", href) and href.removeprefix("mailto:") != label:
            link.append(f" ({href.removeprefix('mailto:')})")
    return str(soup)


def html_to_text(html):
    return _text_class()().handle(html_without_quotes(html))


# --- Messages -----------------------------------------------------------------------------------

_UNICODE_FALLBACKS = ("utf-8", "windows-1252")
# Labels mail clients write that mean a superset in practice (as browsers treat them).
_CHARSET_ALIASES = {
    "iso-8859-1": "windows-1252",
    "latin1": "windows-1252",
    "latin-1": "windows-1252",
}


def part_text(part):
    """A text part's content as str, whatever its declared (or missing, or wrong) charset."""
    payload = part.get_payload(decode=True) or b""
    declared = (part.get_content_charset() or "").lower()
    candidates = []
    if declared and declared not in ("us-ascii", "ascii"):
        candidates.append(_CHARSET_ALIASES.get(declared, declared))
    candidates += _UNICODE_FALLBACKS
    for charset in candidates:
        try:
            text = payload.decode(charset)
        except (LookupError, ValueError):  # ValueError: a charset name holding a NUL byte
            continue
        break
    else:  # pragma: no cover - windows-1252 decodes nearly everything
        text = payload.decode("utf-8", errors="replace")
    if _param(part, "format") == "flowed":
        text = _unflow(text, delsp=_param(part, "delsp") == "yes")
    # A lone surrogate (UTF-7 can say one) cannot be stored: it becomes "?".
    return text.encode("utf-8", "replace").decode("utf-8")


def _param(part, name):
    """A Content-Type parameter, lower case ("" when absent), also when written the RFC 2231
    way (format*=utf-8''flowed), which the email package gives as a tuple."""
    value = part.get_param(name, "")
    return str(email.utils.collapse_rfc2231_value(value)).lower()


def _unflow(text, *, delsp):
    """RFC 3676 format=flowed: a line ending in a space continues on the next (same quote depth)."""
    out = []
    for line in text.replace("\r\n", "\n").split("\n"):
        depth = len(line) - len(line.lstrip(">"))
        previous = out[-1] if out else None
        if (
            previous is not None
            and previous.endswith(" ")
            and previous.rstrip() != "--"
            and len(previous) - len(previous.lstrip(">")) == depth
        ):
            joined = previous[:-1] if delsp else previous
            out[-1] = joined + line[depth:].lstrip(" ") if depth else joined + line
        else:
            out.append(line)
    return "\n".join(out)


def _walk_own_parts(message):
    """The message's parts, not descending into attached messages (message/rfc822)."""
    yield message
    if message.is_multipart():
        for part in message.iter_parts():
            if part.get_content_type() == "message/rfc822":
                yield part
            else:
                yield from _walk_own_parts(part)


def _is_body_candidate(part):
    return (
        not part.is_multipart()
        and part.get_content_maintype() == "text"
        and part.get_content_disposition() != "attachment"
        and not part.get_filename()
    )


def _text_parts(message):
    """(plain, html) body parts: the ones the message's structure names, or, when its MIME is
    broken, the first text parts found."""
    parts = {}
    for subtype in ("plain", "html"):
        try:
            parts[subtype] = message.get_body(preferencelist=(subtype,))
        except (KeyError, IndexError, TypeError, AttributeError):
            # AttributeError: a multipart/related or /alternative part without a boundary
            # inside another multipart holds text where get_body expects parts.
            parts[subtype] = None
    if parts["plain"] is None and parts["html"] is None:
        for part in _walk_own_parts(message):
            if _is_body_candidate(part):
                parts.setdefault(part.get_content_subtype(), None)
                if parts.get(part.get_content_subtype()) is None:
                    parts[part.get_content_subtype()] = part
    return parts.get("plain"), parts.get("html")


# A member's own words fit in far less. Reading costs time in proportion (HTML about 15 s a
# megabyte, the quote patterns a few seconds), and a message may be 35 MB: only the start is read.
MAX_TEXT_CHARS = 1_000_000
MAX_HTML_CHARS = 1_000_000


def message_body(message):
    """The text of the message's body: text/plain preferred; HTML with its quotes cut otherwise."""
    plain, html = _text_parts(message)
    if plain is not None:
        text = part_text(plain)[:MAX_TEXT_CHARS]
        if text.strip():
            return text
    if html is not None:
        return html_to_text(part_text(html)[:MAX_HTML_CHARS])
    return ""


def extract_reply(message):
    """ReplyText(text, position): the member's own words in a parsed email.message.EmailMessage."""
    return reply_from_text(message_body(message))


# --- Attachments --------------------------------------------------------------------------------


def _referenced_content_ids(parsed):
    ids = set()
    for part in parsed.walk():
        if part.get_content_type() != "text/html":
            continue
        try:
            html = part.get_content()
        except Exception:  # noqa: BLE001
            html = (part.get_payload(decode=True) or b"").decode("utf-8", "replace")
        ids.update(match.lower() for match in re.findall(r"cid:([^\"'\s>)]+)", html, re.IGNORECASE))
    return ids


def reply_attachments(parsed):
    """(filename, content type, bytes) for each attachment, leaving out images shown in the
    HTML body (signature logos, pasted pictures): those are part of the message, not documents."""
    referenced = _referenced_content_ids(parsed)
    attachments = []
    for part in _walk_own_parts(parsed):
        if part.is_multipart() and part.get_content_type() != "message/rfc822":
            continue
        if part is parsed or _is_body_candidate(part):
            continue
        content_id = str(part.get("Content-ID", "")).strip().strip("<>").lower()
        if content_id and content_id in referenced and part.get_content_maintype() == "image":
            continue
        if part.get_content_type() == "message/rfc822":
            content = part.as_bytes()
            name = part.get_filename() or "attached-message.eml"
        else:
            content = part.get_payload(decode=True) or b""
            name = part.get_filename() or "attachment"
        attachments.append((name, part.get_content_type(), content))
    return attachments
