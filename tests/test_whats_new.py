"""New since your last visit: visits that mark sittings, what changed in the group since then, the
page that lists it and the dashboard panel that counts it."""

import datetime

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from meetings import services
from meetings.models import Action, Meeting, Minutes, Paper, PaperVersion
from meetings.selectors import new_since, new_since_counts
from meetings.uploads import add_paper_version, create_paper
from members.models import GroupVisit, Role
from members.visits import note_visit, sitting_gap
from ncg_portal.audit import backdated, with_reason
from tests.conftest import client_for, make_person

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n%%EOF\n"
MINUTE = datetime.timedelta(minutes=1)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def make_meeting(group, title="Spring meeting", days=10, **fields):
    start = timezone.now() + datetime.timedelta(days=days)
    return services.create_meeting(
        group=group,
        title_en=title,
        title_cy=f"{title} (cy)",
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=2),
        mode=Meeting.Mode.ONLINE,
        join_url="https://meet.example.org/ncg",
        **fields,
    )


def make_paper(meeting, by, title):
    return create_paper(
        group=meeting.group,
        meeting=meeting,
        title_en=title,
        classification=Paper.Classification.OFFICIAL,
        created_by=by,
        uploaded_file=SimpleUploadedFile("a.pdf", PDF),
    )


# --- Visits ----------------------------------------------------------------------------------


def test_first_visit_creates_the_row_with_history(member, ncg):
    now = timezone.now()
    visit = note_visit(member, ncg, now=now)
    assert visit.created and visit.seen_before is None and visit.last_seen_at == now
    stored = GroupVisit.objects.get(person=member, group=ncg)
    assert stored.last_seen_at == now and stored.seen_before is None
    assert stored.history.get().history_change_reason == "First visit to the group"


def test_a_visit_within_the_sitting_keeps_seen_before(member, ncg):
    start = timezone.now() - datetime.timedelta(hours=5)
    note_visit(member, ncg, now=start)
    # Back after a long pause: a new sitting, whose "before" is the end of the first.
    later = start + sitting_gap() + MINUTE
    assert note_visit(member, ncg, now=later).seen_before == start
    # Page views within the sitting move last_seen_at on, not seen_before.
    within = later + sitting_gap() - MINUTE
    visit = note_visit(member, ncg, now=within)
    assert not visit.created and visit.seen_before == start and visit.last_seen_at == within
    stored = GroupVisit.objects.get(person=member, group=ncg)
    assert stored.seen_before == start and stored.last_seen_at == within


def test_first_sitting_has_no_seen_before_until_a_new_sitting(member, ncg):
    start = timezone.now() - datetime.timedelta(hours=5)
    note_visit(member, ncg, now=start)
    assert note_visit(member, ncg, now=start + 10 * MINUTE).seen_before is None
    assert GroupVisit.objects.get(person=member, group=ncg).seen_before is None


def test_after_the_idle_time_seen_before_moves_to_the_last_visit(member, ncg):
    start = timezone.now() - datetime.timedelta(hours=5)
    note_visit(member, ncg, now=start)
    last = start + 20 * MINUTE
    note_visit(member, ncg, now=last)
    back = last + sitting_gap() + MINUTE
    visit = note_visit(member, ncg, now=back)
    assert visit.seen_before == last and visit.last_seen_at == back
    stored = GroupVisit.objects.get(person=member, group=ncg)
    assert stored.seen_before == last and stored.last_seen_at == back


def test_history_has_a_row_per_sitting_not_per_page_view(member, ncg):
    start = timezone.now() - datetime.timedelta(hours=5)
    for minutes in (0, 5, 60, 65, 200):
        note_visit(member, ncg, now=start + minutes * MINUTE)
    visit = GroupVisit.objects.get(person=member, group=ncg)
    history = list(visit.history.order_by("history_id"))
    assert [h.history_change_reason for h in history] == [
        "First visit to the group",
        "New sitting",
        "New sitting",
    ]
    # Each row holds the sitting as it began: when, and what counts as new in it.
    assert [(h.last_seen_at, h.seen_before) for h in history] == [
        (start, None),
        (start + 60 * MINUTE, start + 5 * MINUTE),
        (start + 200 * MINUTE, start + 65 * MINUTE),
    ]
    assert history[-1].history_user == member


