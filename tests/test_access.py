"""Every view, for every kind of visitor, answers what it should."""

import pytest

from members.models import Membership

pytestmark = pytest.mark.django_db

VISITORS = ["anonymous", "outsider", "observer", "member", "chair", "secretariat"]


@pytest.fixture
def visitor(request, client, ncg, other_group):
    """A logged-in client for the named kind of visitor (None: anonymous)."""
    name = request.param
    if name != "anonymous":
        client.force_login(request.getfixturevalue(name))
    return name, client


def expected(kind, who):
    """What each visitor gets from each kind of page."""
    login_redirect = 302
    if kind == "group":  # visible to any current member of the group
        return {"anonymous": login_redirect, "outsider": 404}.get(who, 200)
    if kind == "manage":  # secretariat only
        return {"anonymous": login_redirect, "secretariat": 200}.get(who, 404)
    raise AssertionError(kind)


GROUP_PAGES = ["/en/g/ncg/", "/cy/g/ncg/", "/en/g/ncg/members/", "/cy/g/ncg/members/"]


@pytest.mark.parametrize("visitor", VISITORS, indirect=True)
@pytest.mark.parametrize("url", GROUP_PAGES)
def test_group_pages(visitor, url):
    who, client = visitor
    response = client.get(url)
    assert response.status_code == expected("group", who), (who, url)
    if response.status_code == 302:
        assert "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("visitor", VISITORS, indirect=True)
def test_invite_page(visitor):
    who, client = visitor
    assert client.get("/en/g/ncg/members/invite/").status_code == expected("manage", who)


@pytest.mark.parametrize("visitor", VISITORS, indirect=True)
def test_membership_edit_and_end_pages(visitor, member):
    who, client = visitor
    membership = Membership.objects.get(person=member)
    for action in ("edit", "end"):
        url = f"/en/g/ncg/members/{membership.pk}/{action}/"
        assert client.get(url).status_code == expected("manage", who), (who, url)


@pytest.mark.parametrize("visitor", VISITORS, indirect=True)
@pytest.mark.parametrize(
    "url",
    [
        "/en/",
        "/cy/",
        "/en/groups/",
        "/en/groups/ncg/",
        "/cy/groups/ncg/",
        "/en/accessibility/",
        "/cy/privacy/",
    ],
)
def test_public_pages_answer_everyone(visitor, url):
    who, client = visitor
    response = client.get(url, follow=True)
    assert response.status_code == 200, (who, url)


def test_another_groups_objects_answer_404(as_secretariat, outsider, other_group):
    """The NCG secretariat cannot reach another group's memberships, even through NCG URLs."""
    foreign = Membership.objects.get(person=outsider)
    assert as_secretariat.get(f"/en/g/ncg/members/{foreign.pk}/edit/").status_code == 404
    assert as_secretariat.get(f"/en/g/other/members/{foreign.pk}/edit/").status_code == 404
    assert as_secretariat.get("/en/g/other/").status_code == 404
    assert (
        as_secretariat.post(
            f"/en/g/ncg/members/{foreign.pk}/end/", {"ends_on": "2026-01-01", "reason": "x"}
        ).status_code
        == 404
    )
    foreign.refresh_from_db()
    assert foreign.ends_on is None


def test_unknown_group_answers_404_like_a_forbidden_one(as_member):
    assert as_member.get("/en/g/no-such-group/").status_code == 404


def test_ended_membership_loses_access(as_member, member):
    import datetime

    Membership.objects.filter(person=member).update(ends_on=datetime.date(2025, 1, 1))
    assert as_member.get("/en/g/ncg/").status_code == 404


def test_profile_needs_sign_in(client):
    response = client.get("/en/profile/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_switch_group_only_to_own_groups(as_member, other_group):
    assert as_member.get("/en/switch-group/", {"group": "ncg"})["Location"] == "/en/g/ncg/"
    assert as_member.get("/en/switch-group/", {"group": "other"}).status_code == 404


def test_public_page_shows_no_secretariat_names_or_emails(client, member, secretariat, chair):
    html = client.get("/en/groups/ncg/").content.decode()
    assert "Owen Evans" in html and "Kirsty Williams" in html
    assert "Rhian Officer" not in html
    assert "@example.org" not in html
