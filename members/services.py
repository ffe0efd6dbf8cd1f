"""Every write to groups, people and memberships goes through these functions."""

import datetime
import hashlib
import secrets

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation

from ncg_portal.audit import with_reason
from ncg_portal.mail import queue_mail

from .models import Group, Invitation, Membership, Person


class MembershipError(Exception):
    """A change that would leave the membership records inconsistent."""


def hash_token(token):
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def invite_person(
    *,
    group,
    invited_by,
    email,
    full_name,
    role,
    organisation=None,
    position_en="",
    position_cy="",
    preferred_language="en",
    post_nominals="",
    job_title="",
    starts_on=None,
):
    """Create (or find) the person, give them a membership and email them an invitation link.

    Returns the invitation; the raw token exists only in the email.
    """
    email = email.strip().lower()
    person = Person.objects.filter(email__iexact=email).first()
    if person is None:
        person = Person(
            email=email,
            full_name=full_name,
            post_nominals=post_nominals,
            job_title=job_title,
            preferred_language=preferred_language,
        )
        person.set_unusable_password()
        with_reason(person, f"Invited to {group.slug}").save()
    add_membership(  # refuses (MembershipError) a person who is already a member
        group=group,
        person=person,
        role=role,
        organisation=organisation,
        position_en=position_en,
        position_cy=position_cy,
        starts_on=starts_on or timezone.localdate(),
        reason=f"Invited by {invited_by.email}",
    )
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        person=person,
        group=group,
        invited_by=invited_by,
        token_hash=hash_token(token),
        expires_at=timezone.now() + datetime.timedelta(days=settings.INVITATION_VALID_DAYS),
    )
    language = person.preferred_language
    with translation.override(language):
        path = reverse("members:accept_invitation", kwargs={"token": token})
    queue_mail(
        kind="invitation",
        to_email=person.email,
        language=language,
        person=person,
        group=group,
        context={
            "person": person,
            "group": group,
            "invited_by": invited_by,
            "role": Membership(role=role).get_role_display,
            "accept_url": settings.SITE_URL + path,
            "has_account": person.has_usable_password(),
            "expires_at": invitation.expires_at,
        },
    )
    return invitation


def find_invitation(token):
    """The invitation for a token, or None when the token is unknown."""
    return (
        Invitation.objects.select_related("person", "group")
        .filter(token_hash=hash_token(token))
        .first()
    )


@transaction.atomic
def accept_invitation(*, invitation, password):
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if not invitation.is_usable:
        raise MembershipError("invitation_unusable")
    person = invitation.person
    person.set_password(password)
    person.is_active = True
    with_reason(person, "Accepted an invitation and set a password").save()
    invitation.accepted_at = timezone.now()
    with_reason(invitation, "Accepted").save()
    return person


