"""Postgres goes away and comes back while the portal is in use.

In process: every query failing answers the portal's own 503 page, in the visitor's language,
with Retry-After, built without the database; other errors stay 500s.

With the real parts: a private, throwaway Postgres cluster (the machine's shared server on 5432 is
never touched), the portal under gunicorn as in production (two workers, DEBUG off, persistent
connections), `manage.py receive_email` as the mail server's pipe runs it. Postgres is stopped
(`pg_ctl stop -m fast`) and started again under them; every wait is bounded, and every process
started here is stopped here (or, if this test process dies, by the kernel: parent-death signal).
"""

import ctypes
import glob
import http.client
import json
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.db import OperationalError, ProgrammingError
from django.db.backends.utils import CursorWrapper
from django.test import Client, RequestFactory
from django.utils import timezone, translation
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext

from meetings.models import Comment, InboundMessage
from ncg_portal.outage import RETRY_AFTER_SECONDS, outage_response

BASE_DIR = Path(settings.BASE_DIR)
UNAVAILABLE = "Sorry, the service is unavailable"


def unavailable_in(language):
    with translation.override(language):
        return gettext(UNAVAILABLE)


def assert_outage_page(status, headers, body, *, language):
    """The portal's own 503 page in `language`: no traceback, no 500."""
    assert status == 503, body[:2000]
    assert headers["retry-after"] == str(RETRY_AFTER_SECONDS)
    assert "no-store" in headers["cache-control"]
    assert headers["content-language"] == language
    assert headers["x-frame-options"] == "DENY"
    assert "script-src 'self'" in headers["content-security-policy"]
    assert f'<html lang="{language}"' in body
    assert body.count("<h1") == 1
    assert f">{unavailable_in(language)}</h1>" in body
    assert "Traceback" not in body and "OperationalError" not in body
    assert "Server Error" not in body and "problem with the service" not in body


# --- In process: the middleware and the page ----------------------------------------------------


@pytest.fixture
def database_down(monkeypatch):
    """Calling it makes every query fail the way it does when the server has gone (savepoints
    and rollbacks still run, so the test's own transaction ends cleanly)."""
    real_execute = CursorWrapper.execute

    def go_down(error=OperationalError):
        def execute(self, sql, params=None):
            if sql.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
                return real_execute(self, sql, params)
            raise error('connection to server at "127.0.0.1", port 5432 failed: Connection refused')

        monkeypatch.setattr(CursorWrapper, "execute", execute)

    return go_down


def outage_client(person=None):
    client = Client(raise_request_exception=False)
    if person is not None:
        client.force_login(person)
    return client


@pytest.mark.django_db
def test_pages_answer_503_in_the_visitors_language_while_the_database_is_down(
    ncg, member, database_down
):
    anonymous, signed_in = outage_client(), outage_client(member)
    assert signed_in.get("/en/g/ncg/").status_code == 200
    database_down()
    for client, url, language in [
        (anonymous, "/en/", "en"),
        (anonymous, "/cy/groups/ncg/", "cy"),
        (signed_in, "/en/g/ncg/", "en"),  # the session and the user cannot be read
        (signed_in, "/cy/g/ncg/meetings/", "cy"),
        (signed_in, "/en/no-such-page/", "en"),  # the 404 page would need the user too
    ]:
        response = client.get(url)
        headers = {name.lower(): value for name, value in response.headers.items()}
        assert_outage_page(
            response.status_code, headers, response.content.decode(), language=language
        )
        assert response["X-Request-ID"]
    post = signed_in.post("/en/g/ncg/meetings/add/", {"title": "x"})
    assert post.status_code == 503
    # The language switch on the page leads to the same page in the other language.
    english = anonymous.get("/en/groups/ncg/").content.decode()
    assert 'href="/cy/groups/ncg/"' in english and 'hreflang="cy"' in english


@pytest.mark.django_db
def test_healthz_keeps_its_own_json_503(database_down):
    database_down()
    response = outage_client().get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "down"}


@pytest.mark.django_db
def test_other_database_errors_are_still_500s(ncg, database_down):
    database_down(ProgrammingError)  # a bug or a missing migration, not an outage
    response = outage_client().get("/en/")
    assert response.status_code == 500 and "Retry-After" not in response


