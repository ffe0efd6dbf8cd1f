"""Who may do what with meetings: one function per question, for views and templates."""

from django.http import Http404
from django.shortcuts import get_object_or_404

from members.models import Role
from members.permissions import can_manage_membership, current_roles, get_group_for

from .models import Meeting

# Everyone with a seat at the table gets invitations and answers them.
INVITED_ROLES = (Role.CHAIR, Role.MEMBER, Role.OBSERVER)


def can_manage_meetings(person, group):
    """The secretariat plans meetings, builds agendas and records attendance."""
    return can_manage_membership(person, group)


def can_rsvp(person, meeting):
    roles = current_roles(person, meeting.group)
    return (
        bool(roles & set(INVITED_ROLES))
        and meeting.status == Meeting.Status.CONFIRMED
        and not meeting.group.is_closed
    )


def can_see_join_link(person, meeting):
    return bool(current_roles(person, meeting.group)) or person.is_superuser


def get_meeting_for(person, slug, pk):
    group = get_group_for(person, slug)
    meeting = get_object_or_404(Meeting.objects.select_related("phase"), pk=pk, group=group)
    meeting.group = group  # the one already read
    return group, meeting


def get_managed_meeting(person, slug, pk):
    group, meeting = get_meeting_for(person, slug, pk)
    if not can_manage_meetings(person, group):
        raise Http404
    return group, meeting


def can_see_attendance_rates(person, group):
    """The secretariat and the chair follow who attends."""
    return can_manage_meetings(person, group) or Role.CHAIR in current_roles(person, group)


def can_declare_interest(person, meeting):
    roles = current_roles(person, meeting.group)
    return bool(roles & set(INVITED_ROLES)) and not meeting.group.is_closed


def can_update_action(person, action, *, manages=None):
    """The secretariat, or the action's owner, may record its progress.

    `manages` passes an already known answer to can_manage_meetings (lists of actions)."""
    if action.group.is_closed:
        return False
    if action.owner_id == person.pk:
        return True
    return can_manage_meetings(person, action.group) if manages is None else manages


# Minutes: the secretariat drafts; the chair sees the draft and approves; members see them once
# shared for comment, and comment while they are shared.
def can_edit_minutes(person, minutes):
    return not minutes.is_approved and can_manage_meetings(person, minutes.meeting.group)


def can_correct_minutes(person, minutes):
    """Approved minutes are corrected by the secretariat, with a reason, while the group is open."""
    group = minutes.meeting.group
    return minutes.is_approved and not group.is_closed and can_manage_meetings(person, group)


def can_see_minutes(person, minutes):
    group = minutes.meeting.group
    if minutes.status != minutes.Status.DRAFT:
        return bool(current_roles(person, group)) or person.is_superuser
    roles = current_roles(person, group)
    return Role.CHAIR in roles or can_manage_meetings(person, group)


def can_comment_on_minutes(person, minutes):
    group = minutes.meeting.group
    return (
        minutes.status == minutes.Status.SHARED
        and not group.is_closed
        and bool(current_roles(person, group) & {*INVITED_ROLES, Role.SECRETARIAT})
    )


def can_approve_minutes(person, minutes):
    group = minutes.meeting.group
    return (
        not minutes.is_approved
        and not group.is_closed
        and Role.CHAIR in current_roles(person, group)
    )


# The written procedure: the secretariat runs it; recipients read and respond; the chair reads
# everything once it is out, and the summary.
def can_see_circulation(person, circulation):
    group = circulation.group
    if can_manage_meetings(person, group):
        return True
    if circulation.status == circulation.Status.DRAFT:
        return False
    roles = current_roles(person, group)
    return Role.CHAIR in roles or circulation.recipients.filter(person=person).exists()


def visible_circulations(person, group, circulations):
    """Those of `circulations` (the group's) that can_see_circulation lets the person see, as a
    queryset: for lists, and wherever a page names a circulation."""
    from .models import Circulation

    if can_manage_meetings(person, group):
        return circulations
    circulations = circulations.exclude(status=Circulation.Status.DRAFT)
    if Role.CHAIR not in current_roles(person, group):
        circulations = circulations.filter(recipients__person=person)
    return circulations


def can_respond(person, circulation):
    return (
        circulation.is_open
        and not circulation.is_past_deadline()
        and not circulation.group.is_closed
        and circulation.recipients.filter(person=person).exists()
    )


def can_read_summary(person, circulation):
    group = circulation.group
    return circulation.status != circulation.Status.DRAFT and (
        can_manage_meetings(person, group) or Role.CHAIR in current_roles(person, group)
    )


def get_circulation_for(person, slug, pk):
    from .models import Circulation

    group = get_group_for(person, slug)
    circulation = get_object_or_404(
        Circulation.objects.select_related("group", "meeting"), pk=pk, group=group
    )
    if not can_see_circulation(person, circulation):
        raise Http404
    return group, circulation
