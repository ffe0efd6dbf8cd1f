"""Who may do what with letters: one function per question, for views and templates."""

from django.http import Http404
from django.shortcuts import get_object_or_404

from members.models import Role
from members.permissions import can_manage_membership, current_roles, get_group_for

from .models import Letter


def can_draft_letters(person, group, *, roles=None):
    """The chair, or the secretariat on the chair's behalf."""
    roles = current_roles(person, group) if roles is None else roles
    return not group.is_closed and (
        Role.CHAIR in roles or can_manage_membership(person, group, roles=roles)
    )


def can_see_letter(person, letter):
    """Drafts are the chair's and secretariat's; members see a letter from review on."""
    roles = current_roles(person, letter.group)
    if can_draft_letters(person, letter.group, roles=roles) or person.is_superuser:
        return True
    return bool(roles) and letter.status != Letter.Status.DRAFT


def can_comment_on_letter(person, letter, *, roles=None):
    roles = current_roles(person, letter.group) if roles is None else roles
    return letter.status == Letter.Status.REVIEW and bool(roles) and not letter.group.is_closed


def can_approve_letter(person, letter, *, roles=None):
    roles = current_roles(person, letter.group) if roles is None else roles
    return (
        letter.status in (Letter.Status.DRAFT, Letter.Status.REVIEW)
        and not letter.group.is_closed
        and Role.CHAIR in roles
    )


def has_code_authenticator(person):
    """An authenticator app or recovery codes: approval then asks for a code on the page."""
    from allauth.mfa.models import Authenticator

    return (
        Authenticator.objects.filter(user=person).exclude(type=Authenticator.Type.WEBAUTHN).exists()
    )


# How recent a confirmation with a security key must be to approve a letter with it.
MFA_FRESH_SECONDS = 300


def recently_confirmed_with_mfa(request):
    """The person confirmed it's them with a second factor (e.g. a security key, on allauth's
    page) in the last few minutes."""
    import time

    from allauth.account.internal.flows.login import get_authentication_records

    return any(
        record.get("method") == "mfa"
        and record.get("reauthenticated")
        and time.time() - record.get("at", 0) < MFA_FRESH_SECONDS
        for record in get_authentication_records(request, request.user)
    )


def get_letter_for(person, slug, pk):
    group = get_group_for(person, slug)
    letter = get_object_or_404(Letter.objects.select_related("group"), pk=pk, group=group)
    if not can_see_letter(person, letter):
        raise Http404
    return group, letter