@pytest.mark.django_db
def test_the_outage_page_is_rendered_without_the_database(django_assert_num_queries):
    def the_user_would_need_the_database():
        raise AssertionError("the outage page looked up the user")

    request = RequestFactory().get("/cy/g/ncg/", HTTP_ACCEPT_LANGUAGE="en")
    request.user = SimpleLazyObject(the_user_would_need_the_database)
    with django_assert_num_queries(0):
        response = outage_response(request)
    assert_outage_page(
        response.status_code,
        {name.lower(): value for name, value in response.headers.items()},
        response.content.decode(),
        language="cy",
    )


def test_the_outage_middleware_is_outside_session_and_user():
    order = settings.MIDDLEWARE
    outage = order.index("ncg_portal.outage.DatabaseOutageMiddleware")
    assert outage < order.index("django.contrib.sessions.middleware.SessionMiddleware")
    assert outage < order.index("django.contrib.auth.middleware.AuthenticationMiddleware")
    assert settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True
    assert 1 <= int(settings.DATABASES["default"]["OPTIONS"]["connect_timeout"]) <= 30


# --- With the real parts: a private Postgres cluster --------------------------------------------

PR_SET_PDEATHSIG = 1


def die_with_parent(signum):
    """For Popen(preexec_fn=…): the child gets `signum` when this process dies, so nothing
    started here outlives a test run that is killed."""

    def preexec():
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signum)

    return preexec


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def postgres_bin_dir():
    """The newest local PostgreSQL server binaries (Debian's postgresql package), or None."""
    candidates = []
    if pg_ctl := shutil.which("pg_ctl"):
        candidates.append(str(Path(pg_ctl).resolve().parent))
    candidates += sorted(
        glob.glob("/usr/lib/postgresql/*/bin"),
        key=lambda path: [int(part) for part in re.findall(r"\d+", Path(path).parent.name)],
        reverse=True,
    )
    for directory in candidates:
        if all(
            os.access(Path(directory, tool), os.X_OK) for tool in ("initdb", "pg_ctl", "postgres")
        ):
            return Path(directory)
    return None


def wait_for(predicate, *, timeout, what, log=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}\n{log() if log else ''}")


class PrivateCluster:
    """A throwaway Postgres cluster in a temporary directory on a free loopback port, trust
    authentication, no Unix socket. The server refuses to run as root (initdb and pg_ctl too),
    so as root (CI) every server command runs as the `postgres` OS user the package creates."""

    DB = "ncg_outage"
    SERVER_SETTINGS = {
        "listen_addresses": "127.0.0.1",
        "unix_socket_directories": "",
        # A throwaway cluster: no waiting for the disk (a fast shutdown still writes everything).
        "fsync": "off",
        "full_page_writes": "off",
    }

    def __init__(self, bin_dir):
        self.bin = bin_dir
        self.port = free_port()
        self.base = Path(tempfile.mkdtemp(prefix="ncg-outage-pg-"))
        self.data = self.base / "data"
        self.log_path = self.base / "postgres.log"
        self.as_user = {}
        if os.geteuid() == 0:
            try:
                owner = pwd.getpwnam("postgres")
            except KeyError:
                pytest.fail("running as root, and there is no `postgres` user to run Postgres as")
            os.chown(self.base, owner.pw_uid, owner.pw_gid)
            self.as_user = {"user": owner.pw_uid, "group": owner.pw_gid, "extra_groups": []}
        self.proc = None

    def url(self, db=None):
        return f"postgres://postgres@127.0.0.1:{self.port}/{db or self.DB}"

    def log(self):
        return self.log_path.read_text(errors="replace")[-3000:] if self.log_path.exists() else ""

    def run(self, *args, timeout=60):
        result = subprocess.run(
            [str(self.bin / args[0]), *args[1:]],
            capture_output=True,
            text=True,
            timeout=timeout,
            **self.as_user,
        )
        assert result.returncode == 0, f"{args[0]}: {result.stderr}{result.stdout}\n{self.log()}"
        return result

    def initdb(self):
        self.run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8",
                 "--locale=C", "--no-sync")  # fmt: skip

    def answers(self):
        try:
            psycopg.connect(self.url("postgres"), connect_timeout=2).close()
            return True
        except psycopg.OperationalError:
            return False

    def start(self):
        """Start the server (a child of this process, not a daemon) and wait until it answers."""
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                [str(self.bin / "postgres"), "-D", str(self.data), "-p", str(self.port)]
                + [
                    arg
                    for name, value in self.SERVER_SETTINGS.items()
                    for arg in ("-c", f"{name}={value}")
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                preexec_fn=die_with_parent(signal.SIGINT),  # SIGINT: a fast shutdown
                **self.as_user,
            )
        wait_for(
            lambda: self.proc.poll() is None and self.answers() or self.proc.poll() is not None,
            timeout=30,
            what="Postgres to start",
            log=self.log,
        )
        assert self.proc.poll() is None, f"Postgres did not start:\n{self.log()}"

    def stop(self):
        """What an operator (or a package upgrade) does: a fast shutdown, which ends every
        session the portal holds."""
        self.run("pg_ctl", "stop", "-D", str(self.data), "-m", "fast", "-w", "-t", "30")
        self.proc.wait(30)
        assert not self.answers()

    def ensure_running(self):
        if self.proc is None or self.proc.poll() is not None:
            self.start()

    def destroy(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGQUIT)  # immediate shutdown: nothing to keep
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(self.base, ignore_errors=True)

    def query(self, sql, params=()):
        with psycopg.connect(self.url(), connect_timeout=5) as conn:
            return conn.execute(sql, params).fetchall()

    def portal_connections(self):
        with psycopg.connect(self.url("postgres"), connect_timeout=5) as conn:
            [(count,)] = conn.execute(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = %s AND backend_type = 'client backend'",
                [self.DB],
            ).fetchall()
        return count


