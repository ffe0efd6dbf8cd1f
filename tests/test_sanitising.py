"""Script, event handlers, javascript: links and raw HTML never reach a page or a PDF (issue 7).

Letters are Markdown made HTML and sanitised by nh3 (advice/text.py); comments, minutes and
circulation messages are plain text made paragraphs by the `paragraphs` filter
(ncg_portal/templatetags/portal.py), escaped. Classic payloads (the OWASP XSS filter evasion
cheat sheet's kinds, and Markdown's own: links, images, autolinks, reference links) and
hypothesis text go through both functions, through the real pages (the letter as the chair and
as a member, the version comparison, the public letter, the minutes with their comments, a
circulation's responses and its summary) and through the letter and minutes PDFs.

What "never reaches" means here, checked on the parsed page: no element carries an event
handler attribute; no attribute value (href, src, action, formaction, style, ...) holds a
javascript:, vbscript: or data:text URL or the payloads' alert(); no script or style element
holds them; no iframe, object, embed, base, form, svg, math or meta refresh comes from the text.
A payload may still be shown as text, escaped: that is the point. In a PDF: no JavaScript or
launch action, no link but http(s) and mailto, and the letter's Markdown leaves no raw tag.
"""

import datetime
import re
import subprocess

import pikepdf
import pytest
from bs4 import BeautifulSoup
from django.template import Context, Template
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from advice import services as letters
from advice.pdf import letter_pdf
from advice.text import render_markdown
from meetings import minutes as minutes_services
from meetings import written_procedure as wp
from meetings.pdf_scan import scan_pdf
from tests.conftest import client_for
from tests.meetings.conftest import held  # noqa: F401 - a fixture, used by `meeting`
from tests.test_bad_input_forms import SCALE, nasty_text

pytestmark = pytest.mark.django_db

PAYLOADS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=https://xss.example.org/xss.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    "<IMG SRC=JaVaScRiPt:alert('XSS')>",
    '<IMG SRC="jav&#x09;ascript:alert(1);">',
    "<IMG SRC=&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)>",
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '"><script>alert(1)</script>',
    "'><img src=x onerror=alert(1)>",
    '<a href="javascript:alert(1)">click</a>',
    '<a href="http://example.org" onclick="alert(1)">click</a>',
    '<a href=" &#14;  javascript:alert(1)">click</a>',
    '<iframe src="javascript:alert(1)"></iframe>',
    '<object data="javascript:alert(1)"></object>',
    '<embed src="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">',
    '<form action="javascript:alert(1)"><button formaction="javascript:alert(1)">x</button></form>',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<base href="javascript:alert(1)//">',
    "<body onload=alert(1)>",
    "<details open ontoggle=alert(1)>",
    '<div style="background:url(javascript:alert(1))">x</div>',
    "<style>@import 'javascript:alert(1)';</style>",
    "<<script>script>alert(1)<</script>/script>",
    "<scr<script>ipt>alert(1)</script>",
    "<!--<script>alert(1)</script>-->",
    "<![CDATA[<script>alert(1)</script>]]>",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](javascript&#58;alert(1))",
    "[click](&#106;avascript:alert(1))",
    "[click]( javascript:alert(1))",
    "[click](vbscript:msgbox(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    '[click](http://example.org" onclick="alert(1))',
    "![img](javascript:alert(1))",
    '![img](x" onerror="alert(1))',
    "<javascript:alert(1)>",
    '<http://example.org/"onmouseover="alert(1)>',
    "[ref][1]\n\n[1]: javascript:alert(1)",
    "`<script>alert(1)</script>`",
    "    <script>alert(1)</script>",
    "- <img src=x onerror=alert(1)>\n- item",
    "1. <script>alert(1)</script>\n2. item",
    "## <img src=x onerror=alert(1)> heading",
    "> <script>alert(1)</script>",
    "{{ 7|add:7 }}{% debug %}",
    "\u202e<script>alert(1)</script>",
]
ALL = "\n\n".join(PAYLOADS)

