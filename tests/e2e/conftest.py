"""Browser tests: Debian's Chromium driven by Playwright against pytest-django's live server.

Every page a test visits goes through `visit` (or `visit_both`, for both languages): the page must
answer with the expected status, have exactly one <h1>, carry the right <html lang>, offer a
language switch to the same page in the other language, and pass axe's WCAG 2.2 AA rules.
"""

import os
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.test import Client

from tests.conftest import PASSWORD, totp_code

# The sync Playwright API keeps an event loop in the test's thread; the ORM must still run there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
AXE_JS = Path(__file__).resolve().parents[2] / "static" / "vendor" / "axe" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
LANGS = ("en", "cy")
OTHER = {"en": "cy", "cy": "en"}


# --- The browser ---------------------------------------------------------------------------


@pytest.fixture(scope="session", autouse=True)
def _chromium_present():
    """No Chromium: skip on a developer's machine, fail on CI (browser tests must run there)."""
    if not os.access(CHROMIUM, os.X_OK):
        if os.environ.get("CI"):
            pytest.fail(f"CI: {CHROMIUM} is missing; the browser tests must not be skipped.")
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # No Accept-Language preference: the URL prefix alone chooses the language.
    return {**browser_context_args, "locale": "en-GB", "viewport": {"width": 1280, "height": 900}}


@pytest.fixture
def site(live_server, transactional_db):
    """The live server's address, without a trailing slash."""
    return live_server.url.rstrip("/")


# --- axe ---------------------------------------------------------------------------------


_axe_source = None


def _axe_script():
    global _axe_source
    if _axe_source is None:
        if not AXE_JS.exists():
            pytest.fail(f"{AXE_JS} is missing: run scripts/build-frontend.sh")
        _axe_source = AXE_JS.read_text(encoding="utf-8")
    return _axe_source


def format_violations(violations):
    lines = []
    for v in violations:
        lines.append(f"- {v['id']} ({v.get('impact')}): {v['help']}  [{v.get('helpUrl', '')}]")
        for node in v["nodes"][:10]:
            target = " ".join(str(t) for t in node["target"])
            summary = "; ".join(
                line.strip()
                for line in (node.get("failureSummary") or "").splitlines()
                if line.strip() and not line.startswith("Fix ")
            )
            lines.append(f"    at {target}: {summary}")
            lines.append(f"       {node.get('html', '')[:200]}")
        if len(v["nodes"]) > 10:
            lines.append(f"    ... and {len(v['nodes']) - 10} more")
    return "\n".join(lines)


def axe_check(page):
    """Run axe (WCAG 2.0/2.1 A and AA, WCAG 2.2 AA) on the page; fail with a readable list.

    The page's CSP forbids inline script, so axe is evaluated through the devtools protocol,
    which CSP does not govern.
    """
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(_axe_script())
    results = page.evaluate(
        """async (tags) => {
            const r = await axe.run(document, {
                runOnly: {type: 'tag', values: tags}, resultTypes: ['violations'],
            });
            return r.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
                nodes: v.nodes.map(n => ({target: n.target, html: n.html,
                                          failureSummary: n.failureSummary})),
            }));
        }""",
        AXE_TAGS,
    )
    if results:
        pytest.fail(
            f"axe found {len(results)} accessibility violation(s) on {page.url}:\n"
            + format_violations(results),
            pytrace=False,
        )


# --- Visiting pages ----------------------------------------------------------------------


def lang_of(url):
    m = re.match(r"^/(en|cy)(/|$)", urlsplit(url).path)
    return m.group(1) if m else None


def check_page(page, *, lang=None, status=None, response=None, axe=True, switch=True):
    """The checks every page gets: status, one <h1>, <html lang>, language switch, axe."""
    if response is not None:
        expected = status if status is not None else "< 400"
        ok = response.status == status if status is not None else response.status < 400
        assert ok, f"{page.url} answered {response.status}, expected {expected}"
    problems = getattr(page, "problems", [])
    assert not problems, f"{page.url}: the browser reported problems:\n" + "\n".join(problems)
    styled = page.evaluate(
        "() => [...document.styleSheets].some(s => s.href && s.cssRules.length > 0)"
    )
    assert styled, f"{page.url}: the stylesheet did not load (axe's contrast checks need it)"
    lang = lang or lang_of(page.url)
    h1s = page.locator("h1")
    assert h1s.count() == 1, f"{page.url} has {h1s.count()} <h1> elements, expected exactly one"
    assert lang in LANGS, f"{page.url} is not under /en/ or /cy/"
    html_lang = page.locator("html").get_attribute("lang")
    assert html_lang == lang, f'{page.url}: <html lang="{html_lang}">, expected "{lang}"'
    if switch:
        other = OTHER[lang]
        link = page.locator(f"nav.govuk-language-navigation a[hreflang='{other}']")
        assert link.count() == 1, f"{page.url}: no link to the {other} version of the page"
        assert link.get_attribute("lang") == other
        here = urlsplit(page.url).path
        there = urlsplit(link.get_attribute("href")).path
        expected = re.sub(r"^/(en|cy)(?=/|$)", f"/{other}", here)
        assert there == expected, (
            f"{page.url}: the {other} link goes to {there}, expected {expected} (same page)"
        )
    if axe:
        axe_check(page)


