"""A letter's Markdown made safe HTML, and word-by-word comparison of two versions."""

import difflib
import functools
import re

import markdown
import nh3

# What a letter may contain: headings, paragraphs, lists, emphasis and links. Everything else
# (scripts, styles, images, raw HTML) is removed by the sanitiser, whatever the Markdown holds.
ALLOWED_TAGS = {"h2", "h3", "h4", "p", "ul", "ol", "li", "strong", "em", "a", "br", "blockquote"}
ALLOWED_ATTRIBUTES = {"a": {"href"}}


@functools.lru_cache(maxsize=512)
def render_markdown(text):
    """Sanitised HTML for a letter body. Headings start at h2: the page or PDF owns the h1.
    Kept per process by the text itself (a pure function; a letter version's words never change),
    as letter pages show the same versions again and again."""
    html = markdown.markdown(text or "", extensions=["sane_lists"], output_format="html")
    # "# Heading" in a letter is a section heading, one level under the letter's title.
    html = re.sub(r"<(/?)h([1-5])>", lambda m: f"<{m[1]}h{min(int(m[2]) + 1, 4)}>", html)
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    )


# A word with the spaces after it: changes read as whole words.
_WORDS = re.compile(r"\S+\s*|\s+")


def word_diff(old, new):
    """[(op, text)] with op "same", "added" or "removed", comparing word by word (spaces kept)."""
    a, b = _WORDS.findall(old or ""), _WORDS.findall(new or "")
    out = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            out.append(("same", "".join(a[i1:i2])))
            continue
        if i2 > i1:
            out.append(("removed", "".join(a[i1:i2])))
        if j2 > j1:
            out.append(("added", "".join(b[j1:j2])))
    return out


def plain_text(text):
    """A letter body for a plain-text email: the sanitised Markdown as readable text, links
    written out after their words."""
    import html2text

    converter = html2text.HTML2Text()
    converter.body_width = 0  # mail clients wrap; hard breaks would split sentences mid-line
    converter.ignore_images = True
    return re.sub(r"\n{3,}", "\n\n", converter.handle(render_markdown(text))).strip()