def test_visits_are_per_group(member, ncg, other_group):
    note_visit(member, ncg)
    note_visit(member, other_group)
    assert GroupVisit.objects.filter(person=member).count() == 2


def test_the_dashboard_notes_the_visit_and_other_pages_do_not(as_member, member, ncg):
    as_member.get("/en/g/ncg/members/")
    as_member.get("/en/g/ncg/new/")
    assert not GroupVisit.objects.exists()
    as_member.get("/cy/g/ncg/")
    assert GroupVisit.objects.get().person == member


# --- The selector ----------------------------------------------------------------------------


@pytest.fixture
def before(ncg, member, chair, secretariat):
    """What existed before the member's last visit, and the moment of that visit."""
    old_meeting = make_meeting(ncg, "Old meeting", days=40)
    to_confirm = make_meeting(ncg, "To confirm", days=20)
    to_cancel = make_meeting(ncg, "To cancel", days=30)
    to_change = make_meeting(ncg, "To change", days=25)
    old_paper = make_paper(old_meeting, secretariat, "Old paper")
    services.add_action(group=ncg, description="Old action", owner=member)
    since = timezone.now()
    return {
        "since": since,
        "old_meeting": old_meeting,
        "to_confirm": to_confirm,
        "to_cancel": to_cancel,
        "to_change": to_change,
        "old_paper": old_paper,
    }


@pytest.fixture
def changes(before, ncg, member, chair, secretariat):
    """What others (and the member) did after the member's last visit."""
    new_meeting = make_meeting(ncg, "New meeting", days=50)
    services.confirm_meeting(meeting=before["to_confirm"])
    services.cancel_meeting(meeting=before["to_cancel"], reason="No quorum")
    services.update_meeting(meeting=before["to_change"], venue="Cardiff")
    # The member's own change is not news to them.
    own = Meeting.objects.get(pk=before["old_meeting"].pk)
    own.venue = "Swansea"
    with_reason(own, "Changed by the member", user=member).save()

    new_paper = make_paper(new_meeting, secretariat, "New paper")
    version_2 = add_paper_version(
        paper=before["old_paper"],
        uploaded_file=SimpleUploadedFile("b.pdf", PDF),
        uploaded_by=chair,
    )
    version_3 = add_paper_version(
        paper=before["old_paper"],
        uploaded_file=SimpleUploadedFile("c.pdf", PDF),
        uploaded_by=secretariat,
    )
    own_version = add_paper_version(
        paper=new_paper, uploaded_file=SimpleUploadedFile("d.pdf", PDF), uploaded_by=member
    )

    shared = Minutes.objects.create(
        meeting=before["old_meeting"], status=Minutes.Status.SHARED, shared_at=timezone.now()
    )
    approved = Minutes.objects.create(
        meeting=before["to_change"],
        status=Minutes.Status.APPROVED,
        shared_at=before["since"] - datetime.timedelta(days=2),
        approved_at=timezone.now(),
        approved_by=chair,
    )

    given = services.add_action(group=ncg, description="Send the LA data", owner=member)
    services.add_action(group=ncg, description="The chair's action", owner=chair)
    own_action = Action(group=ncg, description="Note to self", owner=member)
    with_reason(own_action, "Added by the member", user=member).save()

    newcomer = make_person(
        "newcomer@example.org", "Nia Newcomer", role=Role.MEMBER, group=ncg, language="cy"
    )
    return {
        "new_meeting": new_meeting,
        "new_paper": new_paper,
        "version_2": version_2,
        "version_3": version_3,
        "own_version": own_version,
        "shared": shared,
        "approved": approved,
        "given": given,
        "newcomer": newcomer,
    }


