"""Reads that pages share: what a person still has to do in a group."""

import dataclasses
import datetime
import itertools

from django.db.models import (
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    prefetch_related_objects,
)
from django.db.models.lookups import Exact
from django.utils import timezone

from members.models import Group, Membership, Role
from members.permissions import can_manage_membership

from .models import Action, Attendance, Meeting, Minutes, PaperDownload, PaperVersion
from .permissions import INVITED_ROLES
from .planning import AT_RISK, MISSED, check_rules


def unopened_papers(person, group, limit=10):
    """Current versions of the group's papers (for meetings not yet over) the person has not opened."""
    opened = PaperDownload.objects.filter(version=OuterRef("pk"), person=person)
    latest = (
        PaperVersion.objects.filter(paper=OuterRef("paper")).order_by("-number").values("pk")[:1]
    )
    return (
        PaperVersion.objects.filter(paper__group=group, pk=latest, paper__withdrawn_at=None)
        .exclude(paper__meeting__ends_at__lt=timezone.now())
        .annotate(opened=Exists(opened))
        .filter(opened=False)
        .select_related("paper", "paper__meeting")
        .order_by("-uploaded_at")[:limit]
    )


def actions_due(person, group):
    return Action.objects.filter(group=group, owner=person, status=Action.Status.OPEN).order_by(
        "due_on"
    )


def paper_readers(meeting=None, *, paper=None):
    """For the secretariat: each paper version of a meeting (or of one paper) with who has
    opened it."""
    where = {"version__paper": paper} if paper is not None else {"version__paper__meeting": meeting}
    downloads = (
        PaperDownload.objects.filter(**where)
        .select_related("person", "version")
        .order_by("person__full_name")
    )
    readers = {}
    for download in downloads:
        readers.setdefault(download.version_id, {})[download.person_id] = download.person
    return {version_id: list(people.values()) for version_id, people in readers.items()}


# --- Your groups: the overview on the home page ------------------------------------------------


@dataclasses.dataclass
class GroupOverview:
    """What one person needs to know and do in one of their groups."""

    group: Group
    next_meeting: Meeting | None = None
    # The person's answer to the next meeting's invitation ("" when not invited).
    reply: str = ""
    reply_needed: bool = False
    unopened_papers: int = 0
    open_actions: int = 0
    overdue_actions: int = 0
    # The terms-of-reference check, for the secretariat and the chair only (None for others).
    rule_checks: list | None = None

    @property
    def reply_label(self):
        return Attendance.Response(self.reply).label if self.reply else ""

    @property
    def rules_needing_attention(self):
        """The rules at risk or missed, worst first."""
        flagged = [c for c in self.rule_checks or () if c.status in (AT_RISK, MISSED)]
        return sorted(flagged, key=lambda check: check.status != MISSED)


def _sees_rule_check(person, group, roles):
    """The dashboard's rule: the secretariat (of an open group) and the chair see the check."""
    return can_manage_membership(person, group, roles=roles) or Role.CHAIR in roles


