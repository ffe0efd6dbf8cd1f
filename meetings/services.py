"""Every write to meetings goes through these functions (planning: planning.py; papers: uploads.py)."""

import datetime
import zoneinfo

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from members.models import Membership
from ncg_portal.audit import with_reason
from ncg_portal.concurrency import (
    Conflict,
    changed_names,
    history_row,
    latest_history_id,
    newest_row,
)
from ncg_portal.mail import absolute_url, queue_mail

from .calendar import meeting_ics
from .models import (
    Action,
    AgendaItem,
    Attendance,
    Declaration,
    Meeting,
    MinutesComment,
    MinutesEntry,
    Paper,
)
from .permissions import INVITED_ROLES


class MeetingError(Exception):
    """A change the meeting's state does not allow."""


LONDON = zoneinfo.ZoneInfo("Europe/London")


def invited_people(group, on=None):
    """Everyone with a seat at the table on a day (today by default): chair, members, observers."""
    return [
        m.person
        for m in Membership.objects.current(on)
        .filter(group=group, role__in=INVITED_ROLES)
        .select_related("person")
        .order_by("person__full_name")
    ]


def _invitees(meeting):
    return invited_people(meeting.group, on=meeting.starts_at.date())


def _send_calendar_mail(meeting, person, *, kind, method):
    language = person.preferred_language or "en"
    url = absolute_url("meetings:detail", args=[meeting.group.slug, meeting.pk], language=language)
    ics = meeting_ics(meeting, method=method, attendee=person, language=language, url=url)
    queue_mail(
        kind=kind,
        to_email=person.email,
        language=language,
        person=person,
        group=meeting.group,
        context={"meeting": meeting, "person": person, "url": url},
        attachments=[
            {"filename": "invite.ics", "content_type": "text/calendar", "content": ics.decode()}
        ],
    )


def _check_open(meeting):
    if meeting.group.is_closed:
        raise MeetingError("group_closed")


@transaction.atomic
def create_meeting(*, group, reason="Meeting added", **fields):
    if group.is_closed:
        raise MeetingError("group_closed")
    meeting = Meeting(group=group, **fields)
    with_reason(meeting, reason).save()
    return meeting


@transaction.atomic
def confirm_meeting(*, meeting, reason="Meeting confirmed"):
    """Confirm a planned meeting and send each invited person a calendar invitation."""
    meeting = Meeting.objects.select_for_update().select_related("group").get(pk=meeting.pk)
    _check_open(meeting)
    if meeting.status != Meeting.Status.PLANNED:
        raise MeetingError("not_planned")
    needs_venue = meeting.mode in (Meeting.Mode.IN_PERSON, Meeting.Mode.HYBRID)
    needs_link = meeting.mode in (Meeting.Mode.ONLINE, Meeting.Mode.HYBRID)
    if (needs_venue and not meeting.venue) or (needs_link and not meeting.join_url):
        raise MeetingError("details_missing")
    meeting.status = Meeting.Status.CONFIRMED
    with_reason(meeting, reason).save()
    for person in _invitees(meeting):
        Attendance.objects.get_or_create(meeting=meeting, person=person)
        _send_calendar_mail(meeting, person, kind="meeting_invitation", method="REQUEST")
    return meeting


# What the meeting's edit form changes; its snapshot adds the status, shown on the page.
EDIT_FIELDS = ("title_en", "title_cy", "mode", "venue", "join_url")


def meeting_snapshot(meeting):
    """What the edit form shows of a meeting, or of one of its history rows, as the form has it
    (date and times in London)."""
    start, end = meeting.starts_at.astimezone(LONDON), meeting.ends_at.astimezone(LONDON)
    return {
        **{name: getattr(meeting, name) for name in EDIT_FIELDS},
        "date": start.date(),
        "start_time": start.time(),
        "end_time": end.time(),
        "status": meeting.status,
    }


def meeting_edit_token(meeting):
    """What the edit page says it started from: the meeting's newest history row. Read it before
    reading the meeting for the form, so the form never shows less than the token claims."""
    return str(latest_history_id(Meeting, meeting.pk) or "")


def meeting_conflict(meeting, started_from):
    """None when what the edit form shows is as it was when the page was opened (`started_from`,
    meeting_edit_token then); otherwise a Conflict saying what changed since, who, when."""
    if started_from == meeting_edit_token(meeting):
        return None
    latest = newest_row(Meeting, meeting.pk)
    who, when = (latest.history_user, latest.history_date) if latest else (None, None)
    before = history_row(Meeting, meeting.pk, started_from)
    if before is None:
        return Conflict(who=who, when=when, known_start=False)
    then, now = meeting_snapshot(before), meeting_snapshot(meeting)
    changed = changed_names(then, now)
    return Conflict(changed, then, now, who, when) if changed else None


