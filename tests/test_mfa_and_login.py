import pytest
from allauth.mfa.models import Authenticator
from django.core.cache import cache

from members.models import Person, Role
from tests.conftest import PASSWORD, make_person

pytestmark = pytest.mark.django_db


def test_secretariat_without_mfa_reaches_only_enrolment(client, ncg):
    officer = make_person(
        "new.officer@example.org", "New Officer", role=Role.SECRETARIAT, group=ncg
    )
    client.force_login(officer)
    for url in ("/en/g/ncg/", "/en/g/ncg/members/invite/", "/en/profile/", "/cy/g/ncg/members/"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].endswith("/accounts/2fa/"), url
    assert client.get("/en/accounts/2fa/").status_code == 200
    assert client.get("/en/accessibility/").status_code == 200
    # Once enrolled, the rest opens.
    Authenticator.objects.create(user=officer, type=Authenticator.Type.TOTP, data={"secret": "x"})
    assert client.get("/en/g/ncg/").status_code == 200


def test_chair_without_mfa_is_held_too(client, ncg):
    chair = make_person("new.chair@example.org", "New Chair", role=Role.CHAIR, group=ncg)
    client.force_login(chair)
    assert client.get("/en/g/ncg/")["Location"].endswith("/accounts/2fa/")


def test_member_without_mfa_is_not_held(as_member):
    assert as_member.get("/en/g/ncg/").status_code == 200


def test_login_by_email_lands_in_preferred_language(client, welsh_member):
    response = client.post(
        "/en/accounts/login/", {"login": "DAFYDD@example.org", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"].startswith("/cy/")
    assert client.cookies["django_language"].value == "cy"


def test_wrong_password_gives_a_clear_message(client, member):
    response = client.post("/cy/accounts/login/", {"login": member.email, "password": "wrong"})
    assert response.status_code == 200
    assert "govuk-error-summary" in response.content.decode()


def test_failed_logins_are_rate_limited(client, member):
    cache.clear()
    responses = [
        client.post("/en/accounts/login/", {"login": member.email, "password": "wrong"})
        for _ in range(12)
    ]
    last = responses[-1]
    assert last.status_code == 429 or "Too many failed login attempts" in last.content.decode()
    # Even the right password is refused while the limit holds.
    right = client.post("/en/accounts/login/", {"login": member.email, "password": PASSWORD})
    assert right.status_code != 302
    cache.clear()


def test_open_signup_is_closed(client, db):
    response = client.post(
        "/en/accounts/signup/",
        {
            "email": "walk.in@example.org",
            "password1": "x-Very-long-pass-1",
            "password2": "x-Very-long-pass-1",
        },
    )
    assert response.status_code in (200, 302)
    assert not Person.objects.filter(email="walk.in@example.org").exists()


def test_password_reset_email_goes_through_the_outbox(client, welsh_member):
    from ncg_portal.models import OutgoingMail

    response = client.post("/en/accounts/password/reset/", {"email": welsh_member.email})
    assert response.status_code == 302
    mail = OutgoingMail.objects.get(to_email=welsh_member.email)
    assert mail.language == "cy"
    assert "/accounts/password/reset/key/" in mail.body_text


def test_secretariat_cannot_switch_off_their_only_second_factor(as_secretariat, secretariat):
    response = as_secretariat.post("/en/accounts/2fa/totp/deactivate/")
    # allauth may first ask to re-authenticate; either way the authenticator stays.
    assert response.status_code in (200, 302)
    assert Authenticator.objects.filter(user=secretariat, type=Authenticator.Type.TOTP).exists()


def test_member_may_switch_off_totp(member):
    from allauth.mfa.adapter import get_adapter
    from allauth.mfa.totp.internal.auth import TOTP

    from members.models import Person  # noqa: F401
    from tests.conftest import TOTP_SECRET

    totp = TOTP.activate(member, TOTP_SECRET)
    assert get_adapter().can_delete_authenticator(totp.instance)


def test_chair_may_not_delete_last_totp(chair):
    from allauth.mfa.adapter import get_adapter

    totp = Authenticator.objects.get(user=chair, type=Authenticator.Type.TOTP)
    assert not get_adapter().can_delete_authenticator(totp)