@transaction.atomic
def mark_invitation_accepted(*, invitation):
    """For a person who already has a password: the invitation is used, nothing else changes."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.is_usable:
        invitation.accepted_at = timezone.now()
        with_reason(invitation, "Accepted by a person with an account").save()
    return invitation


@transaction.atomic
def add_membership(
    *,
    group,
    person,
    role,
    organisation=None,
    position_en="",
    position_cy="",
    starts_on,
    ends_on=None,
    reason="",
):
    if group.is_closed:
        raise MembershipError("group_closed")
    if (
        ends_on is None
        and Membership.objects.filter(person=person, group=group, ends_on__isnull=True).exists()
    ):
        raise MembershipError("already_member")
    membership = Membership(
        group=group,
        person=person,
        role=role,
        organisation=organisation,
        position_en=position_en,
        position_cy=position_cy,
        starts_on=starts_on,
        ends_on=ends_on,
    )
    with_reason(membership, reason or "Membership added").save()
    return membership


@transaction.atomic
def update_membership(*, membership, reason="", **changes):
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if membership.group.is_closed:
        raise MembershipError("group_closed")
    for field, value in changes.items():
        setattr(membership, field, value)
    with_reason(membership, reason or "Membership changed").save()
    return membership


@transaction.atomic
def end_membership(*, membership, ends_on, reason=""):
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if membership.group.is_closed:
        raise MembershipError("group_closed")
    if ends_on < membership.starts_on:
        raise MembershipError("ends_before_start")
    membership.ends_on = ends_on
    with_reason(membership, reason or "Membership ended").save()
    return membership


@transaction.atomic
def update_profile(*, person, reason="Profile updated", **changes):
    for field, value in changes.items():
        setattr(person, field, value)
    with_reason(person, reason).save()
    return person


GROUP_SETTINGS = ("allows_deputies", "quorum_rule", "quorum_number", "advises_email", "logo")


@transaction.atomic
def update_group_settings(*, group, changed_by, reason, **fields):
    """Change how the group's meetings run: deputies, and the quorum rule and number; and where
    its letters of advice are sent (`advises_email`) and the logo on their letterhead (`logo`:
    an uploaded image, or "" to remove it).

    Refuses (MembershipError, nothing saved) with "group_closed", "unknown_setting" (a field that
    is not a meeting setting), "bad_quorum_rule" and "quorum_number_needed" (a fixed quorum needs a
    number of at least 1). A majority rule keeps no number.
    """
    unknown = set(fields) - set(GROUP_SETTINGS)
    if unknown:
        raise MembershipError("unknown_setting")
    group = Group.objects.select_for_update().get(pk=group.pk)
    if group.is_closed:
        raise MembershipError("group_closed")
    for name, value in fields.items():
        setattr(group, name, value)
    if group.quorum_rule not in Group.QuorumRule.values:
        raise MembershipError("bad_quorum_rule")
    if group.quorum_rule == Group.QuorumRule.FIXED:
        if group.quorum_number is None or group.quorum_number < 1:
            raise MembershipError("quorum_number_needed")
    else:
        group.quorum_number = None
    with_reason(group, reason or "Meeting settings changed", user=changed_by).save()
    return group


@transaction.atomic
def close_group(*, group, closed_by, concluded_on, reason):
    """Close the group after its final meeting: from then on it is read-only (every service
    refuses with "group_closed"), its public page says it has concluded and when, and its records
    archive is made. Memberships stay as they were, so people keep reading the record.

    Refuses (MembershipError, nothing changed) with "group_closed" (already), "no_reason",
    "future_date", "before_last_meeting" (the date is before a meeting that was held),
    "meetings_ahead" (meetings still planned after the date, to be held or cancelled first) and
    "circulations_open" (written procedures still open)."""
    from meetings.models import Circulation, Meeting
    from ncg_portal.archive import request_archive

    group = Group.objects.select_for_update().get(pk=group.pk)
    if group.is_closed:
        raise MembershipError("group_closed")
    reason = (reason or "").strip()
    if not reason:
        raise MembershipError("no_reason")
    if concluded_on > timezone.localdate():
        raise MembershipError("future_date")
    meetings = group.meetings.exclude(status=Meeting.Status.CANCELLED)
    last_held = (
        meetings.filter(starts_at__date__lte=timezone.localdate()).order_by("-starts_at").first()
    )
    if last_held and concluded_on < timezone.localtime(last_held.starts_at).date():
        raise MembershipError("before_last_meeting")
    if meetings.filter(starts_at__gt=timezone.now()).exists():
        raise MembershipError("meetings_ahead")
    if group.circulations.filter(status=Circulation.Status.OPEN).exists():
        raise MembershipError("circulations_open")
    group.status = Group.Status.CLOSED
    group.ends_on = max(concluded_on, group.starts_on)
    group.closed_at = timezone.now()
    group.closed_by = closed_by
    group.closure_reason = reason
    with_reason(group, f"Group closed: {reason}", user=closed_by).save()
    request_archive(group=group, requested_by=closed_by, on_closing=True)
    return group


@transaction.atomic
def deactivate_person(*, person, deactivated_by, reason):
    """Revoke a person's access at once: the account can no longer sign in (and its calendar feed
    stops), every session they have is ended, and their current memberships end today. Their
    history, comments and the record of what they did are kept."""
    from django.contrib.sessions.models import Session

    reason = (reason or "").strip()
    if not reason:
        raise MembershipError("no_reason")
    person = Person.objects.select_for_update().get(pk=person.pk)
    if not person.is_active:
        raise MembershipError("already_inactive")
    if person.pk == deactivated_by.pk:
        raise MembershipError("self")
    today = timezone.localdate()
    for membership in Membership.objects.current().filter(person=person).select_related("group"):
        if membership.group.is_closed:
            continue  # a closed group's record stays as it was
        membership.ends_on = max(today, membership.starts_on)
        with_reason(membership, f"Person deactivated: {reason}"[:100], user=deactivated_by).save()
    person.is_active = False
    person.set_unusable_password()
    with_reason(person, f"Deactivated: {reason}", user=deactivated_by).save()
    # Sessions live in the database; a person's are found by the user id they hold.
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if str(session.get_decoded().get("_auth_user_id")) == str(person.pk):
            session.delete()
    return person
