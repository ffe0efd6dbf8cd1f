"""Idle sessions end after SESSION_COOKIE_AGE; page views push the expiry on at most once per
SESSION_REFRESH_SECONDS (ncg_portal.middleware.SessionRefreshMiddleware) rather than writing the
session on every request."""

import datetime

import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

START = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)


@pytest.fixture
def refresh_each_minute(settings):
    settings.SESSION_REFRESH_SECONDS = 60
    settings.SESSION_COOKIE_AGE = 30 * 60


def _expiry(client):
    return Session.objects.get(session_key=client.session.session_key).expire_date


def test_page_views_push_the_expiry_on_once_a_minute(refresh_each_minute, client, member, ncg):
    with time_machine.travel(START, tick=False) as clock:
        client.force_login(member)
        signed_in = _expiry(client)
        assert signed_in == START + datetime.timedelta(minutes=30)

        clock.shift(datetime.timedelta(seconds=30))
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/en/profile/").status_code == 200
        assert not [q for q in queries if "django_session" in q["sql"] and "UPDATE" in q["sql"]]
        assert _expiry(client) == signed_in  # within the minute: nothing written

        clock.shift(datetime.timedelta(seconds=31))
        assert client.get("/en/profile/").status_code == 200
        assert _expiry(client) == timezone.now() + datetime.timedelta(minutes=30)


def test_an_idle_session_ends(refresh_each_minute, client, member, ncg):
    with time_machine.travel(START, tick=False) as clock:
        client.force_login(member)
        clock.shift(datetime.timedelta(minutes=29))
        assert client.get("/en/profile/").status_code == 200  # pushed on to 09:59
        clock.shift(datetime.timedelta(minutes=29))
        assert client.get("/en/profile/").status_code == 200  # still signed in
        clock.shift(datetime.timedelta(minutes=31))
        response = client.get("/en/profile/")
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]
