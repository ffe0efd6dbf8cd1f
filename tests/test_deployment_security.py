"""The deployment checklist (issue 7): response headers and cookies with production settings,
CSRF on every form that changes something, the session key changed at login, MFA that cannot be
skipped by going to a URL, and passwords checked against Django's validators."""

import json
import os
import pathlib
import re
import subprocess
import sys

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client

from tests.conftest import PASSWORD, TOTP_SECRET, totp_code

ROOT = pathlib.Path(__file__).resolve().parent.parent

# Run in a child process: production settings are read when Django starts (DEBUG off, secure
# cookies, HSTS), so they cannot be switched on inside this test process.
PRODUCTION_PROBE = r"""
import json, django
django.setup()
from django.test import Client
client = Client(HTTP_HOST="portal.example.org")
out = {}
for path in ("/en/", "/en/accounts/login/", "/cy/groups/"):
    response = client.get(path, secure=True)
    out[path] = {
        "status": response.status_code,
        "headers": dict(response.headers),
        "cookies": {
            name: {
                "secure": bool(morsel["secure"]),
                "httponly": bool(morsel["httponly"]),
                "samesite": morsel["samesite"],
            }
            for name, morsel in response.cookies.items()
        },
    }
plain = client.get("/en/", secure=False)
out["http"] = {"status": plain.status_code, "location": plain.headers.get("Location", "")}
print(json.dumps(out))
"""


def _production_env(database_url):
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DEBUG", "SECURE_SSL_REDIRECT", "SECURE_COOKIES", "STATIC_MANIFEST")
    }
    env.update(
        {
            "DEBUG": "false",
            "SECRET_KEY": "x" * 20 + "a-long-random-production-secret-key-value-0123456789",
            "ALLOWED_HOSTS": "portal.example.org",
            "DATABASE_URL": database_url,
            "DJANGO_SETTINGS_MODULE": "ncg_portal.settings",
            # No collectstatic here: the manifest storage is a deployment step, not a header.
            "STATIC_MANIFEST": "false",
        }
    )
    return env


