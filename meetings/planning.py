"""The termly plan: Welsh school terms, proposed meetings, and the terms-of-reference check.

`propose_termly_meetings` only reads; the secretariat reviews (edits or drops) the proposals and
`schedule_termly_meetings` writes them. `check_rules` says whether the meetings held and planned
satisfy the group's `MeetingRule`s.
"""

import dataclasses
import datetime
from typing import NamedTuple
from zoneinfo import ZoneInfo

import holidays
from django.db import transaction
from django.utils import timezone

from members.models import Group
from ncg_portal.audit import with_reason

from .models import Meeting, MeetingRule, SchoolTerm

LONDON = ZoneInfo("Europe/London")
UTC = datetime.UTC

COUNTED_STATUSES = (Meeting.Status.PLANNED, Meeting.Status.CONFIRMED, Meeting.Status.HELD)
EXPECTED_STATUSES = (Meeting.Status.PLANNED, Meeting.Status.CONFIRMED)

# Term titles are data (built into meeting titles in both languages), not interface strings.
SEASON_TITLES = {
    SchoolTerm.Season.AUTUMN: ("Autumn term", "tymor yr hydref"),
    SchoolTerm.Season.SPRING: ("Spring term", "tymor y gwanwyn"),
    SchoolTerm.Season.SUMMER: ("Summer term", "tymor yr haf"),
}


def _term(year, season, starts, ends, half_starts, half_ends):
    return {
        "academic_year": year,
        "season": season,
        "starts_on": datetime.date.fromisoformat(starts),
        "ends_on": datetime.date.fromisoformat(ends),
        "half_term_starts_on": datetime.date.fromisoformat(half_starts),
        "half_term_ends_on": datetime.date.fromisoformat(half_ends),
    }


# The dates most Welsh local authorities use. 2024-25 and 2025-26 are the published, harmonised
# dates (one-week October half term; the proposed two-week October break was not adopted for
# these years). 2026-27 follows the Welsh Ministers' direction of June 2025 (early Easter 2027:
# spring half term 8-12 February, spring term ends 19 March, summer term starts 5 April).
# The secretariat can correct any of them; `ensure_default_terms` never overwrites a row.
DEFAULT_TERMS = (
    _term("2024-25", "autumn", "2024-09-02", "2024-12-20", "2024-10-28", "2024-11-01"),
    _term("2024-25", "spring", "2025-01-06", "2025-04-11", "2025-02-24", "2025-02-28"),
    _term("2024-25", "summer", "2025-04-28", "2025-07-21", "2025-05-26", "2025-05-30"),
    _term("2025-26", "autumn", "2025-09-01", "2025-12-19", "2025-10-27", "2025-10-31"),
    _term("2025-26", "spring", "2026-01-05", "2026-03-27", "2026-02-16", "2026-02-20"),
    _term("2025-26", "summer", "2026-04-13", "2026-07-20", "2026-05-25", "2026-05-29"),
    _term("2026-27", "autumn", "2026-09-01", "2026-12-18", "2026-10-26", "2026-10-30"),
    _term("2026-27", "spring", "2027-01-04", "2027-03-19", "2027-02-08", "2027-02-12"),
    _term("2026-27", "summer", "2027-04-05", "2027-07-20", "2027-05-31", "2027-06-04"),
)


class PlanningError(Exception):
    """A plan that cannot be made or written."""


@transaction.atomic
def ensure_default_terms():
    """Create the default terms that are missing. Existing (possibly corrected) rows are kept.

    Returns how many terms were created.
    """
    created = 0
    for term in DEFAULT_TERMS:
        key = {"academic_year": term["academic_year"], "season": term["season"]}
        if SchoolTerm.objects.filter(**key).exists():
            continue
        with_reason(SchoolTerm(**term), "Default Welsh school term dates").save()
        created += 1
    return created


# --- proposals ---------------------------------------------------------------------------------


@dataclasses.dataclass
class ProposedMeeting:
    term: SchoolTerm
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    mode: str
    title_en: str
    title_cy: str
    note: str = ""

    @property
    def date(self):
        return self.starts_at.astimezone(LONDON).date()


def local_date(moment):
    return moment.astimezone(LONDON).date()


def _at(day, time, minutes):
    """Start and end, aware in Europe/London, with the duration measured in real time."""
    starts_at = datetime.datetime.combine(day, time, tzinfo=LONDON)
    ends_at = (starts_at.astimezone(UTC) + datetime.timedelta(minutes=minutes)).astimezone(LONDON)
    return starts_at, ends_at


def _titles(group, term):
    season_en, season_cy = SEASON_TITLES[term.season]
    year = term.starts_on.year
    name_en = group.short_name or group.name_en
    name_cy = group.name_cy or group.short_name or group.name_en
    return (
        f"Meeting of the {name_en} – {season_en} {year}",
        f"Cyfarfod {name_cy} – {season_cy} {year}",
    )