def copy_test_database(cluster):
    """The portal's schema and its migrated rows: a copy of this test run's own database
    (already migrated by pytest-django) through pg_dump, in about a second; running the
    migrations again takes a minute and more on a busy machine."""
    with psycopg.connect(cluster.url("postgres"), autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'CREATE DATABASE "{cluster.DB}"')
    source = settings.DATABASES["default"]
    env = {
        **os.environ,
        "PGHOST": source.get("HOST") or "127.0.0.1",
        "PGPORT": str(source.get("PORT") or 5432),
        "PGUSER": source.get("USER") or "postgres",
        "PGPASSWORD": source.get("PASSWORD") or "",
    }
    dump = subprocess.run(
        [str(cluster.bin / "pg_dump"), "--no-owner", "--no-privileges", source["NAME"]],
        capture_output=True,
        env=env,
        timeout=60,
    )
    if dump.returncode == 0 and b"CREATE TABLE public.django_migrations" in dump.stdout:
        restore = subprocess.run(
            [str(cluster.bin / "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", cluster.url()],
            input=dump.stdout,
            capture_output=True,
            timeout=60,
        )
        assert restore.returncode == 0, restore.stderr.decode()[-3000:]
        return "pg_dump"
    # pg_dump older than the shared server, say, or no migrated test database to copy: build
    # the schema with the migrations instead.
    for command in (["migrate", "--no-input", "-v0"], ["createcachetable"]):
        result = manage(cluster, *command, timeout=600)
        assert result.returncode == 0, result.stderr.decode()[-3000:]
    return "migrate"


def portal_env(cluster, **extra):
    """Production settings (DEBUG off, persistent connections as configured), except what
    needs HTTPS or collectstatic."""
    return {
        **os.environ,
        "DATABASE_URL": cluster.url(),
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "false",
        "SECURE_COOKIES": "false",
        "STATIC_MANIFEST": "false",
        "PYTHONUNBUFFERED": "1",
        **extra,
    }


def manage(cluster, *args, stdin=b"", timeout=120, **env):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        input=stdin,
        capture_output=True,
        cwd=BASE_DIR,
        env=portal_env(cluster, **env),
        timeout=timeout,
    )


# A group, a member with a signed-in session, and a circulation the member can reply to by email,
# made in the private database by the suite's own helpers.
SETUP = """
import json, django
django.setup()
from django.conf import settings
settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
from django.test import Client
from meetings.reply_tokens import reply_address
from members.models import Role
from tests.conftest import make_group, make_person
from tests.meetings.test_inbound_corpus import make_circulation
group = make_group("outage", "Outage Test Group", "Grŵp Prawf Toriad")
person = make_person("outage-member@example.org", "Owen Outage", role=Role.MEMBER, group=group)
circulation = make_circulation(group, person, [person])
client = Client()
client.force_login(person)
print(json.dumps({
    "session": client.cookies[settings.SESSION_COOKIE_NAME].value,
    "reply_to": reply_address(circulation, person),
    "email": person.email,
    "group": group.slug,
    "circulation": circulation.pk,
}))
"""


