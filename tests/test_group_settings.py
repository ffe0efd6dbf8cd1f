"""Meeting settings of a group (deputies, quorum), set by the secretariat, and deputies offered
and accepted only where the group allows them."""

import datetime

import pytest
from django.utils import timezone

from meetings import services as meeting_services
from meetings.models import Attendance, Meeting
from members import services
from members.models import Group
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

URL = "/en/g/ncg/settings/"


def settings_post(**changes):
    data = {"quorum_rule": "majority", "reason": "Agreed at the March meeting"}
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


# --- The page ----------------------------------------------------------------------------------


VISITORS = ["anonymous", "outsider", "observer", "member", "chair", "secretariat"]


@pytest.mark.parametrize("who", VISITORS)
def test_only_the_secretariat_reaches_the_settings(request, who, ncg, other_group):
    person = None if who == "anonymous" else request.getfixturevalue(who)
    client = client_for(person)
    get = client.get(URL)
    post = client.post(URL, settings_post(allows_deputies="on"))
    if who == "anonymous":
        assert get.status_code == post.status_code == 302
        assert "/accounts/login/" in get["Location"]
    elif who == "secretariat":
        assert get.status_code == 200 and post.status_code == 302
    else:
        assert get.status_code == post.status_code == 404
    ncg.refresh_from_db()
    assert ncg.allows_deputies == (who == "secretariat")


def test_outsider_cannot_reach_another_groups_settings(as_secretariat, other_group):
    assert as_secretariat.get("/en/g/other/settings/").status_code == 404


def test_closed_group_settings_say_the_group_has_concluded(as_secretariat, ncg):
    Group.objects.filter(pk=ncg.pk).update(status=Group.Status.CLOSED)
    response = as_secretariat.get(URL)
    assert response.status_code == 403 and "This group has concluded" in response.text


def test_secretariat_sets_a_fixed_quorum_and_deputies(as_secretariat, secretariat, ncg):
    page = as_secretariat.get("/cy/g/ncg/settings/")
    assert page.status_code == 200
    response = as_secretariat.post(
        URL, settings_post(allows_deputies="on", quorum_rule="fixed", quorum_number="4")
    )
    assert response.status_code == 302 and response["Location"].endswith("/en/g/ncg/")
    ncg.refresh_from_db()
    assert ncg.allows_deputies and ncg.quorum_rule == "fixed" and ncg.quorum_number == 4
    assert ncg.quorum() == 4
    record = ncg.history.first()
    assert record.history_change_reason == "Agreed at the March meeting"
    assert record.history_user == secretariat


def test_secretariat_sets_where_letters_go(as_secretariat, ncg):
    response = as_secretariat.post(
        URL, settings_post(quorum_rule="majority", advises_email="PS.Education@gov.example")
    )
    assert response.status_code == 302
    ncg.refresh_from_db()
    assert ncg.advises_email == "PS.Education@gov.example"
    bad = as_secretariat.post(
        "/cy/g/ncg/settings/", settings_post(quorum_rule="majority", advises_email="nope")
    )
    assert bad.status_code == 200 and "govuk-error-summary" in bad.text
    ncg.refresh_from_db()
    assert ncg.advises_email == "PS.Education@gov.example"


def test_the_form_shows_the_current_settings(as_secretariat, ncg):
    Group.objects.filter(pk=ncg.pk).update(
        allows_deputies=True, quorum_rule="fixed", quorum_number=6
    )
    html = as_secretariat.get(URL).content.decode()
    assert 'name="allows_deputies" id="id_allows_deputies" checked' in html
    assert 'value="fixed" checked' in html and 'value="6"' in html


@pytest.mark.parametrize(
    "data,message",
    [
        (
            settings_post(quorum_rule="fixed"),
            "Enter the number of members needed for a quorum, 1 or more.",
        ),
        (
            settings_post(quorum_rule="fixed", quorum_number="0"),
            "The number of members for a quorum must be 1 or more.",
        ),
        (
            settings_post(quorum_rule="fixed", quorum_number="many"),
            "Enter the number of members as a whole number, like 5.",
        ),
        (settings_post(reason=None, allows_deputies="on"), "Enter the reason for the change."),
        (settings_post(quorum_rule="sometimes"), "Select a valid choice."),
    ],
    ids=["fixed without number", "zero", "not a number", "no reason", "unknown rule"],
)
def test_bad_input_is_explained_and_nothing_is_saved(as_secretariat, ncg, data, message):
    before = ncg.history.count()
    response = as_secretariat.post(URL, data)
    html = response.content.decode()
    assert response.status_code == 200
    assert "govuk-error-summary" in html and message in html
    ncg.refresh_from_db()
    assert ncg.quorum_rule == "majority" and not ncg.allows_deputies
    assert ncg.history.count() == before


