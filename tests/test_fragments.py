"""Parts of pages kept under their group's change stamp ({% fragment %}, ncg_portal/stamps.py):
kept between views, never stale after a change, kept apart by language and role, and the stamps
move for the right group."""

import datetime

import pytest
from django.core.cache import caches
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from meetings.models import Comment, Meeting, Paper, PaperDownload, PaperVersion
from members.models import GroupVisit, Organisation
from ncg_portal import stamps


@pytest.fixture
def fragments_on(db, settings):
    settings.FRAGMENT_CACHE = True
    caches["fragments"].clear()
    caches["default"].clear()


@pytest.fixture
def meeting_with_paper(ncg, secretariat, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        start = timezone.now() + datetime.timedelta(days=5)
        meeting = Meeting.objects.create(
            group=ncg,
            title_en="Spring meeting",
            title_cy="Cyfarfod y gwanwyn",
            starts_at=start,
            ends_at=start + datetime.timedelta(hours=2),
            status=Meeting.Status.CONFIRMED,
        )
        paper = Paper.objects.create(
            group=ncg,
            meeting=meeting,
            title_en="Budget outlook",
            title_cy="Rhagolwg y gyllideb",
            created_by=secretariat,
        )
        version = PaperVersion.objects.create(
            paper=paper,
            number=1,
            file="papers/x",
            original_name="p.pdf",
            content_type="application/pdf",
            size=1,
            sha256="0" * 64,
            uploaded_by=secretariat,
        )
    return meeting, paper, version


def _papers(html):
    return html.split("Agenda</h2>")[1].split("Declarations of interest")[0]


def _get(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return response.text, len(queries)


def test_kept_then_made_again_after_a_change(
    fragments_on, meeting_with_paper, as_member, django_capture_on_commit_callbacks
):
    meeting, paper, _version = meeting_with_paper
    url = f"/en/g/ncg/meetings/{meeting.pk}/"
    first, first_queries = _get(as_member, url)
    again, again_queries = _get(as_member, url)
    assert "Budget outlook" in first
    assert _papers(again) == _papers(first)  # (the forms' CSRF tokens differ each time)
    assert again_queries < first_queries  # the papers were not read again

    with django_capture_on_commit_callbacks(execute=True):
        paper.title_en = "Budget outlook, revised"
        paper.save()
    after, _ = _get(as_member, url)
    assert "Budget outlook, revised" in after


def test_kept_apart_by_language_and_role(
    fragments_on,
    meeting_with_paper,
    as_member,
    as_secretariat,
    member,
    django_capture_on_commit_callbacks,
):
    meeting, _paper, version = meeting_with_paper
    with django_capture_on_commit_callbacks(execute=True):
        PaperDownload.objects.create(version=version, person=member)
    english, _ = _get(as_member, f"/en/g/ncg/meetings/{meeting.pk}/")
    welsh, _ = _get(as_member, f"/cy/g/ncg/meetings/{meeting.pk}/")
    assert "Budget outlook" in english and "Rhagolwg y gyllideb" in welsh
    # Who opened each paper is for the secretariat: the member's kept copy does not leak it,
    # nor does the secretariat's reach the member.
    assert member.display_name not in english.split("Papers")[1].split("Declarations")[0]
    secretariat_page, _ = _get(as_secretariat, f"/en/g/ncg/meetings/{meeting.pk}/")
    assert f"Opened by: {member.display_name}" in secretariat_page
    again, _ = _get(as_member, f"/en/g/ncg/meetings/{meeting.pk}/")
    assert "Opened by:" not in again


def test_stamps_move_for_the_right_group(
    ncg, other_group, member, secretariat, django_capture_on_commit_callbacks
):
    stamps._flush(transaction.get_connection())  # what the fixtures' writes left pending
    before_ncg, before_other = stamps.current(ncg.pk), stamps.current(other_group.pk)
    with django_capture_on_commit_callbacks(execute=True):
        Meeting.objects.create(
            group=ncg,
            title_en="M",
            title_cy="C",
            starts_at=timezone.now(),
            ends_at=timezone.now() + datetime.timedelta(hours=1),
        )
    assert stamps.current(ncg.pk) != before_ncg
    # (The portal part may move too: the fixtures' own writes, never committed, move it at the
    # first commit. Only the group parts tell which group moved.)
    assert stamps.current(other_group.pk).split(".")[0] == before_other.split(".")[0]
    assert stamps.current(ncg.pk).split(".")[0] != before_ncg.split(".")[0]
    # Through a chain of links: a comment belongs to its circulation's group.
    assert stamps.groups_of(Comment(circulation_id=None, paper=Paper(group=ncg))) == {ncg.pk}
    # A person belongs to the groups they are a member of; a visit changes nothing shown.
    assert ncg.pk in stamps.groups_of(member)
    assert stamps.groups_of(GroupVisit(person=member, group=ncg)) == set()
    # Whatever belongs to no group moves every group's stamp.
    before_ncg = stamps.current(ncg.pk)
    with django_capture_on_commit_callbacks(execute=True):
        Organisation.objects.create(name_en="A new body", name_cy="Corff newydd")
    assert stamps.current(ncg.pk) != before_ncg


def test_nothing_moves_before_the_change_commits(ncg):
    before = stamps.current(ncg.pk)
    Meeting.objects.create(  # inside the test's transaction, never committed
        group=ncg,
        title_en="M",
        title_cy="C",
        starts_at=timezone.now(),
        ends_at=timezone.now() + datetime.timedelta(hours=1),
    )
    assert stamps.current(ncg.pk) == before


def test_the_audit_log_is_kept_until_the_group_changes(
    fragments_on, meeting_with_paper, as_secretariat, django_capture_on_commit_callbacks
):
    _meeting, paper, _version = meeting_with_paper
    first, first_queries = _get(as_secretariat, "/en/g/ncg/audit/")
    again, again_queries = _get(as_secretariat, "/en/g/ncg/audit/")
    assert "Budget outlook" in first
    assert again_queries < first_queries  # the log was not read again
    with django_capture_on_commit_callbacks(execute=True):
        paper.title_en = "Budget outlook, second thoughts"
        paper.save()
    after, _ = _get(as_secretariat, "/en/g/ncg/audit/")
    assert "Budget outlook, second thoughts" in after
    # A search is kept apart from the whole log.
    searched, _ = _get(as_secretariat, "/en/g/ncg/audit/?text=nothing-matches-this")
    assert "Budget outlook" not in searched.split("</form>")[-1]


def test_one_write_to_the_shared_cache_per_transaction(
    ncg, secretariat, django_capture_on_commit_callbacks
):
    from ncg_portal.stamps import _flush

    _flush(transaction.get_connection())  # what the fixtures left pending
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        for n in range(5):
            Paper.objects.create(group=ncg, title_en=f"P{n}", created_by=secretariat)
    with CaptureQueriesContext(connection) as queries:
        for callback in callbacks:
            callback()
    writes = [q for q in queries if "ncg_cache" in q["sql"] and "UPDATE" in q["sql"].upper()]
    inserts = [q for q in queries if "ncg_cache" in q["sql"] and "INSERT" in q["sql"].upper()]
    assert len(writes) + len(inserts) == 1  # five rows, one stamp written once
