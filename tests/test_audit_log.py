"""The audit log: every change of a group's records, who/when/what/why, field by field; filters,
search, CSV; the history of one object; reads that matter; only the secretariat sees it."""

import csv
import datetime
import io

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from simple_history.models import HistoricalChanges

from advice import services as letters
from meetings import written_procedure as wp
from meetings.models import Meeting, Paper
from ncg_portal.audit import backdated, with_reason
from ncg_portal.audit_log import audited_kinds, history_links
from ncg_portal.models import RecordAccess
from tests.advice.test_letters import TEXTS

pytestmark = pytest.mark.django_db

# Models with history that belong to no one group, so they are in no group's log.
NOT_GROUP_SCOPED = {
    "members.organisation",  # shared by every group
    "members.groupvisit",  # when each member last looked: kept, but not a change to a record
    "mfa.authenticator",  # a person's own second factor
    "meetings.schoolterm",  # the school year, for every group
    "meetings.calendarfeed",  # a person's own calendar link
}


def test_every_model_with_history_is_in_a_groups_log_or_named_as_not_belonging_to_one():
    kinds = audited_kinds()
    for model in apps.get_models(include_auto_created=True):
        if not issubclass(model, HistoricalChanges):
            continue
        live = model.instance_type
        if live._meta.auto_created:  # many-to-many links: shown on their parent's rows
            parent = model._meta.get_field("history").related_model
            key = parent.instance_type._meta.label_lower
            assert model in {link.history for link in history_links()[parent]}
            assert key in NOT_GROUP_SCOPED or model in {
                link.history for link in kinds[key].links
            }, f"{live._meta.label_lower} is not shown with {key}"
            continue
        key = live._meta.label_lower
        assert key in kinds or key in NOT_GROUP_SCOPED, f"{key} is in no group's audit log"


def test_the_many_to_many_fields_with_history_are_shown_with_their_parents():
    kinds = audited_kinds()
    shown = {key: [link.field.name for link in kind.links] for key, kind in kinds.items()}
    assert shown["advice.letter"] == ["meetings", "circulations"]
    assert shown["meetings.circulation"] == ["papers"]


@pytest.mark.parametrize("who", ["outsider", "observer", "member", "chair"])
def test_only_the_secretariat_sees_the_log(client, request, who, ncg):
    client.force_login(request.getfixturevalue(who))
    assert client.get("/en/g/ncg/audit/").status_code == 404
    assert client.get("/en/g/ncg/audit/audit.csv").status_code == 404
    assert client.get(f"/en/g/ncg/audit/members.group/{ncg.pk}/").status_code == 404


def test_a_change_shows_who_when_the_fields_and_why(as_secretariat, ncg, secretariat, member):
    membership = member.memberships.get(group=ncg)
    response = as_secretariat.post(
        f"/en/g/ncg/members/{membership.pk}/end/",
        {
            "ends_on": timezone.localdate().isoformat(),
            "reason": "Left the council in the May elections",
        },
    )
    assert response.status_code == 302
    for lang in ("en", "cy"):
        page = as_secretariat.get(f"/{lang}/g/ncg/audit/")
        assert page.status_code == 200
        assert "Left the council in the May elections" in page.text
        assert secretariat.display_name in page.text
    # Filtered to memberships and searched for the reason: the ending, with its dates.
    page = as_secretariat.get(
        "/en/g/ncg/audit/", {"kind": "members.membership", "text": "May elections"}
    )
    assert "Left the council in the May elections" in page.text
    assert "End date" in page.text and timezone.localdate().isoformat() in page.text
    assert "1 change" in page.text
    # Filtered to someone else, or to days before it: not there.
    other = as_secretariat.get(
        "/en/g/ncg/audit/", {"text": "May elections", "person": str(member.pk)}
    )
    assert "Left the council" not in other.text
    before = (timezone.localdate() - datetime.timedelta(days=3)).isoformat()
    old = as_secretariat.get("/en/g/ncg/audit/", {"text": "May elections", "until": before})
    assert "Left the council" not in old.text


