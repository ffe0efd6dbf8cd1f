"""One function per question of permission, used by views and templates alike."""

from allauth.mfa.utils import is_mfa_enabled
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from .models import Group, Membership, Role

MFA_REQUIRED_ROLES = (Role.SECRETARIAT, Role.CHAIR)

# Bumped whenever a membership is saved or deleted in this process: a person's memberships read
# before that are read again.
_membership_generation = [0]


@receiver([post_save, post_delete], sender=Membership)
def _memberships_changed(**kwargs):
    _membership_generation[0] += 1


def current_memberships(person):
    """The person's current memberships with their groups, read once per Person object.

    A page asks about roles many times (middleware, view, template tags); request.user is a new
    object each request, so this is one query a request. The memo is dropped when the date
    changes or any membership is saved or deleted, so a change made in the same request or test
    is seen."""
    key = (timezone.localdate(), _membership_generation[0])
    memo = person.__dict__.get("_current_memberships")
    if memo is None or memo[0] != key:
        rows = list(
            Membership.objects.current()
            .filter(person=person)
            .select_related("group", "organisation")
        )
        memo = person.__dict__["_current_memberships"] = (key, rows)
    return memo[1]


def current_roles(person, group):
    if not person.is_authenticated:
        return set()
    return {m.role for m in current_memberships(person) if m.group_id == group.pk}


def visible_groups(person):
    """The groups a person may open, by name (every group for staff): the group switcher."""
    if not person.is_authenticated:
        return []
    if person.is_superuser:
        return list(Group.objects.order_by("name_en"))
    groups = {m.group_id: m.group for m in current_memberships(person)}
    return sorted(groups.values(), key=lambda g: g.name_en)


def requires_mfa(person):
    """Secretariat officers, chairs and staff must use a second factor."""
    if person.is_staff or person.is_superuser:
        return True
    return any(m.role in MFA_REQUIRED_ROLES for m in current_memberships(person))


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
    if person.is_authenticated:  # a group of theirs is already read, with their memberships
        for membership in current_memberships(person):
            if membership.group.slug == slug:
                return membership.group
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