DANGEROUS_TAGS = {"script", "iframe", "object", "embed", "base", "form", "svg", "math", "frame"}
URL_ATTRIBUTES = {
    "href",
    "src",
    "action",
    "formaction",
    "data",
    "poster",
    "background",
    "xlink:href",
}


def _normal(value):
    """An attribute value as a browser reads a URL: control characters and spaces removed."""
    return re.sub(r"[\x00-\x20\u202e]+", "", str(value)).lower()


def assert_nothing_active(html, *, allowed_scripts=()):
    """Nothing in this HTML can run: see the module's docstring."""
    soup = BeautifulSoup(html, "html.parser")
    for element in soup.find_all(True):
        for name, value in element.attrs.items():
            value = " ".join(value) if isinstance(value, list) else str(value)
            name = name.lower()
            assert not name.startswith("on") and name != "srcdoc", (element.name, name, value)
            normal = _normal(value)
            if name in URL_ATTRIBUTES:  # a link or a source: to the web or an address only
                scheme = re.match(r"([a-z][a-z0-9+.\-]*):", normal)
                assert not scheme or scheme[1] in ("http", "https", "mailto"), (element, name)
            if name == "style":
                assert "alert" not in normal and "javascript" not in normal, (element, value)
            # Typed text may sit in other attributes (a form field's value), escaped: harmless.
        if element.name in ("script", "style"):
            assert "alert" not in element.get_text(), element
            if element.name == "script":
                assert element.get("src") in allowed_scripts or element.get("src", "").startswith(
                    "/static/"
                ), element
        if element.name == "meta":
            assert "javascript" not in _normal(element.get("content", "")), element
    return soup


def assert_no_dangerous_tags(html):
    """For a fragment made from typed text: none of the elements that load or run things."""
    soup = BeautifulSoup(html, "html.parser")
    found = {element.name for element in soup.find_all(True)} & DANGEROUS_TAGS
    assert not found, found


# --- The two functions --------------------------------------------------------------------------


@pytest.mark.parametrize("payload", PAYLOADS)
def test_markdown_keeps_only_what_a_letter_may_hold(payload):
    html = render_markdown(payload)
    assert_nothing_active(html)
    assert_no_dangerous_tags(html)
    soup = BeautifulSoup(html, "html.parser")
    allowed = {"h2", "h3", "h4", "p", "ul", "ol", "li", "strong", "em", "a", "br", "blockquote"}
    allowed |= {"code", "pre"} & {element.name for element in soup.find_all(True)}
    for element in soup.find_all(True):
        assert element.name in allowed | {"code", "pre"}, element.name
        for name, value in element.attrs.items():
            assert (element.name, name) in {("a", "href"), ("a", "rel")}, (element, name)
            if name == "href":
                assert re.match(r"(https?|mailto):", value), value


PARAGRAPHS = Template("{% load portal %}{{ text|paragraphs }}")


@pytest.mark.parametrize("payload", PAYLOADS)
def test_paragraphs_escape_everything(payload):
    html = PARAGRAPHS.render(Context({"text": payload}))
    assert_nothing_active(html)
    soup = BeautifulSoup(html, "html.parser")
    for element in soup.find_all(True):
        assert element.name in {"p", "br", "ul", "ol", "li"}, element.name
        assert set(element.attrs) <= {"class"}, element.attrs


markdownish = st.lists(
    st.one_of(
        st.sampled_from(PAYLOADS),
        nasty_text,
        st.sampled_from(["\n\n", "- ", "1. ", "## ", "> ", "[", "](", ")", "<", ">", '"', "`"]),
    ),
    max_size=12,
).map("".join)


@settings(max_examples=60 * SCALE, deadline=None)
@given(text=markdownish)
def test_any_text_as_markdown_or_paragraphs_holds_nothing_active(text):
    html = render_markdown(text)
    assert_nothing_active(html)
    assert_no_dangerous_tags(html)
    html = PARAGRAPHS.render(Context({"text": text}))
    assert_nothing_active(html)
    assert_no_dangerous_tags(html)


# --- Through the pages --------------------------------------------------------------------------