def visit(page, url, *, status=None, axe=True, switch=True, expect_path=None):
    """Go to url (absolute, or a path on the live server set with `page.site`), then check it.

    status: the exact status expected; by default anything below 400.
    expect_path: where the page must end up after redirects (a regex, matched on the path).
    """
    if url.startswith("/"):
        url = page.site + url
    response = page.goto(url)
    assert response is not None, f"no response from {url}"
    if expect_path is not None:
        path = urlsplit(page.url).path
        assert re.fullmatch(expect_path, path), f"{url} ended at {path}, expected {expect_path}"
    check_page(page, status=status, response=response, axe=axe, switch=switch)
    return response


def visit_both(page, path, **kwargs):
    """Visit /en{path} and /cy{path} with all the checks. expect_path may contain {lang}."""
    expect_path = kwargs.pop("expect_path", None)
    responses = {}
    for lang in LANGS:
        kw = dict(kwargs)
        if expect_path is not None:
            kw["expect_path"] = expect_path.format(lang=lang)
        responses[lang] = visit(page, f"/{lang}{path}", **kw)
    return responses


def _prepare(page, site):
    """Timeouts, the live server's address (`page.site`), and a record of what went wrong in the
    browser (`page.problems`): failed subresources (CSS, JS, images) and console errors, such as
    CSP violations. A page's own status is checked by `visit`."""
    page.set_default_timeout(10_000)
    page.set_default_navigation_timeout(15_000)
    page.site = site
    page.problems = []

    def on_response(response):
        if response.status >= 400 and response.request.resource_type != "document":
            page.problems.append(f"{response.status} {response.url}")

    def on_request_failed(request):
        # A load cut short because the test moved on to the next page (ERR_ABORTED) is not a
        # broken resource; a missing file still shows up as a 4xx response above.
        if "ERR_ABORTED" in (request.failure or ""):
            return
        page.problems.append(f"failed {request.url}: {request.failure}")

    def on_console(message):
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            page.problems.append(f"console error: {message.text}")

    page.on("response", on_response)
    page.on("requestfailed", on_request_failed)
    page.on("console", on_console)
    page.on("pageerror", lambda error: page.problems.append(f"script error: {error}"))
    return page


@pytest.fixture
def page(page, site):
    """Playwright's page, prepared by `_prepare`."""
    return _prepare(page, site)


@pytest.fixture
def new_page(new_context, site):
    """A page in a fresh browser context (no cookies): `new_page()`."""

    def make():
        return _prepare(new_context().new_page(), site)

    return make


# --- Signing in --------------------------------------------------------------------------


def sign_in(page, email, password=PASSWORD, *, lang="en", totp_secret=None, check=True):
    """Sign in through the real form (and the two-factor step when it is asked for).

    With check=True the login and two-factor pages get the full `visit` checks.
    """
    visit(page, f"/{lang}/accounts/login/", axe=check, switch=check)
    page.locator("input[name='login']").fill(email)
    page.locator("input[name='password']").fill(password)
    with page.expect_navigation():
        page.locator("form button[type='submit']").first.click()
    if "/2fa/authenticate" in page.url:
        assert totp_secret, f"{email} was asked for a two-factor code but has no secret"
        if check:
            check_page(page)
        page.locator("input[name='code']").fill(totp_code(totp_secret))
        with page.expect_navigation():
            page.locator("form button[type='submit']").first.click()
    assert "/accounts/login" not in page.url and "/2fa/authenticate" not in page.url, (
        f"signing in as {email} did not succeed; at {page.url}:\n"
        + page.locator("main").inner_text()[:500]
    )
    return page


def sign_in_quickly(page, person):
    """Skip the form: a session made by Django's test client, handed to the browser.

    Allauth records no authentication in such a session, so pages that need a recent sign-in
    ask to reauthenticate.
    """
    client = Client()
    client.force_login(person)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": page.site}]
    )
    return page
