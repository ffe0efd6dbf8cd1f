"""Pages make a fixed number of queries, however many members a group has."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from members.models import Organisation, Role
from tests.conftest import make_person

pytestmark = pytest.mark.django_db

PAGES = {
    "/en/g/ncg/": 14,
    "/en/g/ncg/members/": 6,
    "/en/groups/ncg/": 7,
    "/en/profile/": 6,
}


def count(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("url,limit", PAGES.items())
def test_query_count_is_bounded_and_flat(as_secretariat, ncg, url, limit):
    as_secretariat.get(url)  # a first visit to a group is noted once (members/visits.py)
    few = count(as_secretariat, url)
    for i in range(15):
        org = Organisation.objects.create(name_en=f"Council {i}", name_cy=f"Cyngor {i}")
        make_person(f"m{i}@example.org", f"Member {i}", role=Role.MEMBER, group=ncg, org=org)
    many = count(as_secretariat, url)
    assert many == few, f"{url}: {few} queries with few members, {many} with many"
    assert many <= limit, f"{url}: {many} queries (limit {limit})"
