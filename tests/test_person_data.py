"""People's data: the secretariat exports everything the portal holds about a person (a subject
access request) and removes a person's access at once, their history kept."""

import json

import pytest
from django.test import Client
from django.utils import timezone

from members.models import Membership
from ncg_portal.models import RecordAccess

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("who", ["outsider", "observer", "member", "chair"])
def test_only_the_secretariat_reaches_a_persons_data(client, request, who, member):
    client.force_login(request.getfixturevalue(who))
    assert client.get(f"/en/g/ncg/people/{member.pk}/").status_code == 404
    assert client.get(f"/en/g/ncg/people/{member.pk}/data.json").status_code == 404


def test_someone_outside_the_group_is_not_found(as_secretariat, outsider):
    assert as_secretariat.get(f"/en/g/ncg/people/{outsider.pk}/").status_code == 404


def test_the_export_holds_their_record_and_no_secrets(as_secretariat, member, secretariat, ncg):
    member.job_title = "Head of Service"
    member.save()
    for lang in ("en", "cy"):
        assert as_secretariat.get(f"/{lang}/g/ncg/people/{member.pk}/").status_code == 200
    response = as_secretariat.get(f"/en/g/ncg/people/{member.pk}/data.json")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    text = response.content.decode()
    data = json.loads(text)
    assert data["account"]["email"] == member.email
    assert data["account"]["job_title"] == "Head of Service"
    assert [m["group"] for m in data["memberships"]] == [ncg.name_en]
    assert member.password not in text and "pbkdf2" not in text and "md5$" not in text
    access = RecordAccess.objects.get(what=RecordAccess.What.PERSON_EXPORTED)
    assert access.person == secretariat and str(member.pk) in access.subject


def test_removing_access_ends_sessions_and_memberships_and_keeps_history(
    as_secretariat, member, secretariat, ncg
):
    theirs = Client()
    theirs.force_login(member)
    assert theirs.get("/en/g/ncg/").status_code == 200
    bad = as_secretariat.post(f"/cy/g/ncg/people/{member.pk}/", {"reason": ""})
    assert bad.status_code == 400 and "govuk-error-summary" in bad.text
    response = as_secretariat.post(f"/en/g/ncg/people/{member.pk}/", {"reason": "Left the council"})
    assert response.status_code == 302
    member.refresh_from_db()
    assert not member.is_active and not member.has_usable_password()
    membership = Membership.objects.get(person=member, group=ncg)
    assert membership.ends_on == timezone.localdate()
    # Their open session is gone: the next page asks them to sign in.
    after = theirs.get("/en/g/ncg/")
    assert after.status_code == 302 and "/accounts/login/" in after["Location"]
    record = member.history.first()
    assert record.history_user == secretariat and "Left the council" in record.history_change_reason
    # Twice, or oneself: refused.
    again = as_secretariat.post(f"/en/g/ncg/people/{member.pk}/", {"reason": "Again"})
    assert again.status_code == 400 and "already been removed" in again.text
    self_removal = as_secretariat.post(f"/en/g/ncg/people/{secretariat.pk}/", {"reason": "Oops"})
    assert self_removal.status_code == 400
    secretariat.refresh_from_db()
    assert secretariat.is_active
