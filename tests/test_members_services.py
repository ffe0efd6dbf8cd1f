import datetime

import pytest
from django.utils import timezone

from members import services
from members.models import Invitation, Membership, Person, Role
from ncg_portal.models import OutgoingMail

pytestmark = pytest.mark.django_db


def invite(group, by, email="new.person@example.org", **extra):
    fields = {
        "full_name": "New Person",
        "role": Role.MEMBER,
        "preferred_language": "cy",
        **extra,
    }
    return services.invite_person(group=group, invited_by=by, email=email, **fields)


def token_from(mail):
    return mail.body_text.split("/invitation/")[1].split("/")[0]


def test_invite_creates_person_membership_invitation_and_welsh_email(ncg, secretariat):
    invitation = invite(ncg, secretariat, email="New.Person@Example.org")
    person = Person.objects.get(email="new.person@example.org")
    assert not person.has_usable_password()
    assert Membership.objects.get(person=person, group=ncg).role == Role.MEMBER
    assert invitation.expires_at > timezone.now()
    mail = OutgoingMail.objects.get(to_email="new.person@example.org")
    assert mail.language == "cy" and mail.kind == "invitation"
    assert "/cy/invitation/" in mail.body_text
    # Only the hash is stored; the raw token is only in the email.
    assert token_from(mail) not in invitation.token_hash
    assert services.find_invitation(token_from(mail)) == invitation


def test_invite_twice_refuses_and_changes_nothing(ncg, secretariat):
    invite(ncg, secretariat)
    with pytest.raises(services.MembershipError):
        invite(ncg, secretariat)
    assert Membership.objects.filter(person__email="new.person@example.org").count() == 1


def test_accept_invitation_sets_password_once(ncg, secretariat):
    invitation = invite(ncg, secretariat)
    person = services.accept_invitation(invitation=invitation, password="a-long-new-password-1")
    assert person.check_password("a-long-new-password-1")
    with pytest.raises(services.MembershipError):
        services.accept_invitation(invitation=invitation, password="another-password-22")
    person.refresh_from_db()
    assert person.check_password("a-long-new-password-1")


def test_expired_invitation_cannot_be_used(ncg, secretariat, client):
    invitation = invite(ncg, secretariat)
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - datetime.timedelta(days=1)
    )
    token = token_from(OutgoingMail.objects.get(kind="invitation"))
    response = client.get(f"/en/invitation/{token}/")
    assert response.status_code == 410
    response = client.post(
        f"/en/invitation/{token}/",
        {"password1": "a-long-new-password-1", "password2": "a-long-new-password-1"},
    )
    assert response.status_code == 410
    assert not Person.objects.get(email="new.person@example.org").has_usable_password()


def test_unknown_invitation_token_is_404(client, db):
    assert client.get("/cy/invitation/not-a-real-token/").status_code == 404


def test_accept_page_checks_passwords(ncg, secretariat, client):
    invite(ncg, secretariat)
    token = token_from(OutgoingMail.objects.get(kind="invitation"))
    response = client.post(
        f"/en/invitation/{token}/", {"password1": "short", "password2": "different"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "govuk-error-summary" in html
    response = client.post(
        f"/en/invitation/{token}/",
        {"password1": "a-long-new-password-1", "password2": "a-long-new-password-1"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/cy/g/ncg/"


def test_invited_secretariat_goes_to_mfa_enrolment(ncg, secretariat, client):
    invite(
        ncg,
        secretariat,
        email="officer2@example.org",
        role=Role.SECRETARIAT,
        preferred_language="en",
    )
    token = token_from(OutgoingMail.objects.get(kind="invitation"))
    response = client.post(
        f"/en/invitation/{token}/",
        {"password1": "a-long-new-password-1", "password2": "a-long-new-password-1"},
    )
    assert response["Location"] == "/en/accounts/2fa/"


def test_invite_view_shows_errors_and_stores_nothing(as_secretariat, ncg):
    response = as_secretariat.post("/cy/g/ncg/members/invite/", {"email": "not-an-email"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "govuk-error-summary" in html and 'href="#id_email"' in html
    assert not OutgoingMail.objects.exists()
    assert Person.objects.count() == 1


def test_invite_view_refuses_existing_member(as_secretariat, member):
    response = as_secretariat.post(
        "/en/g/ncg/members/invite/",
        {"email": member.email, "full_name": "X", "role": "member", "preferred_language": "en"},
    )
    assert "already a member of this group" in response.content.decode()
    assert not OutgoingMail.objects.exists()


def test_invite_existing_person_from_another_group(as_secretariat, outsider):
    response = as_secretariat.post(
        "/en/g/ncg/members/invite/",
        {
            "email": outsider.email,
            "full_name": "Oscar",
            "role": "observer",
            "preferred_language": "en",
        },
    )
    assert response.status_code == 302
    assert Membership.objects.filter(person=outsider).count() == 2
    mail = OutgoingMail.objects.get(to_email=outsider.email)
    assert "usual password" in mail.body_text


def test_end_membership_records_reason_and_refuses_bad_dates(as_secretariat, member):
    membership = Membership.objects.get(person=member)
    response = as_secretariat.post(
        f"/en/g/ncg/members/{membership.pk}/end/", {"ends_on": "2020-01-01", "reason": "Left"}
    )
    assert response.status_code == 200
    membership.refresh_from_db()
    assert membership.ends_on is None
    response = as_secretariat.post(
        f"/en/g/ncg/members/{membership.pk}/end/",
        {"ends_on": "2026-01-31", "reason": "Left the council"},
    )
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.ends_on == datetime.date(2026, 1, 31)
    last = membership.history.first()
    assert last.history_change_reason == "Left the council"
    assert last.history_user.email == "secretariat@example.org"


def test_edit_membership_refuses_end_before_start(as_secretariat, member):
    membership = Membership.objects.get(person=member)
    response = as_secretariat.post(
        f"/en/g/ncg/members/{membership.pk}/edit/",
        {"role": "chair", "starts_on": "2024-01-31", "ends_on": "2023-01-01", "reason": "Typo"},
    )
    assert response.status_code == 200
    membership.refresh_from_db()
    assert membership.role == Role.MEMBER and membership.ends_on is None


def test_edit_membership_changes_role(as_secretariat, member):
    membership = Membership.objects.get(person=member)
    response = as_secretariat.post(
        f"/en/g/ncg/members/{membership.pk}/edit/",
        {"role": "observer", "starts_on": "2024-01-31", "ends_on": "", "reason": "Now observing"},
    )
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.role == Role.OBSERVER


def test_closed_group_is_read_only(as_secretariat, ncg, member):
    ncg.status = ncg.Status.CLOSED
    ncg.save()
    assert as_secretariat.get("/en/g/ncg/members/invite/").status_code == 403  # says why
    membership = Membership.objects.get(person=member)
    with pytest.raises(services.MembershipError):
        services.end_membership(membership=membership, ends_on=datetime.date(2026, 1, 1))


def test_quorum_is_a_majority_of_voting_members(
    ncg, member, chair, secretariat, observer, welsh_member
):
    # chair + 2 members vote; the secretariat and observers do not.
    assert ncg.quorum() == 2


def test_profile_edit_changes_language(as_member, member):
    response = as_member.post(
        "/en/profile/edit/",
        {
            "full_name": "Owen Evans",
            "post_nominals": "",
            "job_title": "HMCI",
            "preferred_language": "cy",
        },
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.preferred_language == "cy" and member.job_title == "HMCI"