def groups_overview(person, groups):
    """One GroupOverview per group, in the order given.

    Five queries whatever the number of groups, meetings, papers and actions, plus the
    terms-of-reference check (`check_rules`: two queries) for each group with meeting rules
    where the person is secretariat or chair.
    """
    groups = list(groups)
    if not groups:
        return []
    now = timezone.now()
    today = timezone.localdate()

    roles = {}
    memberships = Membership.objects.current().filter(person=person, group__in=groups)
    for group_id, role in memberships.values_list("group_id", "role"):
        roles.setdefault(group_id, set()).add(role)

    # The next planned or confirmed meeting of each group (DISTINCT ON), with the person's answer.
    answer = Attendance.objects.filter(meeting=OuterRef("pk"), person=person).values("response")
    next_meetings = {
        meeting.group_id: meeting
        for meeting in Meeting.objects.filter(
            group__in=groups,
            ends_at__gte=now,
            status__in=(Meeting.Status.PLANNED, Meeting.Status.CONFIRMED),
        )
        .annotate(my_response=Subquery(answer[:1]))
        .order_by("group_id", "starts_at")
        .distinct("group_id")
    }

    # Papers not yet opened: as `unopened_papers`, counted per group.
    opened = PaperDownload.objects.filter(version=OuterRef("pk"), person=person)
    latest = (
        PaperVersion.objects.filter(paper=OuterRef("paper")).order_by("-number").values("pk")[:1]
    )
    unopened = dict(
        PaperVersion.objects.filter(paper__group__in=groups, pk=latest, paper__withdrawn_at=None)
        .exclude(paper__meeting__ends_at__lt=now)
        .filter(~Exists(opened))
        .order_by()
        .values("paper__group_id")
        .annotate(count=Count("pk"))
        .values_list("paper__group_id", "count")
    )

    actions = {
        row["group_id"]: row
        for row in Action.objects.filter(group__in=groups, owner=person, status=Action.Status.OPEN)
        .order_by()
        .values("group_id")
        .annotate(open=Count("pk"), overdue=Count("pk", filter=Q(due_on__lt=today)))
    }

    checked = [g for g in groups if _sees_rule_check(person, g, roles.get(g.pk, set()))]
    # check_rules reads the rules through `group.meeting_rules.all()`: one query for all groups,
    # and none at all for a group without rules.
    prefetch_related_objects(checked, "meeting_rules")

    overview = []
    for group in groups:
        my_roles = roles.get(group.pk, set())
        meeting = next_meetings.get(group.pk)
        reply = (meeting.my_response or "") if meeting else ""
        row = actions.get(group.pk, {})
        overview.append(
            GroupOverview(
                group=group,
                next_meeting=meeting,
                reply=reply,
                # As can_rsvp: invited, to a confirmed meeting of an open group, and not answered.
                reply_needed=bool(
                    reply == Attendance.Response.NO_REPLY
                    and meeting.status == Meeting.Status.CONFIRMED
                    and my_roles & set(INVITED_ROLES)
                    and not group.is_closed
                ),
                unopened_papers=unopened.get(group.pk, 0),
                open_actions=row.get("open", 0),
                overdue_actions=row.get("overdue", 0),
                rule_checks=check_rules(group, today) if group in checked else None,
            )
        )
    return overview


# --- What is new in a group since a moment (the "new since your last visit" page and panel) ---


class _SubqueryCount(Subquery):
    """COUNT(*) of a queryset, as a value inside another query."""

    template = "(SELECT COUNT(*) FROM (%(subquery)s) _count)"
    output_field = IntegerField()


@dataclasses.dataclass
class NewThing:
    """One thing that changed: `kind` says what happened, `at` when, `obj` to what."""

    kind: str
    at: datetime.datetime
    obj: object


def _new_versions(person, group, since):
    """Paper versions (first versions are new papers) uploaded after `since` by someone else."""
    return PaperVersion.objects.filter(
        paper__group=group, paper__withdrawn_at=None, uploaded_at__gt=since
    ).exclude(uploaded_by=person)


def _meeting_history_by_others(person, group, since):
    return (
        Meeting.history.filter(group_id=group.pk, history_date__gt=since)
        .exclude(history_user=person)
        .exclude(history_type="-")
    )


def _changed_meetings(person, group, since):
    """The group's meetings added or changed after `since` by someone else."""
    return Meeting.objects.filter(
        group=group, pk__in=_meeting_history_by_others(person, group, since).values("id")
    )


def _minutes_news(group, since):
    return Minutes.objects.filter(meeting__group=group).filter(
        Q(shared_at__gt=since) | Q(approved_at__gt=since)
    )


def _actions_given(person, group, since):
    """Actions someone else gave the person after `since`."""
    given = Action.history.filter(
        group_id=group.pk, owner_id=person.pk, history_type="+", history_date__gt=since
    ).exclude(history_user=person)
    return Action.objects.filter(group=group, owner=person, pk__in=given.values("id"))


def _joined(person, group, since):
    """Current memberships that began, or were added, after `since` (other people only)."""
    added = Membership.history.filter(group_id=group.pk, history_type="+", history_date__gt=since)
    return (
        group.memberships.current()
        .exclude(person=person)
        .filter(Q(starts_on__gt=timezone.localdate(since)) | Q(pk__in=added.values("id")))
    )


NEW_SINCE_SECTIONS = ("papers", "meetings", "minutes", "actions", "people")