def test_bad_filters_are_explained_not_an_error(as_secretariat):
    page = as_secretariat.get("/cy/g/ncg/audit/", {"since": "not a date", "kind": "nope"})
    assert page.status_code == 200 and "govuk-error-summary" in page.text


def test_csv_export_has_a_row_per_field_and_is_itself_recorded(as_secretariat, ncg, secretariat):
    ncg.summary_en = '=HYPERLINK("http://evil.example")'
    with_reason(ncg, "Summary rewritten", user=secretariat).save()
    response = as_secretariat.get("/en/g/ncg/audit/audit.csv", {"kind": "members.group"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    changed = [r for r in rows if r["reason"] == "Summary rewritten"]
    assert [r["field"] for r in changed] == ["summary_en"]
    assert changed[0]["after"].startswith("'=HYPERLINK")  # not run as a formula
    assert changed[0]["who_email"] == secretariat.email
    access = RecordAccess.objects.get()
    assert access.what == RecordAccess.What.AUDIT_EXPORTED and access.person == secretariat
    # The export shows in the log in its turn.
    assert "Audit log exported" in as_secretariat.get("/en/g/ncg/audit/").text


def test_object_history_and_draft_reads(client, ncg, chair, secretariat, other_group):
    letter = letters.create_letter(group=ncg, created_by=secretariat, texts=TEXTS)
    client.force_login(chair)
    client.get(f"/en/g/ncg/letters/{letter.pk}/")
    read = RecordAccess.objects.get(what=RecordAccess.What.LETTER_DRAFT_VIEWED)
    assert read.person == chair and f"letter {letter.pk}" in read.subject
    client.force_login(secretariat)
    page = client.get(f"/en/g/ncg/letters/{letter.pk}/")
    assert f"/en/g/ncg/audit/advice.letter/{letter.pk}/" in page.text
    history = client.get(f"/cy/g/ncg/audit/advice.letter/{letter.pk}/")
    assert history.status_code == 200 and "Letter drafted" in history.text
    # An object of another group, or a kind that is not audited: 404.
    theirs = Meeting.objects.create(
        group=other_group,
        title_en="Their meeting",
        title_cy="Eu cyfarfod",
        starts_at=timezone.now(),
        ends_at=timezone.now() + datetime.timedelta(hours=1),
    )
    assert client.get(f"/en/g/ncg/audit/meetings.meeting/{theirs.pk}/").status_code == 404
    assert client.get("/en/g/ncg/audit/advice.letter/999999/").status_code == 404
    assert client.get("/en/g/ncg/audit/auth.permission/1/").status_code == 404


def test_backdated_changes_sort_by_when_they_happened(as_secretariat, ncg, secretariat):
    with backdated(timezone.now() - datetime.timedelta(days=400)):
        ncg.mode_of_operation_en = "Meets termly"
        with_reason(ncg, "An old change", user=secretariat).save()
    ncg.mode_of_operation_en = "Meets twice a term"
    with_reason(ncg, "A new change", user=secretariat).save()
    text = as_secretariat.get("/en/g/ncg/audit/", {"kind": "members.group"}).text
    assert text.index("A new change") < text.index("An old change")


def test_the_log_page_makes_a_bounded_number_of_queries(as_secretariat, ncg, secretariat):
    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert as_secretariat.get("/en/g/ncg/audit/").status_code == 200
        return len(ctx.captured_queries)

    few = count()
    for i in range(30):
        ncg.summary_cy = f"Crynodeb {i}"
        with_reason(ncg, f"Change {i}", user=secretariat).save()
    many = count()
    assert many <= few + 2, (few, many)
    assert many <= 60


# --- Many-to-many links: a letter's meetings and circulations, a circulation's papers -------------


def make_meeting(group, title):
    start = timezone.now() + datetime.timedelta(days=10)
    return Meeting.objects.create(
        group=group,
        title_en=title,
        title_cy=f"{title} (cy)",
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=2),
    )


def make_paper(group, by, title):
    return Paper.objects.create(group=group, title_en=title, created_by=by)


def start_circulation(group, by, subject, papers):
    return wp.start_circulation(
        group=group,
        created_by=by,
        subject_en=subject,
        subject_cy=f"{subject} (cy)",
        message_en="Please comment on the papers.",
        message_cy="Rhowch sylwadau ar y papurau.",
        deadline=timezone.now() + datetime.timedelta(days=7),
        papers=papers,
    )


def csv_rows(client, **query):
    response = client.get("/en/g/ncg/audit/audit.csv", query)
    assert response.status_code == 200
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def test_a_letters_sources_show_as_the_meetings_and_circulations_added_and_removed(
    as_secretariat, ncg, secretariat, chair, member
):
    spring = make_meeting(ncg, "Spring meeting")
    summer = make_meeting(ncg, "Summer meeting")
    consultation = start_circulation(ncg, secretariat, "Consultation on the data framework", [])
    letter = letters.create_letter(group=ncg, created_by=secretariat, texts=TEXTS)
    letters.set_sources(letter=letter, meetings=[spring], circulations=[], by=secretariat)
    letters.set_sources(
        letter=letter, meetings=[summer], circulations=[consultation], by=secretariat
    )

    for url in (
        "/en/g/ncg/audit/?kind=advice.letter",
        f"/en/g/ncg/audit/advice.letter/{letter.pk}/",
    ):
        page = as_secretariat.get(url)
        assert page.status_code == 200
        text = page.text
        assert "<dt>Meetings</dt><dd>Added: <ins>Spring meeting</ins></dd>" in text
        assert "<dt>Meetings</dt><dd>Removed: <del>Spring meeting</del></dd>" in text
        assert "<dt>Meetings</dt><dd>Added: <ins>Summer meeting</ins></dd>" in text
        assert (
            "<dt>Circulations</dt><dd>Added: <ins>Consultation on the data framework</ins></dd>"
            in text
        )
        assert "Sources of the letter changed" in text
        assert "<ins>#" not in text and "<del>#" not in text  # names, not numbers
    # In Welsh too (the names are the records' own).
    assert "Summer meeting" in as_secretariat.get("/cy/g/ncg/audit/?kind=advice.letter").text

    # The CSV: the links before and after, by name, a row per field changed.
    rows = csv_rows(as_secretariat, kind="advice.letter")
    links = [
        (r["field"], r["before"], r["after"])
        for r in rows
        if r["field"] in ("meetings", "circulations")
    ]
    assert links == [  # newest first
        ("circulations", "", "Consultation on the data framework"),
        ("meetings", "", "Summer meeting"),
        ("meetings", "Spring meeting", ""),
        ("meetings", "", "Spring meeting"),
    ]
    assert all(
        r["reason"] == "Sources of the letter changed"
        for r in rows
        if r["field"] in ("meetings", "circulations")
    )

    # Search finds the letter's changes by the name of what it drew on then.
    found = as_secretariat.get(
        "/en/g/ncg/audit/", {"kind": "advice.letter", "text": "spring MEETING"}
    )
    assert "Added: <ins>Spring meeting</ins>" in found.text and "1 change" in found.text
    # By its Welsh name too; the export names it in English, as it names everything.
    welsh = csv_rows(as_secretariat, kind="advice.letter", text="Summer meeting (cy)")
    assert ("meetings", "", "Summer meeting") in [
        (r["field"], r["before"], r["after"]) for r in welsh
    ]
    nothing = as_secretariat.get("/en/g/ncg/audit/", {"kind": "advice.letter", "text": "Autumn"})
    assert "0 changes" in nothing.text


def test_a_circulations_papers_show_in_its_history_by_title(
    as_secretariat, ncg, secretariat, member
):
    budget = make_paper(ncg, secretariat, "Budget 2026-27")
    data = make_paper(ncg, secretariat, "Data framework")
    circulation = start_circulation(ncg, secretariat, "Papers for comment", [data, budget])
    url = f"/en/g/ncg/audit/meetings.circulation/{circulation.pk}/"
    expected = "<dt>Papers</dt><dd>Added: <ins>Budget 2026-27; Data framework</ins></dd>"
    assert expected in as_secretariat.get(url).text
    # By who made it, on the day: the link rows carry the circulation's who and when.
    today = timezone.localdate().isoformat()
    filtered = as_secretariat.get(
        "/en/g/ncg/audit/",
        {"kind": "meetings.circulation", "person": str(secretariat.pk), "since": today},
    )
    assert expected in filtered.text
    assert (
        expected
        not in as_secretariat.get(
            "/en/g/ncg/audit/", {"kind": "meetings.circulation", "person": str(member.pk)}
        ).text
    )
    # A paper taken off again (no service does yet: straight through the ORM).
    with_reason(circulation, "Budget paper withdrawn from the circulation", user=secretariat)
    circulation.papers.remove(budget)
    text = as_secretariat.get(url).text
    assert "<dt>Papers</dt><dd>Removed: <del>Budget 2026-27</del></dd>" in text
    rows = csv_rows(as_secretariat, kind="meetings.circulation")
    assert [(r["before"], r["after"], r["reason"]) for r in rows if r["field"] == "papers"] == [
        (
            "Budget 2026-27; Data framework",
            "Data framework",
            "Budget paper withdrawn from the circulation",
        ),
        ("", "Budget 2026-27; Data framework", "Circulation drafted"),
    ]


def test_links_on_the_page_take_a_fixed_number_of_queries(
    as_secretariat, ncg, secretariat, chair, member
):
    """The links of every entry on a page come in one query per many-to-many field, and their
    names in one per kind of record linked to, however many entries show them."""
    link_tables = [
        link.history._meta.db_table for kind in audited_kinds().values() for link in kind.links
    ]

    def count(**query):
        with CaptureQueriesContext(connection) as ctx:
            page = as_secretariat.get("/en/g/ncg/audit/", query)
        assert page.status_code == 200
        sql = [q["sql"] for q in ctx.captured_queries]
        # One query for the links of each field, whatever the number of entries showing them.
        per_table = {table: sum(f'"{table}"' in q for q in sql) for table in link_tables}
        assert set(per_table.values()) == ({1} if not query else {0, 1}), per_table
        return len(sql), page.text

    letter = letters.create_letter(group=ncg, created_by=secretariat, texts=TEXTS)

    def change_sources(i):
        paper = make_paper(ncg, secretariat, f"Paper {i}")
        circulation = start_circulation(ncg, secretariat, f"Circulation {i}", [paper])
        meeting = make_meeting(ncg, f"Meeting {i}")
        letters.set_sources(
            letter=letter, meetings=[meeting], circulations=[circulation], by=secretariat
        )

    change_sources(0)
    few, text = count()
    assert "Added: <ins>Meeting 0</ins>" in text and "Added: <ins>Paper 0</ins>" in text
    few_letters, text = count(kind="advice.letter")
    assert text.count("<dt>Meetings</dt>") == 1
    for i in range(1, 12):
        change_sources(i)
    many, text = count()
    assert "Removed: <del>Meeting 10</del>" in text and "Added: <ins>Paper 11</ins>" in text
    assert many <= few + 2, (few, many)
    assert many <= 60
    many_letters, text = count(kind="advice.letter")
    assert text.count("<dt>Meetings</dt>") == 23 and text.count("<dt>Circulations</dt>") == 23
    assert many_letters == few_letters, (few_letters, many_letters)
