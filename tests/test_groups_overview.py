"""The home page for a person in several groups: one section a group with the next meeting and
their answer, papers not yet opened, their actions, and for the secretariat and the chair the
terms-of-reference check; in a fixed number of queries."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from meetings.models import (
    Action,
    Attendance,
    Meeting,
    MeetingRule,
    Paper,
    PaperDownload,
    PaperVersion,
)
from meetings.selectors import groups_overview
from members.models import Group, Membership, Role
from tests.conftest import client_for, make_group

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def join(person, group, role=Role.MEMBER):
    Membership.objects.create(
        person=person, group=group, role=role, starts_on=datetime.date(2024, 1, 31)
    )


def meeting(group, days, status=Meeting.Status.CONFIRMED, title="Meeting"):
    start = timezone.now() + datetime.timedelta(days=days)
    return Meeting.objects.create(
        group=group,
        title_en=title,
        title_cy=f"Cyfarfod {title}",
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=2),
        status=status,
    )


def paper(group, meeting, author, n):
    p = Paper.objects.create(group=group, meeting=meeting, title_en=f"Paper {n}", created_by=author)
    return PaperVersion.objects.create(
        paper=p,
        number=1,
        file=f"papers/x{n}",
        original_name="p.pdf",
        content_type="application/pdf",
        size=1,
        sha256="0" * 64,
        uploaded_by=author,
    )


def rule(group, *, ends_in_days, text):
    return MeetingRule.objects.create(
        group=group,
        kind=MeetingRule.Kind.AT_LEAST_BY,
        minimum=2,
        starts_on=TODAY() - datetime.timedelta(days=60),
        ends_on=TODAY() + datetime.timedelta(days=ends_in_days),
        description_en=text,
        description_cy=f"{text} (cy)",
    )


def add_things(person, groups, n, offset=0):
    """For each group: n more meetings (the person invited), papers and actions (half overdue)."""
    for group in groups:
        for i in range(offset, offset + n):
            m = meeting(group, 40 + i, title=f"Later {i}")
            Attendance.objects.create(meeting=m, person=person)
            version = paper(group, m, person, f"{group.slug}-{i}")
            if i % 2:
                PaperDownload.objects.create(version=version, person=person)
            Action.objects.create(
                group=group,
                description=f"Action {i}",
                owner=person,
                due_on=TODAY() + datetime.timedelta(days=-3 if i % 2 else 10),
            )


@pytest.fixture
def two_groups(ncg, other_group, secretariat, member):
    """The secretariat officer of the NCG is also a member of the other group; so is the member."""
    join(secretariat, other_group)
    join(member, other_group)
    rule(ncg, ends_in_days=90, text="Meet twice before the summer")
    rule(ncg, ends_in_days=-1, text="Meet twice last term")
    next_ncg = meeting(ncg, 5, title="NCG next")
    Attendance.objects.create(meeting=next_ncg, person=member, response="online")
    next_other = meeting(other_group, 7, title="Other next")
    Attendance.objects.create(meeting=next_other, person=secretariat)
    Attendance.objects.create(meeting=next_other, person=member)
    for n in range(2):
        paper(ncg, next_ncg, secretariat, f"ncg-{n}")
    Action.objects.create(
        group=other_group,
        description="Overdue",
        owner=secretariat,
        due_on=TODAY() - datetime.timedelta(days=1),
    )
    Action.objects.create(group=other_group, description="Later", owner=secretariat)
    return ncg, other_group


def sections(html):
    """The page's sections, by the group named in each card's title."""
    parts = html.split('class="govuk-summary-card"')[1:]
    return {
        name: next(p for p in parts if name in p.split("</h2>")[0])
        for name in ("National Coherence Group", "Other Advisory Group")
    }


def test_home_shows_each_group_with_what_is_due(two_groups, secretariat):
    ncg, other = two_groups
    response = client_for(secretariat).get("/en/")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("<h1") == 1
    mine = sections(html)
    # The NCG: the secretariat is not invited; two papers to read; the rule check, flagged.
    assert "NCG next" in mine["National Coherence Group"]
    assert "Reply needed" not in mine["National Coherence Group"]
    assert "2 papers to read" in mine["National Coherence Group"]
    assert "Terms of reference check" in mine["National Coherence Group"]
    assert "Meet twice before the summer" in mine["National Coherence Group"]
    assert "At risk" in mine["National Coherence Group"]
    assert "Meet twice last term" in mine["National Coherence Group"]
    assert "Missed" in mine["National Coherence Group"]
    # The other group: a member there, so an answer is wanted and no rule check is shown.
    other_section = mine["Other Advisory Group"]
    assert "Other next" in other_section and "Reply needed" in other_section
    assert f"/en/g/other/meetings/{Meeting.objects.get(title_en='Other next').pk}/" in other_section
    assert "2 open actions" in other_section and "1 overdue" in other_section
    assert "/en/g/other/actions/" in other_section
    assert "Terms of reference check" not in other_section
    assert 'href="/en/g/other/"' in other_section


def test_the_rule_check_is_for_the_secretariat_and_the_chair_only(two_groups, member, chair):
    html = client_for(member).get("/en/").content.decode()
    assert "Terms of reference check" not in html
    assert "Your reply: Attending online" in sections(html)["National Coherence Group"]
    join(chair, two_groups[1])
    html = client_for(chair).get("/en/").content.decode()
    assert "Terms of reference check" in sections(html)["National Coherence Group"]
    assert "Terms of reference check" not in sections(html)["Other Advisory Group"]


def test_all_rules_on_track(two_groups, secretariat):
    MeetingRule.objects.filter(description_en="Meet twice last term").delete()
    MeetingRule.objects.update(minimum=1)
    html = client_for(secretariat).get("/cy/").content.decode()
    assert 'lang="cy"' in html
    assert "Meet twice before the summer (cy)" not in html
    section = html.split("Grŵp Cydlyniant Cenedlaethol</a>")[1]
    assert "govuk-tag--green" in section


def test_one_group_still_goes_straight_to_its_dashboard(ncg, member):
    response = client_for(member).get("/en/")
    assert response.status_code == 302 and response.url == "/en/g/ncg/"


def count(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_home_query_count_does_not_grow(two_groups, secretariat):
    client = client_for(secretariat)
    add_things(secretariat, two_groups, 1)
    few = count(client, "/en/")
    add_things(secretariat, two_groups, 12, offset=1)
    many = count(client, "/en/")
    assert many == few, f"{few} queries with few meetings, papers and actions, {many} with many"
    assert many <= 20, many
    # A third group where the person is a member costs nothing more.
    third = make_group("third", "Third Group", "Trydydd Grŵp")
    join(secretariat, third)
    add_things(secretariat, [third], 5)
    assert count(client, "/en/") == many


def test_overview_queries_are_constant_but_for_the_rule_checks(two_groups, secretariat):
    groups = list(two_groups)
    add_things(secretariat, groups, 1)
    fresh = list(Group.objects.filter(pk__in=[g.pk for g in groups]).order_by("name_en"))
    with CaptureQueriesContext(connection) as few:
        groups_overview(secretariat, fresh)
    add_things(secretariat, groups, 10, offset=1)
    fresh = list(Group.objects.filter(pk__in=[g.pk for g in groups]).order_by("name_en"))
    with CaptureQueriesContext(connection) as many:
        overview = groups_overview(secretariat, fresh)
    assert len(many) == len(few)
    # Roles, next meetings, unopened papers, actions, the rules; and check_rules' meetings and
    # school terms for the one group whose check the person sees.
    assert len(many) == 5 + 2, [q["sql"] for q in many]
    ncg, other = overview
    assert ncg.rule_checks is not None and other.rule_checks is None
    assert other.reply_needed and not ncg.reply_needed
    assert other.open_actions == 2 + 11 and other.overdue_actions == 1 + 5
    # The fixture's two papers, and the added ones not opened (even-numbered).
    assert ncg.unopened_papers == 2 + 6