@transaction.atomic
def update_meeting(*, meeting, reason="Meeting changed", started_from=None, **changes):
    """Change a meeting; once invitations are out, everyone gets the update (SEQUENCE + 1).

    With `started_from` (meeting_edit_token when the edit page was opened) the change is refused
    with "changed_since", and nothing stored, if someone else changed what the page shows since."""
    meeting = Meeting.objects.select_for_update().select_related("group").get(pk=meeting.pk)
    _check_open(meeting)
    if meeting.status in (Meeting.Status.CANCELLED, Meeting.Status.HELD):
        raise MeetingError("closed_meeting")
    if started_from is not None and meeting_conflict(meeting, started_from) is not None:
        raise MeetingError("changed_since")
    for field, value in changes.items():
        setattr(meeting, field, value)
    if meeting.status == Meeting.Status.CONFIRMED:
        meeting.sequence += 1
    with_reason(meeting, reason).save()
    if meeting.status == Meeting.Status.CONFIRMED:
        for person in _invitees(meeting):
            _send_calendar_mail(meeting, person, kind="meeting_updated", method="REQUEST")
    return meeting


@transaction.atomic
def cancel_meeting(*, meeting, reason):
    meeting = Meeting.objects.select_for_update().select_related("group").get(pk=meeting.pk)
    _check_open(meeting)
    if meeting.status in (Meeting.Status.CANCELLED, Meeting.Status.HELD):
        raise MeetingError("closed_meeting")
    was_confirmed = meeting.status == Meeting.Status.CONFIRMED
    meeting.status = Meeting.Status.CANCELLED
    meeting.sequence += 1
    with_reason(meeting, reason).save()
    if was_confirmed:
        for person in _invitees(meeting):
            _send_calendar_mail(meeting, person, kind="meeting_cancelled", method="CANCEL")
    return meeting


@transaction.atomic
def move_to_written_procedure(*, meeting, reason, moved_by=None):
    """The meeting will not take place: its business goes to members by email for comment.

    Invited people get the calendar cancellation, with a message saying why."""
    meeting = Meeting.objects.select_for_update().select_related("group").get(pk=meeting.pk)
    _check_open(meeting)
    if meeting.status not in (Meeting.Status.PLANNED, Meeting.Status.CONFIRMED):
        raise MeetingError("closed_meeting")
    was_confirmed = meeting.status == Meeting.Status.CONFIRMED
    meeting.status = Meeting.Status.WRITTEN_PROCEDURE
    meeting.sequence += 1
    with_reason(meeting, reason, user=moved_by).save()
    if was_confirmed:
        for person in _invitees(meeting):
            _send_calendar_mail(meeting, person, kind="meeting_written_procedure", method="CANCEL")
    return meeting


@transaction.atomic
def record_rsvp(*, meeting, person, response, deputy_name=""):
    if response not in (
        Attendance.Response.IN_PERSON,
        Attendance.Response.ONLINE,
        Attendance.Response.APOLOGIES,
    ):
        raise MeetingError("bad_response")
    if deputy_name and not meeting.group.allows_deputies:
        raise MeetingError("deputies_not_allowed")
    attendance, _ = Attendance.objects.select_for_update().get_or_create(
        meeting=meeting, person=person
    )
    attendance.response = response
    attendance.deputy_name = deputy_name if response == Attendance.Response.APOLOGIES else ""
    attendance.responded_at = timezone.now()
    with_reason(attendance, "RSVP").save()
    return attendance


@transaction.atomic
def record_attendance(*, meeting, attended_by_person, reason="Attendance recorded"):
    """`attended_by_person` maps person id to an Attendance.Attended value; the meeting is held."""
    meeting = Meeting.objects.select_for_update().select_related("group").get(pk=meeting.pk)
    _check_open(meeting)
    if meeting.status not in (Meeting.Status.CONFIRMED, Meeting.Status.HELD):
        raise MeetingError("not_confirmed")
    for person_id, attended in attended_by_person.items():
        attendance, _ = Attendance.objects.get_or_create(meeting=meeting, person_id=person_id)
        attendance.attended = attended
        with_reason(attendance, reason).save()
    meeting.status = Meeting.Status.HELD
    with_reason(meeting, reason).save()
    return meeting


def expected_turnout(meeting):
    """How many invited people said they will come, and whether that is a quorum."""
    voting = Membership.objects.current(meeting.starts_at.date()).filter(
        group=meeting.group, role__in=Membership.VOTING_ROLES
    )
    counts = Attendance.objects.filter(
        meeting=meeting, person__in=voting.values("person")
    ).aggregate(
        attending=Count("pk", filter=Q(response__in=["in_person", "online"])),
        apologies=Count("pk", filter=Q(response="apologies")),
    )
    members = voting.count()
    # The quorum of those who are members on the meeting's day (Group.quorum counts today's).
    quorum = meeting.group.quorum(members)
    return {
        "members": members,
        "attending": counts["attending"],
        "apologies": counts["apologies"],
        "no_reply": members - counts["attending"] - counts["apologies"],
        "quorum": quorum,
        "quorate": counts["attending"] >= quorum,
    }


