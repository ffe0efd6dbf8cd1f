"""One function per question of permission, used by views and templates alike."""

from allauth.mfa.utils import is_mfa_enabled
from django.http import Http404
from django.shortcuts import get_object_or_404

from .models import Group, Membership, Role

MFA_REQUIRED_ROLES = (Role.SECRETARIAT, Role.CHAIR)


def current_roles(person, group):
    if not person.is_authenticated:
        return set()
    return set(
        Membership.objects.current()
        .filter(person=person, group=group)
        .values_list("role", flat=True)
    )


def requires_mfa(person):
    """Secretariat officers, chairs and staff must use a second factor."""
    if person.is_staff or person.is_superuser:
        return True
    return Membership.objects.current().filter(person=person, role__in=MFA_REQUIRED_ROLES).exists()


def must_enrol_mfa(person):
    return requires_mfa(person) and not is_mfa_enabled(person)


def can_view_group(person, group):
    return person.is_authenticated and (person.is_superuser or bool(current_roles(person, group)))


def can_manage_membership(person, group, *, roles=None):
    """The secretariat invites people and changes memberships; a closed group is read-only.

    `roles` passes the person's current roles in the group when the caller already has them."""
    return not group.is_closed and can_keep_records(person, group, roles=roles)


def get_group_for(person, slug):
    """The group if the person may see it; 404 otherwise, hiding other groups' existence."""
    group = get_object_or_404(Group, slug=slug)
    if not can_view_group(person, group):
        raise Http404
    return group


def get_managed_group(person, slug):
    group = get_group_for(person, slug)
    if not can_manage_membership(person, group):
        raise Http404
    return group


def can_keep_records(person, group, *, roles=None):
    """The secretariat reads the audit log and makes records archives, the group open or closed
    (closing does not end the duty to keep its records)."""
    if not person.is_authenticated:
        return False
    if person.is_superuser:
        return True
    return Role.SECRETARIAT in (current_roles(person, group) if roles is None else roles)


def get_records_group(person, slug):
    group = get_group_for(person, slug)
    if not can_keep_records(person, group):
        raise Http404
    return group