@pytest.fixture(scope="module")
def cluster(django_db_setup, tmp_path_factory):
    bin_dir = postgres_bin_dir()
    if bin_dir is None:
        message = "PostgreSQL server binaries are not installed (Debian package postgresql)"
        if os.environ.get("CI"):
            pytest.fail(f"CI: {message}; the database outage tests must not be skipped.")
        pytest.skip(message)
    started = time.monotonic()
    cluster = PrivateCluster(bin_dir)
    try:
        cluster.initdb()
        cluster.start()
        cluster.built_by = copy_test_database(cluster)
        result = subprocess.run(
            [sys.executable, "-c", SETUP],
            capture_output=True,
            cwd=BASE_DIR,
            env=portal_env(cluster, MEDIA_ROOT=str(tmp_path_factory.mktemp("media"))),
            timeout=120,
        )
        assert result.returncode == 0, result.stderr.decode()[-3000:]
        cluster.portal = json.loads(result.stdout.decode().strip().splitlines()[-1])
        cluster.ready_in = time.monotonic() - started
        yield cluster
    finally:
        cluster.destroy()


# --- the portal under gunicorn -------------------------------------------------------------------


@dataclass
class Page:
    status: int
    headers: dict
    body: str
    seconds: float


class Portal:
    """`gunicorn ncg_portal.wsgi` as in production: two sync workers on a loopback port."""

    def __init__(self, cluster, log_path):
        self.cluster = cluster
        self.port = free_port()
        self.log_path = log_path
        self.proc = None

    def start(self):
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "ncg_portal.wsgi:application",
                    "--bind",
                    f"127.0.0.1:{self.port}",
                    "--workers",
                    "2",
                    "--timeout",
                    "30",
                    "--graceful-timeout",
                    "5",
                    "--error-logfile",
                    "-",
                ],  # fmt: skip
                cwd=BASE_DIR,
                env=portal_env(self.cluster),
                stdout=log,
                stderr=subprocess.STDOUT,
                preexec_fn=die_with_parent(signal.SIGINT),  # SIGINT: a quick shutdown
            )
        wait_for(
            lambda: self.proc.poll() is not None or self._answers(),
            timeout=60,
            what="gunicorn to answer",
            log=self.log,
        )
        assert self.proc.poll() is None, self.log()
        return self

    def _answers(self):
        try:
            return self.get("/healthz").status == 200
        except OSError:
            return False

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def log(self, tail=6000):
        text = Path(self.log_path).read_text(errors="replace")
        return text[-tail:] if tail else text

    def get(self, path, *, signed_in=False):
        headers = {"Accept-Language": "en"}
        if signed_in:
            headers["Cookie"] = f"{settings.SESSION_COOKIE_NAME}={self.cluster.portal['session']}"
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=20)
        started = time.monotonic()
        try:
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            body = response.read().decode("utf-8", "replace")
            return Page(
                response.status,
                {name.lower(): value for name, value in response.getheaders()},
                body,
                time.monotonic() - started,
            )
        finally:
            conn.close()

    def get_all(self, requests):
        """[(path, signed_in)] at once, so both workers answer some."""
        with ThreadPoolExecutor(max_workers=len(requests)) as pool:
            return list(pool.map(lambda r: (r, self.get(r[0], signed_in=r[1])), requests))


@pytest.fixture
def portal(cluster, tmp_path):
    cluster.ensure_running()
    portal = Portal(cluster, tmp_path / "gunicorn.log")
    try:
        yield portal.start()
    finally:
        portal.stop()