def test_new_since_lists_what_others_changed(before, changes, member, ncg):
    news = new_since(member, ncg, before["since"])

    first_version = PaperVersion.objects.get(paper=changes["new_paper"], number=1)
    assert [(thing.kind, thing.obj.pk) for thing in news["papers"]] == [
        ("new_version", changes["version_3"].pk),
        ("new_version", changes["version_2"].pk),
        ("new_paper", first_version.pk),
    ]
    current = {thing.obj.pk: thing.obj.is_current for thing in news["papers"]}
    assert current[changes["version_3"].pk] and not current[changes["version_2"].pk]
    assert changes["own_version"].pk not in current

    meetings = {thing.obj.title_en: thing.kind for thing in news["meetings"]}
    assert meetings == {
        "New meeting": "added",
        "To confirm": "confirmed",
        "To cancel": "cancelled",
        "To change": "changed",
    }

    minutes = {thing.obj.pk: thing.kind for thing in news["minutes"]}
    assert minutes == {
        changes["shared"].pk: "minutes_shared",
        changes["approved"].pk: "minutes_approved",
    }

    assert [thing.obj.description for thing in news["actions"]] == ["Send the LA data"]
    assert [thing.obj.person for thing in news["people"]] == [changes["newcomer"]]

    for items in news.values():
        moments = [thing.at for thing in items]
        assert moments == sorted(moments, reverse=True)


def test_new_since_counts_match_the_list(before, changes, member, ncg):
    counts = new_since_counts(member, ncg, before["since"])
    assert counts["new_papers"] == 1 and counts["new_versions"] == 2
    assert counts["meetings"] == 4 and counts["minutes"] == 2
    assert counts["actions"] == 1 and counts["people"] == 1
    assert counts["papers"] == 3 and counts["total"] == 11
    news = new_since(member, ncg, before["since"])
    for section in ("papers", "meetings", "minutes", "actions", "people"):
        assert counts[section] == len(news[section]), section


def test_nothing_is_new_after_the_changes(before, changes, member, ncg):
    news = new_since(member, ncg, timezone.now())
    assert not any(news.values())
    assert new_since_counts(member, ncg, timezone.now())["total"] == 0


def test_other_groups_changes_are_not_news(before, other_group, outsider, member, ncg):
    make_meeting(other_group, "Their meeting")
    make_person("x@example.org", "X", role=Role.MEMBER, group=other_group)
    assert new_since_counts(member, ncg, before["since"])["total"] == 0


def test_the_chair_does_not_see_the_members_actions(before, changes, chair, ncg):
    news = new_since(chair, ncg, before["since"])
    assert [thing.obj.description for thing in news["actions"]] == ["The chair's action"]


# --- The page and the panel ------------------------------------------------------------------


def test_page_says_since_when_in_london_time(as_member, member, ncg, before, changes):
    GroupVisit.objects.create(
        person=member,
        group=ncg,
        last_seen_at=timezone.now(),
        seen_before=datetime.datetime(2026, 7, 1, 9, 5, tzinfo=datetime.UTC),
    )
    html = as_member.get("/en/g/ncg/new/").content.decode()
    assert "New since your last visit" in html
    assert "1 July 2026 at 10:05" in html  # 09:05 UTC is 10:05 in London in summer
    assert "Send the LA data" in html and "Nia Newcomer" in html
    assert f"/en/g/ncg/papers/{changes['version_3'].pk}/download/" in html
    assert f"/en/g/ncg/meetings/{before['to_cancel'].pk}/" in html
    assert as_member.get("/cy/g/ncg/new/").status_code == 200


def test_page_on_a_first_visit_shows_the_last_30_days(as_member, ncg, secretariat):
    # History is append-only: the meetings are recorded as made 29 and 31 days ago.
    with backdated(timezone.now() - datetime.timedelta(days=29)):
        make_meeting(ncg, "Recent meeting")
    with backdated(timezone.now() - datetime.timedelta(days=31)):
        make_meeting(ncg, "Ancient meeting")
    html = as_member.get("/en/g/ncg/new/").content.decode()
    assert "This is your first visit" in html and "last 30 days" in html
    assert "Recent meeting" in html and "Ancient meeting" not in html