def attendance_rates(group, *, start, end):
    """Each current member's attendance over held meetings in [start, end]: (person, attended, held)."""
    held = Meeting.objects.filter(
        group=group,
        status=Meeting.Status.HELD,
        starts_at__date__gte=start,
        starts_at__date__lte=end,
    )
    held_count = held.count()
    rows = (
        Attendance.objects.filter(meeting__in=held)
        .values("person")
        .annotate(attended=Count("pk", filter=Q(attended__in=["in_person", "online", "deputy"])))
    )
    attended = {row["person"]: row["attended"] for row in rows}
    memberships = (
        group.memberships.current().filter(role__in=INVITED_ROLES).select_related("person")
    )
    return [
        {
            "person": m.person,
            "attended": attended.get(m.person_id, 0),
            "held": held_count,
            "rate": round(100 * attended.get(m.person_id, 0) / held_count) if held_count else None,
        }
        for m in memberships
    ]


RSVP_CUTOFF = datetime.timedelta(days=3)


def quorum_warning(meeting, now=None, *, turnout=None):
    """True when, within the cut-off before a confirmed meeting, a quorum has not said yes.
    `turnout` is expected_turnout(meeting) when the caller has it already."""
    now = now or timezone.now()
    if meeting.status != Meeting.Status.CONFIRMED or meeting.starts_at - now > RSVP_CUTOFF:
        return False
    return not (turnout or expected_turnout(meeting))["quorate"]


@transaction.atomic
def add_agenda_item(*, meeting, reason="Agenda item added", **fields):
    meeting = Meeting.objects.select_for_update().select_related("group").get(pk=meeting.pk)
    _check_open(meeting)
    workstream = fields.get("workstream")
    if workstream is not None and workstream.group_id != meeting.group_id:
        raise MeetingError("wrong_group")
    last = (
        meeting.agenda_items.order_by("-position").values_list("position", flat=True).first() or 0
    )
    item = AgendaItem(meeting=meeting, position=last + 1, **fields)
    with_reason(item, reason).save()
    return item


@transaction.atomic
def move_agenda_item(*, item, offset):
    """Swap the item with its neighbour above (offset -1) or below (+1)."""
    items = list(
        AgendaItem.objects.select_for_update().filter(meeting=item.meeting_id).order_by("position")
    )
    index = next(i for i, other in enumerate(items) if other.pk == item.pk)
    target = index + offset
    if not 0 <= target < len(items):
        return
    a, b = items[index], items[target]
    # The unique (meeting, position) constraint is deferred, so a swap inside one transaction is fine.
    a.position, b.position = b.position, a.position
    with_reason(a, "Agenda reordered").save()
    with_reason(b, "Agenda reordered").save()


@transaction.atomic
def remove_agenda_item(*, item, reason="Agenda item removed"):
    meeting_id = item.meeting_id
    # Minutes written under an item keep it: removing it would lose the record of the discussion.
    entry = MinutesEntry.objects.filter(agenda_item=item).select_related("minutes").first()
    if entry is not None:
        if entry.minutes.is_approved or entry.discussion_en or entry.discussion_cy:
            raise MeetingError("has_minutes")
        entry._change_reason = reason
        entry.delete()
    # What on_delete would do in bulk, one saved row at a time, so each change leaves history:
    # papers and minutes comments lose the item (SET_NULL), declarations under it go (CASCADE).
    for paper in Paper.objects.select_for_update().filter(agenda_item=item):
        paper.agenda_item = None
        with_reason(paper, reason).save()
    for comment in MinutesComment.objects.select_for_update().filter(agenda_item=item):
        comment.agenda_item = None
        with_reason(comment, reason).save()
    for declaration in Declaration.objects.filter(agenda_item=item):
        with_reason(declaration, reason).delete()
    item._change_reason = reason
    item.delete()
    for position, other in enumerate(
        AgendaItem.objects.select_for_update().filter(meeting=meeting_id).order_by("position"),
        start=1,
    ):
        if other.position != position:
            other.position = position
            with_reason(other, "Agenda renumbered").save()


@transaction.atomic
def declare_interest(*, meeting, person, interest, agenda_item=None):
    if agenda_item is not None and agenda_item.meeting_id != meeting.pk:
        raise MeetingError("wrong_meeting")
    _check_open(meeting)
    declaration = Declaration(
        meeting=meeting, person=person, agenda_item=agenda_item, interest=interest
    )
    with_reason(declaration, "Interest declared").save()
    return declaration


@transaction.atomic
def add_action(*, group, description, owner, due_on=None, meeting=None, reason="Action added"):
    if group.is_closed:
        raise MeetingError("group_closed")
    if meeting is not None and meeting.group_id != group.pk:
        raise MeetingError("wrong_group")
    if not group.memberships.current().filter(person=owner).exists():
        raise MeetingError("owner_not_member")
    action = Action(
        group=group, description=description, owner=owner, due_on=due_on, meeting=meeting
    )
    with_reason(action, reason).save()
    return action


@transaction.atomic
def update_action_status(*, action, status, reason="Action updated"):
    action = Action.objects.select_for_update().select_related("group").get(pk=action.pk)
    if action.group.is_closed:
        raise MeetingError("group_closed")
    action.status = status
    action.completed_on = timezone.localdate() if status == Action.Status.DONE else None
    with_reason(action, reason).save()
    return action