@pytest.mark.django_db  # the test database is copied into the cluster
def test_postgres_restarts_under_the_portal_pages_answer_503_then_it_recovers_by_itself(
    cluster, portal
):
    dashboard = f"/en/g/{cluster.portal['group']}/"
    welsh_dashboard = f"/cy/g/{cluster.portal['group']}/"
    pages = [
        ("/en/", False),
        ("/cy/", False),
        (dashboard, True),
        (welsh_dashboard, True),
    ]
    timings = {}

    def all_answer_200(batch):
        for (path, signed_in), page in portal.get_all(batch):
            assert page.status == 200, f"{path} (signed in: {signed_in}): {page.status}\n" + (
                page.body[:1500] + portal.log()
            )

    # Both workers serve pages and keep their database connection open between requests.
    def both_workers_connected():
        all_answer_200(pages * 2)
        return cluster.portal_connections() == 2

    wait_for(both_workers_connected, timeout=30, what="both workers to connect", log=portal.log)
    page = portal.get(dashboard, signed_in=True).body
    assert "Outage Test Group" in page and "Sign out" in page  # the member's own dashboard

    # 1. Postgres restarts between two requests: every connection the workers hold is dead. The
    # next request on each worker finds that out before using it (CONN_HEALTH_CHECKS) and opens a
    # new one: not one request fails.
    started = time.monotonic()
    cluster.stop()
    cluster.start()
    timings["restart"] = time.monotonic() - started
    assert cluster.portal_connections() == 0
    wait_for(both_workers_connected, timeout=30, what="both workers to reconnect", log=portal.log)

    # 2. Postgres is down while pages are asked for: the portal's own 503 page, in each page's
    # language, at once; /healthz says so too.
    cluster.stop()
    down_since = time.monotonic()
    try:
        for _round in range(2):
            for (path, _signed_in), page in portal.get_all(pages * 2):
                assert_outage_page(
                    page.status, page.headers, page.body, language=path.split("/")[1]
                )
                assert page.seconds < 5, f"{path} took {page.seconds:.1f}s"
        health = portal.get("/healthz")
        assert health.status == 503 and json.loads(health.body)["database"] == "down"
        timings["slowest outage answer"] = max(
            page.seconds for _r, page in portal.get_all(pages * 2)
        )
    finally:
        cluster.start()
    timings["outage"] = time.monotonic() - down_since

    # 3. Postgres is back: the portal recovers by itself, without a restart of gunicorn.
    back = time.monotonic()
    wait_for(
        lambda: portal.get(dashboard, signed_in=True).status == 200,
        timeout=10,
        what="the portal to recover",
        log=portal.log,
    )
    timings["recovery"] = time.monotonic() - back
    all_answer_200(pages * 2 + [("/healthz", False)])
    assert "Sign out" in portal.get(dashboard, signed_in=True).body
    assert "Grŵp Prawf Toriad" in portal.get(welsh_dashboard, signed_in=True).body

    log = portal.log(tail=None)
    assert portal.proc.poll() is None
    assert log.count("Booting worker") == 2, "a worker was restarted:\n" + log
    assert "WORKER TIMEOUT" not in log
    timings["cluster ready"] = cluster.ready_in
    print(f"timings ({cluster.built_by}):", {k: f"{v:.2f}s" for k, v in timings.items()})


# --- inbound email while the database is down ----------------------------------------------------


def reply_email(cluster):
    message = EmailMessage()
    message["From"] = f"Owen Outage <{cluster.portal['email']}>"
    message["To"] = f"NCG portal <{cluster.portal['reply_to']}>"
    message["Subject"] = "Re: Papers for comment: Regional consortia transition plan"
    message["Date"] = format_datetime(timezone.now())
    message["Message-ID"] = make_msgid(domain="example.org")
    message.set_content("I support the plan. Diolch – dyma fy ateb i'r papurau.\n", cte="8bit")
    return message["Message-ID"], message.as_bytes()


@pytest.mark.django_db  # the test database is copied into the cluster
def test_inbound_email_while_postgres_is_down_is_kept_by_the_mail_server_then_stored(
    cluster, tmp_path
):
    cluster.ensure_running()
    message_id, raw = reply_email(cluster)
    media = {"MEDIA_ROOT": str(tmp_path / "media")}
    stored = (
        f"SELECT status, source, raw, id FROM {InboundMessage._meta.db_table} WHERE message_id = %s"
    )

    cluster.stop()
    try:
        started = time.monotonic()
        down = manage(cluster, "receive_email", stdin=raw, **media)
        seconds_down = time.monotonic() - started
    finally:
        cluster.start()
    # EX_TEMPFAIL: the mail server keeps the message and delivers it again later.
    assert down.returncode == 75, down.stderr.decode()
    assert down.stdout == b""
    assert b"try again later" in down.stderr
    assert cluster.query(stored, [message_id]) == []

    # The mail server's retry, with the same bytes.
    again = manage(cluster, "receive_email", stdin=raw, **media)
    assert (again.returncode, again.stdout, again.stderr) == (0, b"", b"")
    [(status, source, stored_raw, pk)] = cluster.query(stored, [message_id])
    assert bytes(stored_raw) == raw
    assert (status, source) == (InboundMessage.Status.ACCEPTED, InboundMessage.Source.PIPE)
    [(body,)] = cluster.query(
        f"SELECT body FROM {Comment._meta.db_table} WHERE inbound_message_id = %s", [pk]
    )
    assert "I support the plan. Diolch – dyma fy ateb" in body
    print(f"receive_email with the database down: exit 75 in {seconds_down:.2f}s")