@pytest.fixture(scope="module")
def production(django_db_setup, django_db_blocker):
    # The test database: migrated, and empty of anything but what the probe's pages need.
    from django.db import connection

    db = connection.settings_dict
    database_url = (
        f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    )
    result = subprocess.run(
        [sys.executable, "-c", PRODUCTION_PROBE],
        cwd=ROOT,
        env=_production_env(database_url),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("path", ["/en/", "/en/accounts/login/", "/cy/groups/"])
def test_production_headers(production, path):
    answer = production[path]
    assert answer["status"] == 200
    headers = {k.lower(): v for k, v in answer["headers"].items()}
    csp = headers["content-security-policy"]
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert "script-src 'self'" in csp and "default-src 'self'" in csp
    hsts = headers["strict-transport-security"]
    assert re.search(r"max-age=(\d+)", hsts) and int(re.search(r"max-age=(\d+)", hsts)[1]) >= (
        31536000
    )
    assert "includeSubDomains" in hsts
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "same-origin"
    assert headers["x-frame-options"] == "DENY"
    assert headers["cross-origin-opener-policy"] == "same-origin"
    policy = headers["permissions-policy"]
    for feature in ("camera=()", "microphone=()", "geolocation=()", "payment=()"):
        assert feature in policy
    assert "publickey-credentials-get=(self)" in policy  # security keys keep working


def test_production_cookies_are_secure_and_http_only(production):
    cookies = production["/en/accounts/login/"]["cookies"]
    assert "csrftoken" in cookies
    for name, cookie in cookies.items():
        assert cookie["secure"], name
        assert cookie["samesite"] in ("Lax", "Strict"), name
        assert cookie["httponly"], name


def test_plain_http_is_sent_to_https(production):
    assert production["http"]["status"] == 301
    assert production["http"]["location"].startswith("https://portal.example.org/")


# CSRF: every form that posts carries the token, and nothing is exempt but the email webhook.

TEMPLATES = ROOT / "templates"
FORM = re.compile(r"<form\b[^>]*>(.*?)</form>", re.DOTALL | re.IGNORECASE)


def _post_forms():
    for path in sorted(TEMPLATES.rglob("*.html")):
        text = path.read_text()
        for match in FORM.finditer(text):
            tag = match.group(0)[: match.group(0).index(">") + 1]
            if re.search(r"method=[\"']?post", tag, re.IGNORECASE):
                yield path.relative_to(ROOT), match.group(1)


def test_every_post_form_in_our_templates_carries_the_csrf_token():
    forms = list(_post_forms())
    assert len(forms) > 30  # the check sees the portal's forms
    missing = [str(path) for path, body in forms if "{% csrf_token %}" not in body]
    assert not missing, missing


def test_only_the_inbound_email_webhook_is_csrf_exempt():
    found = []
    for folder in ("advice", "meetings", "members", "ncg_portal"):
        for path in (ROOT / folder).rglob("*.py"):
            if "csrf_exempt" in path.read_text():
                found.append(str(path.relative_to(ROOT)))
    # The webhook is authenticated by its shared secret instead (tests/meetings/test_inbound.py).
    assert found == ["meetings/views/inbound.py"] or found == [], found


@pytest.mark.django_db
def test_a_post_without_the_csrf_token_is_refused(ncg, secretariat, member):
    client = Client(enforce_csrf_checks=True)
    client.force_login(secretariat)
    before = secretariat.memberships.count()
    for url, data in (
        ("/en/g/ncg/settings/", {"name_en": "Hijacked"}),
        ("/en/g/ncg/members/invite/", {"email": "x@example.org"}),
        ("/en/profile/edit/", {"full_name": "Hijacked"}),
        ("/en/accounts/logout/", {}),
    ):
        response = client.post(url, data)
        assert response.status_code == 403, url
    ncg.refresh_from_db()
    assert ncg.name_en != "Hijacked"
    assert secretariat.memberships.count() == before


# Login: the session key changes, and MFA cannot be skipped.


def _password_step(client, person):
    client.get("/en/accounts/login/")
    return client.post("/en/accounts/login/", {"login": person.email, "password": PASSWORD})


@pytest.mark.django_db
def test_the_session_key_changes_at_sign_in(member):
    client = Client()
    session = client.session
    session["before_login"] = "x"
    session.save()
    before = session.session_key
    client.cookies["sessionid"] = before
    response = _password_step(client, member)
    assert response.status_code == 302
    after = client.cookies["sessionid"].value
    assert after and after != before
    # The old key no longer signs anyone in.
    stale = Client()
    stale.cookies["sessionid"] = before
    assert stale.get("/en/g/ncg/").status_code == 302


@pytest.mark.django_db
def test_mfa_cannot_be_skipped_by_going_to_a_page(secretariat, ncg):
    client = Client()
    response = _password_step(client, secretariat)
    assert response.status_code == 302
    assert "/accounts/2fa/authenticate/" in response["Location"]
    # Half signed in: every page still asks for the sign-in, not the page itself.
    for url in ("/en/g/ncg/", "/en/g/ncg/settings/", "/en/g/ncg/audit/", "/en/profile/"):
        answer = client.get(url)
        assert answer.status_code == 302, url
        assert "/accounts/login/" in answer["Location"], (url, answer["Location"])
    # A wrong code keeps them out; the right one lets them in.
    wrong = client.post("/en/accounts/2fa/authenticate/", {"code": "000000"})
    assert wrong.status_code == 200
    assert client.get("/en/g/ncg/").status_code == 302
    right = client.post("/en/accounts/2fa/authenticate/", {"code": totp_code(TOTP_SECRET)})
    assert right.status_code == 302
    assert client.get("/en/g/ncg/").status_code == 200


@pytest.mark.parametrize(
    "password",
    ["short", "password1234", "123456789012", "Rhian Officer", "rhian.officer@example.org"],
)
@pytest.mark.django_db
def test_weak_passwords_are_refused(secretariat, password):
    with pytest.raises(ValidationError):
        validate_password(password, user=secretariat)


@pytest.mark.django_db
def test_password_change_uses_the_validators(as_member, member):
    response = as_member.post(
        "/en/accounts/password/change/",
        {"oldpassword": PASSWORD, "password1": "password1234", "password2": "password1234"},
    )
    assert response.status_code == 200
    assert "too common" in response.content.decode()
    member.refresh_from_db()
    assert member.check_password(PASSWORD)


@pytest.mark.django_db
def test_sign_in_events_are_logged_without_secrets(member, caplog):
    client = Client()
    with caplog.at_level("INFO", logger="ncg_portal.security"):
        client.get("/en/accounts/login/")
        client.post("/en/accounts/login/", {"login": member.email, "password": "wrong-guess-1"})
        client.post("/en/accounts/login/", {"login": member.email, "password": PASSWORD})
    lines = [r.getMessage() for r in caplog.records if r.name == "ncg_portal.security"]
    assert any("sign-in failed" in line and member.email in line for line in lines), lines
    assert any(line.startswith(f"sign-in person={member.pk}") for line in lines), lines
    assert not any("wrong-guess-1" in line or PASSWORD in line for line in lines)