def new_since_counts(person, group, since):
    """How many things of each kind are new since `since`, in one query."""
    counts = {
        "new_papers": _new_versions(person, group, since).filter(number=1),
        "new_versions": _new_versions(person, group, since).filter(number__gt=1),
        "meetings": _changed_meetings(person, group, since),
        "minutes": _minutes_news(group, since),
        "actions": _actions_given(person, group, since),
        "people": _joined(person, group, since),
    }
    found = (
        Group.objects.filter(pk=group.pk)
        .annotate(
            **{f"new_{k}": _SubqueryCount(qs.order_by().values("pk")) for k, qs in counts.items()}
        )
        .values(*(f"new_{k}" for k in counts))
        .get()
    )
    row = {k: found[f"new_{k}"] for k in counts}
    row["papers"] = row["new_papers"] + row["new_versions"]
    row["total"] = sum(row[k] for k in NEW_SINCE_SECTIONS)
    return row


def _meeting_events(rows, person, since):
    """From a meeting's history rows (oldest first), what others did to it after `since`."""
    kinds, at, previous = set(), None, None
    for row in rows:
        if row.history_date > since and row.history_user_id != person.pk:
            if row.history_type == "+":
                kinds.add("added")
            elif previous is not None and previous.status != row.status:
                if row.status == Meeting.Status.CONFIRMED:
                    kinds.add("confirmed")
                elif row.status == Meeting.Status.CANCELLED:
                    kinds.add("cancelled")
                else:
                    kinds.add("changed")
            else:
                kinds.add("changed")
            at = row.history_date
        previous = row
    # One line per meeting, saying the most telling thing that happened to it.
    for kind in ("cancelled", "added", "confirmed", "changed"):
        if kind in kinds:
            return kind, at
    return None, None


def new_since(person, group, since):
    """What changed in the group after `since`, by section, newest first.

    papers: paper versions others uploaded ("new_paper" for a first version, else "new_version");
    meetings: meetings others added, confirmed, changed or cancelled (one line per meeting);
    minutes: minutes shared for comment or approved; actions: actions others gave the person;
    people: who joined the group. A fixed number of queries, however much changed.
    """
    news = {section: [] for section in NEW_SINCE_SECTIONS}

    latest = PaperVersion.objects.filter(paper=OuterRef("paper")).order_by("-number").values("pk")
    versions = (
        _new_versions(person, group, since)
        .annotate(is_current=Exact(F("pk"), Subquery(latest[:1])))
        .select_related("paper", "paper__meeting", "uploaded_by")
        .order_by("-uploaded_at", "-pk")
    )
    for version in versions:
        kind = "new_paper" if version.number == 1 else "new_version"
        news["papers"].append(NewThing(kind, version.uploaded_at, version))

    rows = Meeting.history.filter(
        id__in=_changed_meetings(person, group, since).values("pk")
    ).order_by("id", "history_date", "history_id")
    for _meeting_id, meeting_rows in itertools.groupby(rows, key=lambda row: row.id):
        meeting_rows = list(meeting_rows)
        kind, at = _meeting_events(meeting_rows, person, since)
        if kind is not None:
            news["meetings"].append(NewThing(kind, at, meeting_rows[-1].instance))

    for minutes in _minutes_news(group, since).select_related("meeting"):
        if minutes.approved_at and minutes.approved_at > since:
            news["minutes"].append(NewThing("minutes_approved", minutes.approved_at, minutes))
        else:
            news["minutes"].append(NewThing("minutes_shared", minutes.shared_at, minutes))

    given_at = Action.history.filter(id=OuterRef("pk"), history_type="+").values("history_date")
    for action in (
        _actions_given(person, group, since)
        .annotate(given_at=Subquery(given_at[:1]))
        .select_related("meeting")
    ):
        news["actions"].append(NewThing("action_given", action.given_at, action))

    added_at = Membership.history.filter(id=OuterRef("pk"), history_type="+").values("history_date")
    for membership in (
        _joined(person, group, since)
        .annotate(added_at=Subquery(added_at[:1]))
        .select_related("person", "organisation")
    ):
        began = datetime.datetime.combine(
            membership.starts_on, datetime.time.min, timezone.get_current_timezone()
        )
        at = max(filter(None, (membership.added_at, began)))
        news["people"].append(NewThing("joined", at, membership))

    for items in news.values():
        items.sort(key=lambda thing: thing.at, reverse=True)
    return news
