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
from meetings.models import Meeting
from ncg_portal.audit import backdated, with_reason
from ncg_portal.audit_log import audited_kinds
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
    kinds = set(audited_kinds())
    for model in apps.get_models(include_auto_created=True):
        if not issubclass(model, HistoricalChanges):
            continue
        live = model.instance_type
        if live._meta.auto_created:
            continue  # many-to-many links: recorded on their parent's row
        key = live._meta.label_lower
        assert key in kinds or key in NOT_GROUP_SCOPED, f"{key} is in no group's audit log"


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
