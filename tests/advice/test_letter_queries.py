"""The letter pages make a bounded number of queries, which does not grow with the number of
letters, versions, comments or linked meetings."""

import datetime

import pytest
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from advice import services
from meetings.models import Meeting

from .test_letters import TEXTS, WELSH

pytestmark = pytest.mark.django_db

# The editor and the letter page for the chair; the public list and page for anyone.
# The public letter page renders the PDF once to state its size (then cached): that first visit,
# the one measured, includes the database cache's own queries.
# The public letter's first view renders its PDF for the size (then both are kept): 5 of its
# queries are the PDF cache's own (ncg_portal/pdf.py).
LIMITS = {"editor": 24, "letter": 32, "public_list": 12, "public_letter": 23, "new": 24}


def count(client, url):
    # Each letter measured as on its first view: two letters with the same words make the same
    # PDF, so the second would otherwise find the first's in the PDF cache.
    caches["pdf"].clear()
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


def _grow(letter, ncg, chair, member, n):
    """n more versions, comments, linked meetings (with minutes) and published letters."""
    for i in range(n):
        services.save_letter(letter=letter, saved_by=chair, texts={"body_en": f"Words {i}."})
        start = timezone.now() - datetime.timedelta(days=30 + i)
        meeting = Meeting.objects.create(
            group=ncg,
            title_en=f"Meeting {i}",
            title_cy=f"Cyfarfod {i}",
            starts_at=start,
            ends_at=start + datetime.timedelta(hours=2),
        )
        letter.meetings.add(meeting)
        other = services.create_letter(group=ncg, created_by=chair, texts={**TEXTS, **WELSH})
        services.approve_letter(letter=other, approved_by=chair)
        services.publish_letter(letter=other, published_by=chair)
    services.send_for_review(letter=letter, sent_by=chair, notify=False)
    for i in range(n):
        services.comment_on_letter(letter=letter, person=member, body=f"Comment {i}")
    services.approve_letter(letter=letter, approved_by=chair)
    services.publish_letter(letter=letter, published_by=chair)


def _urls(letter):
    return {
        "editor": f"/en/g/ncg/letters/{letter.pk}/edit/",
        "letter": f"/en/g/ncg/letters/{letter.pk}/",
        "new": "/en/g/ncg/letters/new/",
        "public_list": "/cy/groups/ncg/letters/",
        "public_letter": f"/cy/groups/ncg/letters/{letter.pk}/",
    }


def test_letter_pages_queries_are_bounded_and_flat(client, ncg, chair, member):
    letter = services.create_letter(group=ncg, created_by=chair, texts={**TEXTS, **WELSH})
    _grow(letter, ncg, chair, member, 1)
    client.force_login(chair)
    # The editor is for letters not yet published: measure it on a sibling draft with the
    # same sources.
    draft = services.create_letter(group=ncg, created_by=chair, texts=TEXTS)
    draft.meetings.set(letter.meetings.all())
    urls = {**_urls(letter), "editor": f"/en/g/ncg/letters/{draft.pk}/edit/"}
    few = {name: count(client, url) for name, url in urls.items()}

    more = services.create_letter(group=ncg, created_by=chair, texts={**TEXTS, **WELSH})
    _grow(more, ncg, chair, member, 4)
    draft.meetings.set(more.meetings.all())
    many = {
        name: count(client, url)
        for name, url in {
            **_urls(more),
            "editor": f"/en/g/ncg/letters/{draft.pk}/edit/",
        }.items()
    }
    for name in urls:
        assert many[name] == few[name], f"{name}: {few[name]} queries, then {many[name]}"
        assert many[name] <= LIMITS[name], f"{name}: {many[name]} queries"