@pytest.fixture
def meeting(held):  # noqa: F811 - the fixture imported above
    return held


def texts(payload, *, welsh=True):
    values = {
        "title_en": payload[:300],
        "salutation_en": payload[:200],
        "body_en": payload,
        "closing_en": payload[:200],
    }
    if welsh:
        values.update({k.replace("_en", "_cy"): v for k, v in values.items()})
    return values


def page(client, path):
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return response.content.decode()


def test_a_letter_with_every_payload_shows_nothing_active(ncg, chair, secretariat, member):
    letter = letters.create_letter(
        group=ncg,
        created_by=secretariat,
        texts=texts(ALL),
        addressee_en=PAYLOADS[2][:200],
        signatory_name=PAYLOADS[0][:200],
    )
    letters.save_letter(letter=letter, saved_by=secretariat, texts={"body_en": ALL + "\n\nmore"})
    letters.send_for_review(letter=letter, sent_by=secretariat, notify=False)
    for payload in PAYLOADS:
        letters.comment_on_letter(letter=letter, person=member, body=payload)
    for person in (chair, secretariat, member):
        client = client_for(person)
        for language in ("en", "cy"):
            html = page(client, f"/{language}/g/ncg/letters/{letter.pk}/")
            assert_nothing_active(html)
            assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # a comment, shown as text
        html = page(client, f"/en/g/ncg/letters/{letter.pk}/compare/?from=1&to=2")
        assert_nothing_active(html)
    # Published: the public page and its feed.
    letter.addressee_cy = "Ysgrifennydd y Cabinet"
    letter.save()
    letters.approve_letter(letter=letter, approved_by=chair)
    letters.publish_letter(letter=letter, published_by=secretariat)
    public = client_for(None)
    assert_nothing_active(page(public, f"/cy/groups/ncg/letters/{letter.pk}/"))
    assert_nothing_active(page(public, "/en/groups/ncg/letters/"))
    feed = public.get("/en/groups/ncg/letters/feed.atom").content.decode()
    assert "<script>" not in feed and "onerror=" not in feed.replace("onerror=alert", "")


def test_the_letter_editor_shows_the_typed_text_escaped(ncg, chair, secretariat):
    letter = letters.create_letter(group=ncg, created_by=secretariat, texts=texts(ALL))
    html = page(client_for(chair), f"/en/g/ncg/letters/{letter.pk}/edit/")
    assert_nothing_active(html)


def test_minutes_and_their_comments_show_nothing_active(meeting, ncg, secretariat, member, chair):
    record = minutes_services.start_minutes(meeting=meeting, started_by=secretariat)
    discussions = {
        entry.agenda_item_id: (ALL, ALL) for entry in record.entries.select_related("agenda_item")
    }
    minutes_services.save_minutes(minutes=record, discussions=discussions, body_en=ALL, body_cy=ALL)
    minutes_services.share_minutes(minutes=record, shared_by=secretariat, notify=False)
    for payload in PAYLOADS:
        minutes_services.comment_on_minutes(minutes=record, person=member, body=payload)
    for person in (member, secretariat, chair):
        for language in ("en", "cy"):
            html = page(client_for(person), f"/{language}/g/ncg/meetings/{meeting.pk}/minutes/")
            assert_nothing_active(html)
    html = page(client_for(secretariat), f"/en/g/ncg/meetings/{meeting.pk}/minutes/edit/")
    assert_nothing_active(html)
    # A letter drawing on these minutes shows them beside the editor.
    letter = letters.create_letter(group=ncg, created_by=secretariat, texts=texts("Advice"))
    letters.set_sources(letter=letter, meetings=[meeting], circulations=[], by=secretariat)
    assert_nothing_active(page(client_for(chair), f"/en/g/ncg/letters/{letter.pk}/"))
    # Approved: the PDF of the minutes.
    minutes_services.approve_minutes(minutes=record, approved_by=chair, notify=False)
    response = client_for(member).get(f"/en/g/ncg/meetings/{meeting.pk}/minutes.pdf")
    assert_pdf_runs_nothing(b"".join(response.streaming_content))