def _first_half(term):
    """The weeks before half term (the whole term when it has none)."""
    if term.half_term_starts_on and term.starts_on < term.half_term_starts_on <= term.ends_on:
        return term.starts_on, term.half_term_starts_on - datetime.timedelta(days=1)
    return term.starts_on, term.ends_on


def _weekdays(first, last, weekday):
    day = first + datetime.timedelta(days=(weekday - first.weekday()) % 7)
    while day <= last:
        yield day
        day += datetime.timedelta(days=7)


def _choose_day(term, *, weekday, start, end, bank_holidays):
    """The day for this term's meeting and a note when it is not the natural one.

    The natural day is the given weekday nearest the middle of the first half of the term.
    A usable day is in the term and in [start, end], not in half term, not a bank holiday in
    Wales and at least a week after the term starts. Days before half term are preferred, then
    the one nearest the natural day. The one-week rule is dropped only when nothing else fits.
    Returns (None, "") when no day in the term is usable.
    """
    half_first, half_last = _first_half(term)
    target = half_first + (half_last - half_first) / 2
    days = list(_weekdays(term.starts_on, term.ends_on, weekday))
    if not days:
        return None, ""
    natural = min(days, key=lambda d: (abs(d - target), d))

    def usable(day, *, settled_in):
        return (
            max(start, term.starts_on) <= day <= min(end, term.ends_on)
            and not term.in_half_term(day)
            and day not in bank_holidays
            and (not settled_in or day >= term.starts_on + datetime.timedelta(days=7))
        )

    for settled_in in (True, False):
        candidates = [d for d in days if usable(d, settled_in=settled_in)]
        if candidates:
            break
    else:
        return None, ""
    day = min(candidates, key=lambda d: (d > half_last, abs(d - target), d))
    if day == natural:
        return day, ""
    why = _why_not(natural, term, start, end, bank_holidays)
    return day, f"Moved from {natural:%A} {natural.day} {natural:%B %Y}: {why}."


def _why_not(day, term, start, end, bank_holidays):
    if day in bank_holidays:
        return f"{bank_holidays.get(day)} (bank holiday)"
    if term.in_half_term(day):
        return "half term"
    if day < start:
        return "before the start of the plan"
    if day > end:
        return "after the end of the plan"
    return "too early in the term"


def welsh_bank_holidays(years):
    return holidays.UK(subdiv="WLS", years=sorted(set(years)))


def propose_termly_meetings(*, group, start, end, weekday, time, minutes, mode):
    """One proposed meeting per school term overlapping [start, end] that has none yet.

    A term already holding a planned, confirmed or held meeting of the group is skipped, and so is
    a term with no usable day (see `_choose_day`). Times are wall-clock times in Europe/London.
    """
    if start > end:
        raise PlanningError("start_after_end")
    if not 0 <= weekday <= 6:
        raise PlanningError("bad_weekday")
    if minutes <= 0:
        raise PlanningError("bad_duration")
    terms = list(SchoolTerm.objects.filter(starts_on__lte=end, ends_on__gte=start))
    if not terms:
        return []
    taken = [
        local_date(starts_at)
        for starts_at in group.meetings.filter(status__in=COUNTED_STATUSES).values_list(
            "starts_at", flat=True
        )
    ]
    years = range(min(t.starts_on.year for t in terms), max(t.ends_on.year for t in terms) + 1)
    bank_holidays = welsh_bank_holidays(years)
    proposals = []
    for term in terms:
        if any(term.starts_on <= day <= term.ends_on for day in taken):
            continue
        day, note = _choose_day(
            term, weekday=weekday, start=start, end=end, bank_holidays=bank_holidays
        )
        if day is None:
            continue
        starts_at, ends_at = _at(day, time, minutes)
        title_en, title_cy = _titles(group, term)
        proposals.append(
            ProposedMeeting(
                term=term,
                starts_at=starts_at,
                ends_at=ends_at,
                mode=mode,
                title_en=title_en,
                title_cy=title_cy,
                note=note,
            )
        )
    return proposals


def _phase_on(phases, day):
    containing = [
        p for p in phases if p.starts_on <= day and (p.ends_on is None or day <= p.ends_on)
    ]
    return max(containing, key=lambda p: p.starts_on, default=None)