def test_dashboard_links_to_the_settings_for_the_secretariat_only(as_secretariat, as_member):
    assert URL in as_secretariat.get("/en/g/ncg/").content.decode()
    assert URL not in as_member.get("/en/g/ncg/").content.decode()


# --- The service -------------------------------------------------------------------------------


def test_a_majority_keeps_no_number(ncg, secretariat):
    services.update_group_settings(
        group=ncg, changed_by=secretariat, reason="Fixed", quorum_rule="fixed", quorum_number=3
    )
    group = services.update_group_settings(
        group=ncg, changed_by=secretariat, reason="Back", quorum_rule="majority", quorum_number=3
    )
    assert group.quorum_number is None
    assert Group.objects.get(pk=ncg.pk).quorum_number is None


@pytest.mark.parametrize(
    "fields,code",
    [
        ({"quorum_rule": "fixed"}, "quorum_number_needed"),
        ({"quorum_rule": "fixed", "quorum_number": 0}, "quorum_number_needed"),
        ({"quorum_rule": "sometimes"}, "bad_quorum_rule"),
        ({"name_en": "Renamed"}, "unknown_setting"),
    ],
)
def test_service_refuses_bad_settings(ncg, secretariat, fields, code):
    with pytest.raises(services.MembershipError, match=code):
        services.update_group_settings(group=ncg, changed_by=secretariat, reason="x", **fields)
    stored = Group.objects.get(pk=ncg.pk)
    assert stored.quorum_rule == "majority" and stored.name_en == "National Coherence Group"


def test_service_refuses_a_closed_group(ncg, secretariat):
    Group.objects.filter(pk=ncg.pk).update(status=Group.Status.CLOSED)
    with pytest.raises(services.MembershipError, match="group_closed"):
        services.update_group_settings(
            group=ncg, changed_by=secretariat, reason="x", allows_deputies=True
        )


# --- Deputies ----------------------------------------------------------------------------------


@pytest.fixture
def meeting(ncg, member):
    """A confirmed meeting, to which the member is invited."""
    start = timezone.now() + datetime.timedelta(days=10)
    meeting = Meeting.objects.create(
        group=ncg,
        title_en="Spring meeting",
        title_cy="Cyfarfod y gwanwyn",
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=2),
        mode=Meeting.Mode.ONLINE,
        join_url="https://meet.example.org/ncg",
    )
    return meeting_services.confirm_meeting(meeting=meeting)


def test_deputy_refused_where_the_group_does_not_allow_them(meeting, member):
    with pytest.raises(meeting_services.MeetingError, match="deputies_not_allowed"):
        meeting_services.record_rsvp(
            meeting=meeting, person=member, response="apologies", deputy_name="Sam Deputy"
        )
    assert Attendance.objects.get(meeting=meeting, person=member).response == "no_reply"
    # Apologies without a deputy are fine.
    attendance = meeting_services.record_rsvp(meeting=meeting, person=member, response="apologies")
    assert attendance.response == "apologies" and attendance.deputy_name == ""


def test_deputy_accepted_where_the_group_allows_them(ncg, meeting, member):
    Group.objects.filter(pk=ncg.pk).update(allows_deputies=True)
    meeting = Meeting.objects.select_related("group").get(pk=meeting.pk)
    attendance = meeting_services.record_rsvp(
        meeting=meeting, person=member, response="apologies", deputy_name="Sam Deputy"
    )
    assert attendance.deputy_name == "Sam Deputy"


def test_meeting_page_offers_the_deputy_field_only_where_allowed(as_member, ncg, meeting):
    url = f"/en/g/ncg/meetings/{meeting.pk}/"
    html = as_member.get(url).content.decode()
    assert 'name="response"' in html and 'name="deputy_name"' not in html
    Group.objects.filter(pk=ncg.pk).update(allows_deputies=True)
    assert 'name="deputy_name"' in as_member.get(url).content.decode()


def test_member_names_a_deputy_through_the_page(as_member, ncg, meeting, member):
    Group.objects.filter(pk=ncg.pk).update(allows_deputies=True)
    response = as_member.post(
        f"/en/g/ncg/meetings/{meeting.pk}/rsvp/",
        {"response": "apologies", "deputy_name": "Sam Deputy"},
    )
    assert response.status_code == 302
    assert Attendance.objects.get(meeting=meeting, person=member).deputy_name == "Sam Deputy"
    assert (
        "Deputy: Sam Deputy." in as_member.get(f"/en/g/ncg/meetings/{meeting.pk}/").content.decode()
    )