def test_circulation_responses_show_nothing_active(meeting, ncg, secretariat, member, chair):
    circulation = wp.start_circulation(
        group=ncg,
        created_by=secretariat,
        subject_en=PAYLOADS[0],
        subject_cy=PAYLOADS[2],
        message_en=ALL,
        message_cy=ALL,
        deadline=timezone.now() + datetime.timedelta(days=7),
        papers=list(meeting.papers.all()),
        questions=[(PAYLOADS[6], PAYLOADS[7], True)],
    )
    wp.open_circulation(circulation=circulation, opened_by=secretariat)
    question = circulation.questions.get()
    paper = meeting.papers.get()
    wp.save_online_response(
        circulation=circulation,
        person=member,
        answers={question.pk: ("agree", ALL)},
        paper_comments={paper.pk: ALL},
        general=ALL,
    )
    for person in (secretariat, member, chair):
        for language in ("en", "cy"):
            client = client_for(person)
            assert_nothing_active(page(client, f"/{language}/g/ncg/circulations/{circulation.pk}/"))
    wp.close_circulation(circulation=circulation, closed_by=secretariat)
    for language in ("en", "cy"):
        html = page(client_for(chair), f"/{language}/g/ncg/circulations/{circulation.pk}/summary/")
        assert_nothing_active(html)


# --- Through the PDFs ---------------------------------------------------------------------------


def assert_pdf_runs_nothing(data):
    """No JavaScript, launch or embedded file anywhere; links only to http(s) and mailto."""
    scan = scan_pdf(__import__("io").BytesIO(data))
    assert not scan.found and not scan.unreadable, (scan.found, scan.unreadable)
    with pikepdf.open(__import__("io").BytesIO(data)) as document:
        assert "/OpenAction" not in document.Root and "/AA" not in document.Root
        assert "/JavaScript" not in document.Root.get("/Names", {})
        for page_ in document.pages:
            for annotation in page_.get("/Annots", []):
                action = annotation.get("/A")
                if action is not None:
                    assert action.get("/S") == "/URI", action
                    assert re.match(r"(https?|mailto):", str(action.URI)), action.URI
    return subprocess.run(
        ["pdftotext", "-", "-"], input=data, capture_output=True, check=True
    ).stdout.decode()


@pytest.mark.parametrize("language", ["en", "cy"])
def test_the_letter_pdf_runs_nothing_and_shows_no_raw_markup(language, ncg, chair, secretariat):
    """The body's Markdown is made HTML and sanitised before WeasyPrint sees it: no tag from it
    is shown as text in the PDF, but for what Markdown itself took as text (a malformed tag, such
    as <IMG SRC=JaVaScRiPt:alert('XSS')>, which the page shows as text too)."""
    body = "[A real link](https://gov.wales) and *emphasis*.\n\n" + ALL
    letter = letters.create_letter(
        group=ncg,
        created_by=secretariat,
        texts={**texts("Advice on data"), "body_en": body, "body_cy": body},
    )
    text = " ".join(assert_pdf_runs_nothing(letter_pdf(letter, language)).split()).lower()
    assert "a real link and emphasis." in text
    shown_as_text = BeautifulSoup(render_markdown(body), "html.parser").get_text().lower()
    for markup in ("<script", "<img", "<svg", "<iframe", "<a ", "onerror", "javascript:", "</"):
        assert markup not in text or markup in shown_as_text, markup
    assert "<script" not in text and "</" not in text


def test_plain_text_fields_in_the_letter_pdf_are_shown_as_typed(ncg, chair, secretariat):
    """A title is text, not markup: "<b>" in it is shown, not obeyed (nor run)."""
    letter = letters.create_letter(
        group=ncg,
        created_by=secretariat,
        texts={**texts("Advice"), "title_en": "Data <b>now</b> & <script>alert(1)</script>"},
    )
    text = assert_pdf_runs_nothing(letter_pdf(letter, "en"))
    assert "Data <b>now</b> & <script>alert(1)</script>" in " ".join(text.split())