@transaction.atomic
def schedule_termly_meetings(
    *, group, proposals, created_by, venue="", join_url="", reason="Termly plan"
):
    """Create a planned meeting for each proposal the secretariat kept.

    Each meeting gets the group's phase that contains its date. A proposal identical in start to
    a meeting the group already has (a form sent twice) is not created again.
    Returns the meetings created.
    """
    group = Group.objects.select_for_update().get(pk=group.pk)
    if group.is_closed:
        raise PlanningError("group_closed")
    phases = list(group.phases.all())
    existing = set(
        group.meetings.filter(status__in=COUNTED_STATUSES).values_list("starts_at", flat=True)
    )
    meetings = []
    for proposal in proposals:
        if proposal.ends_at <= proposal.starts_at:
            raise PlanningError("ends_before_start")
        if proposal.starts_at in existing:
            continue
        meeting = Meeting(
            group=group,
            title_en=proposal.title_en,
            title_cy=proposal.title_cy,
            starts_at=proposal.starts_at,
            ends_at=proposal.ends_at,
            mode=proposal.mode,
            venue=venue,
            join_url=join_url,
            status=Meeting.Status.PLANNED,
            phase=_phase_on(phases, local_date(proposal.starts_at)),
        )
        with_reason(meeting, reason, created_by).save()
        existing.add(meeting.starts_at)
        meetings.append(meeting)
    return meetings


# --- terms-of-reference check ------------------------------------------------------------------

MET, ON_TRACK, AT_RISK, MISSED = "met", "on_track", "at_risk", "missed"
_SEVERITY = {MET: 0, ON_TRACK: 1, AT_RISK: 2, MISSED: 3}


class TermCheck(NamedTuple):
    term: SchoolTerm
    status: str
    meetings: list


@dataclasses.dataclass
class RuleCheck:
    rule: MeetingRule
    status: str
    meetings: list
    note: str
    terms: list = dataclasses.field(default_factory=list)


def _period_status(meetings, first, last, minimum, today):
    """Status of one period, from the counted meetings whose local date is in [first, last]."""
    inside = [m for m in meetings if first <= local_date(m.starts_at) <= last]
    held = sum(m.status == Meeting.Status.HELD for m in inside)
    upcoming = sum(
        m.status in EXPECTED_STATUSES and local_date(m.starts_at) >= today for m in inside
    )
    if held >= minimum:
        status = MET
    elif last < today:
        status = MISSED
    elif held + upcoming < minimum:
        status = AT_RISK
    else:
        status = ON_TRACK
    return status, inside, held, upcoming


def check_rules(group, today=None):
    """Check every rule of the group against its meetings (three queries, whatever the size).

    met: enough meetings held. missed: the period is over without enough held. at_risk: held plus
    upcoming planned or confirmed meetings are not enough. on_track: the upcoming ones would be
    enough. Cancelled meetings and written procedures are not meetings. For a rule of kind
    EACH_TERM each school term overlapping the rule's dates is a period (clipped to those dates)
    and the rule's status is the worst of its terms.
    """
    today = today or timezone.localdate()
    rules = list(group.meeting_rules.all())
    if not rules:
        return []
    meetings = list(group.meetings.filter(status__in=COUNTED_STATUSES).order_by("starts_at"))
    first = min(r.starts_on for r in rules)
    last = max(r.ends_on for r in rules)
    all_terms = list(SchoolTerm.objects.filter(starts_on__lte=last, ends_on__gte=first))
    checks = []
    for rule in rules:
        if rule.kind == MeetingRule.Kind.EACH_TERM:
            checks.append(_check_each_term(rule, meetings, all_terms, today))
        else:
            status, inside, held, upcoming = _period_status(
                meetings, rule.starts_on, rule.ends_on, rule.minimum, today
            )
            note = f"{held} held, {upcoming} upcoming, {rule.minimum} needed"
            checks.append(RuleCheck(rule=rule, status=status, meetings=inside, note=note))
    return checks


def _check_each_term(rule, meetings, all_terms, today):
    terms = [t for t in all_terms if t.starts_on <= rule.ends_on and t.ends_on >= rule.starts_on]
    if not terms:
        return RuleCheck(
            rule=rule, status=AT_RISK, meetings=[], note="No school terms recorded for these dates"
        )
    details = []
    for term in terms:
        status, inside, _held, _upcoming = _period_status(
            meetings,
            max(term.starts_on, rule.starts_on),
            min(term.ends_on, rule.ends_on),
            rule.minimum,
            today,
        )
        details.append(TermCheck(term=term, status=status, meetings=inside))
    worst = max((d.status for d in details), key=_SEVERITY.__getitem__)
    counts = {s: sum(d.status == s for d in details) for s in _SEVERITY}
    note = ", ".join(f"{n} {s.replace('_', ' ')}" for s, n in counts.items() if n)
    return RuleCheck(
        rule=rule,
        status=worst,
        meetings=[m for d in details for m in d.meetings],
        note=f"{len(details)} terms: {note}",
        terms=details,
    )
