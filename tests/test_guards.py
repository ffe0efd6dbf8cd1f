"""Project-wide guards: history on every model, migrations, translations, headers, health."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import call_command

ROOT = Path(__file__).resolve().parent.parent
OUR_APPS = ("ncg_portal", "members", "meetings", "advice")


def test_every_model_has_history():
    missing = []
    for app in OUR_APPS:
        for model in apps.get_app_config(app).get_models():
            if model.__name__.startswith("Historical"):
                continue
            if not hasattr(model, "history"):
                missing.append(f"{app}.{model.__name__}")
    assert not missing, f"models without django-simple-history: {missing}"


@pytest.mark.django_db
def test_no_pending_migrations():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def test_welsh_catalogue_is_complete():
    po = ROOT / "locale/cy/LC_MESSAGES/django.po"
    result = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", os.devnull, str(po)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "untranslated" not in result.stderr and "fuzzy" not in result.stderr, result.stderr


def test_catalogue_holds_every_string_in_the_code(tmp_path):
    """Re-running makemessages on a copy of the code leaves nothing untranslated or fuzzy."""
    import shutil

    for name in ("manage.py", "pyproject.toml"):
        shutil.copy(ROOT / name, tmp_path / name)
    for name in (*OUR_APPS, "templates", "locale"):
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("*.mo"))
    result = subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "cy", "--no-obsolete"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    stats = subprocess.run(
        [
            "msgfmt",
            "--statistics",
            "-o",
            os.devnull,
            str(tmp_path / "locale/cy/LC_MESSAGES/django.po"),
        ],
        capture_output=True,
        text=True,
    ).stderr
    assert "untranslated" not in stats and "fuzzy" not in stats, (
        "run `make messages` and translate the new strings: " + stats
    )


@pytest.mark.django_db
def test_healthz_answers_200_with_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json()["database"] == "up"


def test_healthz_answers_503_without_database():
    """A separate process pointed at a database server that does not answer."""
    env = {
        **os.environ,
        "DATABASE_URL": "postgres://nobody@127.0.0.1:1/none",
        "DB_CONN_MAX_AGE": "0",
    }
    code = (
        "import django; django.setup();"
        "from django.test import Client;"
        "r = Client(HTTP_HOST='localhost').get('/healthz'); print(r.status_code)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.stdout.strip().splitlines()[-1] == "503", result.stderr[-2000:]


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/en/", "/cy/groups/ncg/", "/en/accounts/login/"])
def test_strict_csp_and_one_h1(client, ncg, url):
    response = client.get(url)
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "style-src 'self'" in csp
    assert "unsafe-inline" not in csp
    html = response.content.decode()
    assert html.count("<h1") == 1
    assert "<script>" not in html and " style=" not in html
    assert response["X-Request-ID"]


def test_deploy_check_is_clean_with_production_settings():
    env = {
        k: v
        for k, v in os.environ.items()
        if k
        not in (
            "DEBUG",
            "SECURE_SSL_REDIRECT",
            "SECURE_COOKIES",
            "STATIC_MANIFEST",
            "DJANGO_ALLOW_ASYNC_UNSAFE",
        )
    }
    env.update(
        {
            "DEBUG": "false",
            "SECRET_KEY": "x" * 20 + "a-long-random-production-secret-key-value-0123456789",
            "ALLOWED_HOSTS": "portal.example.org",
            "DATABASE_URL": os.environ["DATABASE_URL"],
        }
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "WARNING" not in result.stdout + result.stderr


def test_missing_secret_key_refuses_to_start():
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    env["DEBUG"] = "false"
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


@pytest.mark.django_db
def test_seed_demo_twice_changes_nothing():
    from members.models import Group, Membership, Person

    call_command("seed_demo", verbosity=0)
    counts = (
        Group.objects.count(),
        Person.objects.count(),
        Membership.objects.count(),
        Person.history.count(),
        Membership.history.count(),
    )
    call_command("seed_demo", verbosity=0)
    assert counts == (
        Group.objects.count(),
        Person.objects.count(),
        Membership.objects.count(),
        Person.history.count(),
        Membership.history.count(),
    )
    ncg = Group.objects.get(slug="ncg")
    assert ncg.memberships.filter(role="member").count() == 7
    assert ncg.workstreams.count() == 3
    assert not Person.objects.exclude(email__endswith="@example.org").exists()


@pytest.mark.django_db
def test_public_ncg_page_shows_the_seed(client):
    call_command("seed_demo", verbosity=0)
    html = client.get("/en/groups/ncg/").content.decode()
    for text in (
        "National Coherence Group",
        "Kirsty Williams CBE",
        "Councillor Darren Price",
        "Leader of Carmarthenshire County Council",
        "Owen Evans",
        "HMCI Estyn",
        "Cabinet Secretary for Education",
        "Mode of operation",
        "termly",
    ):
        assert text in html, text
    welsh = client.get("/cy/groups/ncg/").content.decode()
    assert "Grŵp Cydlyniant Cenedlaethol" in welsh and 'lang="cy"' in welsh
    assert "Ysgrifennydd y Cabinet dros Addysg" in welsh


@pytest.mark.django_db
def test_welsh_dates(client, member):
    import datetime

    from django.template import Context, Template
    from django.utils import translation

    with translation.override("cy"):
        out = Template('{{ d|date:"j F Y" }}').render(Context({"d": datetime.date(2025, 11, 3)}))
    assert out == "3 Tachwedd 2025"
    # Django's own Welsh catalogue misspells July; ours corrects it, in both month forms.
    with translation.override("cy"):
        july = datetime.date(2024, 7, 9)
        assert Template('{{ d|date:"j F Y" }}').render(Context({"d": july})) == "9 Gorffennaf 2024"
        assert Template('{{ d|date:"E" }}').render(Context({"d": july})) == "Gorffennaf"


def test_django_messages_we_show_are_welsh():
    """Django's own Welsh catalogue has gaps; ours fills the messages our forms show."""
    from django import forms
    from django.contrib.auth.password_validation import password_validators_help_texts
    from django.utils import translation

    with translation.override("en"):
        english = password_validators_help_texts()
    with translation.override("cy"):
        welsh = password_validators_help_texts()
        required = str(forms.CharField().error_messages["required"])
    assert len(welsh) == len(english)
    for en, cy in zip(english, welsh, strict=True):
        assert en != cy, f"not translated: {en}"
    assert required != "This field is required."