def test_page_with_nothing_new(as_member, member, ncg):
    GroupVisit.objects.create(
        person=member, group=ncg, last_seen_at=timezone.now(), seen_before=timezone.now()
    )
    assert "Nothing has changed since then." in as_member.get("/en/g/ncg/new/").content.decode()


def test_dashboard_panel_welcomes_then_counts(as_member, member, ncg, secretariat):
    first = as_member.get("/en/g/ncg/").content.decode()
    assert "this is your first visit" in first and "/en/g/ncg/new/" in first
    make_paper(make_meeting(ncg), secretariat, "Fresh paper")
    second = as_member.get("/en/g/ncg/").content.decode()
    assert "In the last 30 days:" in second and "1 new paper" in second
    # A new sitting: counted since the end of the previous one, after the paper came.
    GroupVisit.objects.filter(person=member).update(
        last_seen_at=timezone.now() - sitting_gap() - MINUTE
    )
    third = as_member.get("/en/g/ncg/").content.decode()
    assert "Since your last visit on" in third and "1 new paper" in third
    # Later, a sitting that began after all of it: nothing new. (History is append-only, so the
    # clock moves on rather than the records moving back.)
    with time_machine.travel(timezone.now() + sitting_gap() + 2 * MINUTE, tick=True):
        as_member.force_login(member)  # the session of the real clock has expired by then
        GroupVisit.objects.filter(person=member).update(
            last_seen_at=timezone.now() - sitting_gap() - MINUTE
        )
        fourth = as_member.get("/en/g/ncg/").content.decode()
    assert "Nothing new." in fourth


VISITORS = ["anonymous", "outsider", "observer", "member", "chair", "secretariat"]


@pytest.mark.parametrize("who", VISITORS)
def test_page_for_every_visitor(request, who, ncg, other_group):
    person = None if who == "anonymous" else request.getfixturevalue(who)
    response = client_for(person).get("/en/g/ncg/new/")
    expected = {"anonymous": 302, "outsider": 404}.get(who, 200)
    assert response.status_code == expected
    if who == "anonymous":
        assert "/accounts/login/" in response["Location"]


def test_outsider_sees_only_their_own_group(as_outsider, other_group):
    assert as_outsider.get("/en/g/other/new/").status_code == 200
    assert as_outsider.get("/en/g/ncg/new/").status_code == 404


# --- Query counts ----------------------------------------------------------------------------


def count_queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def add_news(group, member, secretariat, n, offset=0):
    for i in range(offset, offset + n):
        meeting = make_meeting(group, f"Meeting {i}", days=30 + i)
        paper = make_paper(meeting, secretariat, f"Paper {i}")
        add_paper_version(
            paper=paper, uploaded_file=SimpleUploadedFile("v.pdf", PDF), uploaded_by=secretariat
        )
        services.update_meeting(meeting=meeting, venue=f"Room {i}")
        Minutes.objects.create(meeting=meeting, status="shared", shared_at=timezone.now())
        services.add_action(group=group, description=f"Action {i}", owner=member)
        make_person(f"p{i}@example.org", f"Person {i}", role=Role.MEMBER, group=group)


@pytest.mark.parametrize("url", ["/en/g/ncg/new/", "/en/g/ncg/"])
def test_queries_do_not_grow_with_what_is_new(as_member, member, secretariat, ncg, url):
    # Past the first visit, so the dashboard counts what is new.
    GroupVisit.objects.create(
        person=member,
        group=ncg,
        last_seen_at=timezone.now(),
        seen_before=timezone.now() - datetime.timedelta(days=1),
    )
    add_news(ncg, member, secretariat, 1)
    few = count_queries(as_member, url)
    add_news(ncg, member, secretariat, 8, offset=1)
    many = count_queries(as_member, url)
    assert many == few, f"{url}: {few} queries with few, {many} with many"
    html = as_member.get(url).content.decode()
    assert "Paper 8" in html if url.endswith("/new/") else "9 new papers" in html
