import datetime
from zoneinfo import ZoneInfo

import pytest

from meetings import planning
from meetings.models import Meeting, MeetingRule, SchoolTerm
from members.models import Group

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
D = datetime.date
TEN = datetime.time(10, 0)


def propose(group, start, end, weekday=0, time=TEN, minutes=120, mode=Meeting.Mode.HYBRID):
    return planning.propose_termly_meetings(
        group=group, start=start, end=end, weekday=weekday, time=time, minutes=minutes, mode=mode
    )


def by_term(proposals):
    return {(p.term.academic_year, p.term.season): p for p in proposals}


def meeting(group, day, status=Meeting.Status.HELD, hour=10):
    starts_at = datetime.datetime.combine(day, datetime.time(hour), tzinfo=LONDON)
    return Meeting.objects.create(
        group=group,
        title_en="Meeting",
        title_cy="Cyfarfod",
        starts_at=starts_at,
        ends_at=starts_at + datetime.timedelta(hours=2),
        status=status,
    )


@pytest.fixture
def terms(db):
    planning.ensure_default_terms()
    return list(SchoolTerm.objects.all())


@pytest.fixture
def ncg_rules(ncg):
    by_2024 = MeetingRule.objects.create(
        group=ncg,
        kind=MeetingRule.Kind.AT_LEAST_BY,
        minimum=2,
        starts_on=D(2024, 1, 31),
        ends_on=D(2024, 12, 31),
        description_en="At least 2 meetings before 31 December 2024",
        description_cy="O leiaf 2 gyfarfod cyn 31 Rhagfyr 2024",
    )
    termly = MeetingRule.objects.create(
        group=ncg,
        kind=MeetingRule.Kind.EACH_TERM,
        minimum=1,
        starts_on=D(2025, 1, 1),
        ends_on=D(2026, 9, 30),
        description_en="At least one meeting every term until 30 September 2026",
        description_cy="O leiaf un cyfarfod bob tymor tan 30 Medi 2026",
    )
    return by_2024, termly


# --- default terms ---------------------------------------------------------------------------


def test_default_terms_are_created_once_and_edits_are_kept():
    assert planning.ensure_default_terms() == 9
    assert planning.ensure_default_terms() == 0
    edited = SchoolTerm.objects.get(academic_year="2025-26", season="autumn")
    edited.ends_on = D(2025, 12, 18)
    edited.save()
    SchoolTerm.objects.get(academic_year="2026-27", season="summer").delete()

    assert planning.ensure_default_terms() == 1
    edited.refresh_from_db()
    assert edited.ends_on == D(2025, 12, 18)
    assert SchoolTerm.objects.count() == 9
    assert edited.history.earliest().history_change_reason == "Default Welsh school term dates"


def test_default_terms_are_consistent():
    for term in planning.DEFAULT_TERMS:
        assert term["starts_on"].weekday() < 5, term
        assert term["starts_on"] < term["half_term_starts_on"] <= term["half_term_ends_on"]
        assert term["half_term_ends_on"] < term["ends_on"]
        # One-week half terms, Monday to Friday.
        assert term["half_term_ends_on"] - term["half_term_starts_on"] == datetime.timedelta(4)


# --- proposals ---------------------------------------------------------------------------------


def test_no_terms_no_proposals(ncg):
    assert propose(ncg, D(2024, 9, 1), D(2026, 9, 30)) == []


def test_one_meeting_per_term_on_a_usable_monday(ncg, terms):
    proposals = propose(ncg, D(2024, 9, 1), D(2026, 9, 30))

    assert [(p.term.academic_year, p.term.season) for p in proposals] == [
        ("2024-25", "autumn"),
        ("2024-25", "spring"),
        ("2024-25", "summer"),
        ("2025-26", "autumn"),
        ("2025-26", "spring"),
        ("2025-26", "summer"),
        ("2026-27", "autumn"),
    ]
    bank_holidays = planning.welsh_bank_holidays([2024, 2025, 2026])
    for p in proposals:
        day = p.date
        assert day.weekday() == 0
        assert p.term.starts_on + datetime.timedelta(days=7) <= day < p.term.half_term_starts_on
        assert day not in bank_holidays
        assert p.mode == Meeting.Mode.HYBRID
    assert by_term(proposals)[("2024-25", "autumn")].date == D(2024, 9, 30)
    # The autumn 2026 term is cut at the end of the plan (30 September 2026).
    assert by_term(proposals)[("2026-27", "autumn")].date == D(2026, 9, 28)


def test_weekday_is_respected(ncg, terms):
    proposals = propose(ncg, D(2024, 9, 1), D(2025, 8, 31), weekday=2)
    assert len(proposals) == 3
    assert all(p.date.weekday() == 2 for p in proposals)


def test_titles_in_english_and_welsh(ncg, terms):
    autumn = by_term(propose(ncg, D(2025, 9, 1), D(2025, 12, 31)))[("2025-26", "autumn")]
    assert autumn.title_en == "Meeting of the National Coherence Group – Autumn term 2025"
    assert autumn.title_cy == "Cyfarfod Grŵp Cydlyniant Cenedlaethol – tymor yr hydref 2025"

    ncg.short_name = "NCG"
    spring = by_term(propose(ncg, D(2026, 1, 1), D(2026, 3, 31)))[("2025-26", "spring")]
    assert spring.title_en == "Meeting of the NCG – Spring term 2026"
    assert spring.title_cy == "Cyfarfod Grŵp Cydlyniant Cenedlaethol – tymor y gwanwyn 2026"
    summer = by_term(propose(ncg, D(2026, 4, 1), D(2026, 7, 31)))[("2025-26", "summer")]
    assert summer.title_cy.endswith("tymor yr haf 2026")


def test_may_bank_holiday_is_avoided(ncg, terms):
    # The Monday nearest the middle of the first half of summer 2026 is the May Day bank holiday.
    summer = by_term(propose(ncg, D(2026, 4, 1), D(2026, 7, 31)))[("2025-26", "summer")]
    assert summer.date == D(2026, 4, 27)
    assert summer.note == "Moved from Monday 4 May 2026: May Day (bank holiday)."


def test_easter_monday_is_avoided(ncg):
    SchoolTerm.objects.create(
        academic_year="2024-25",
        season="spring",
        starts_on=D(2025, 3, 24),
        ends_on=D(2025, 5, 16),
    )
    (proposal,) = propose(ncg, D(2025, 1, 1), D(2025, 7, 31))
    assert proposal.date == D(2025, 4, 14)
    assert "Easter Monday" in proposal.note


def test_half_term_is_avoided(ncg, terms):
    # From Tuesday 21 October 2025 the next Monday is in half term (27-31 October).
    autumn = by_term(propose(ncg, D(2025, 10, 21), D(2025, 12, 31)))[("2025-26", "autumn")]
    assert autumn.date == D(2025, 11, 3)

    from_monday = by_term(propose(ncg, D(2025, 10, 20), D(2025, 12, 31)))[("2025-26", "autumn")]
    assert from_monday.date == D(2025, 10, 20)


def test_start_in_the_middle_of_a_term(ncg, terms):
    proposals = by_term(propose(ncg, D(2025, 10, 28), D(2026, 3, 31), weekday=1))
    assert set(proposals) == {("2025-26", "autumn"), ("2025-26", "spring")}
    autumn = proposals[("2025-26", "autumn")]
    # Tuesday 28 October is in half term; the first usable Tuesday is after it.
    assert autumn.date == D(2025, 11, 4)
    assert autumn.note == "Moved from Tuesday 30 September 2025: before the start of the plan."
    assert proposals[("2025-26", "spring")].note == ""


def test_terms_that_already_have_a_meeting_are_skipped(ncg, other_group, terms):
    meeting(ncg, D(2024, 10, 7), status=Meeting.Status.PLANNED)
    meeting(ncg, D(2025, 2, 3), status=Meeting.Status.CANCELLED)
    meeting(ncg, D(2025, 5, 12), status=Meeting.Status.WRITTEN_PROCEDURE)
    meeting(other_group, D(2025, 10, 6))

    proposals = by_term(propose(ncg, D(2024, 9, 1), D(2025, 12, 31)))
    assert set(proposals) == {
        ("2024-25", "spring"),
        ("2024-25", "summer"),
        ("2025-26", "autumn"),
    }


def test_local_time_is_kept_across_the_clock_change(ncg, terms):
    proposals = by_term(propose(ncg, D(2024, 9, 1), D(2025, 3, 31), minutes=90))
    autumn = proposals[("2024-25", "autumn")]  # 30 September 2024, British Summer Time
    spring = proposals[("2024-25", "spring")]  # 27 January 2025, Greenwich Mean Time
    assert spring.date == D(2025, 1, 27)
    for p in (autumn, spring):
        assert p.starts_at.astimezone(LONDON).time() == TEN
        assert p.ends_at.astimezone(LONDON).time() == datetime.time(11, 30)
    assert autumn.starts_at.astimezone(datetime.UTC).hour == 9
    assert spring.starts_at.astimezone(datetime.UTC).hour == 10
    assert autumn.starts_at.utcoffset() == datetime.timedelta(hours=1)
    assert spring.starts_at.utcoffset() == datetime.timedelta(0)


def test_duration_is_real_time_on_the_night_the_clocks_go_back():
    starts_at, ends_at = planning._at(D(2025, 10, 26), datetime.time(0, 30), 120)
    assert ends_at.astimezone(datetime.UTC) - starts_at.astimezone(datetime.UTC) == (
        datetime.timedelta(hours=2)
    )
    assert ends_at.astimezone(LONDON).time() == datetime.time(1, 30)
    assert ends_at.astimezone(LONDON).utcoffset() == datetime.timedelta(0)


def test_bad_arguments_are_refused(ncg):
    with pytest.raises(planning.PlanningError):
        propose(ncg, D(2025, 1, 1), D(2024, 1, 1))
    with pytest.raises(planning.PlanningError):
        propose(ncg, D(2024, 1, 1), D(2025, 1, 1), weekday=7)


# --- scheduling --------------------------------------------------------------------------------


def test_schedule_creates_planned_meetings_with_phase_and_history(ncg, secretariat, terms):
    proposals = propose(ncg, D(2024, 9, 1), D(2025, 12, 31))
    assert len(proposals) == 4
    # The secretariat drops the autumn 2024 meeting and makes the summer one online.
    kept = proposals[1:]
    kept[1].mode = Meeting.Mode.ONLINE

    meetings = planning.schedule_termly_meetings(group=ncg, proposals=kept, created_by=secretariat)

    assert len(meetings) == 3
    assert Meeting.objects.filter(group=ncg, status=Meeting.Status.PLANNED).count() == 3
    spring, summer, autumn = (Meeting.objects.get(pk=m.pk) for m in meetings)
    assert summer.mode == Meeting.Mode.ONLINE
    assert summer.title_en == "Meeting of the National Coherence Group – Summer term 2025"
    # Only the summer 2025 meeting falls in the Transition phase (April to August 2025).
    assert summer.phase.name_en == "Transition"
    assert spring.phase is None and autumn.phase is None
    record = summer.history.earliest()
    assert record.history_change_reason == "Termly plan"
    assert record.history_user == secretariat

    # Sending the same plan again creates nothing new, and the terms are now planned.
    assert (
        planning.schedule_termly_meetings(group=ncg, proposals=kept, created_by=secretariat) == []
    )
    assert [p.term.season for p in propose(ncg, D(2024, 9, 1), D(2025, 12, 31))] == ["autumn"]


def test_schedule_refuses_a_closed_group(ncg, secretariat, terms):
    proposals = propose(ncg, D(2024, 9, 1), D(2025, 12, 31))
    Group.objects.filter(pk=ncg.pk).update(status=Group.Status.CLOSED)
    with pytest.raises(planning.PlanningError, match="group_closed"):
        planning.schedule_termly_meetings(group=ncg, proposals=proposals, created_by=secretariat)
    assert not Meeting.objects.exists()


# --- terms-of-reference check ------------------------------------------------------------------


def statuses(group, today):
    return {c.rule.kind: c for c in planning.check_rules(group, today=today)}


def test_at_least_two_by_end_of_2024_met(ncg, ncg_rules):
    meeting(ncg, D(2024, 3, 11))
    meeting(ncg, D(2024, 10, 7))
    check = statuses(ncg, D(2024, 11, 1))[MeetingRule.Kind.AT_LEAST_BY]
    assert check.status == planning.MET
    assert len(check.meetings) == 2


def test_at_least_two_by_end_of_2024_on_track_at_risk_missed(ncg, ncg_rules):
    meeting(ncg, D(2024, 3, 11))
    meeting(ncg, D(2024, 6, 10), status=Meeting.Status.CANCELLED)
    meeting(ncg, D(2024, 7, 1), status=Meeting.Status.WRITTEN_PROCEDURE)
    rule = MeetingRule.Kind.AT_LEAST_BY

    # One held, none upcoming: cancelled and written procedure are not meetings.
    assert statuses(ncg, D(2024, 9, 1))[rule].status == planning.AT_RISK

    meeting(ncg, D(2024, 12, 2), status=Meeting.Status.PLANNED)
    check = statuses(ncg, D(2024, 9, 1))[rule]
    assert check.status == planning.ON_TRACK
    assert check.note == "1 held, 1 upcoming, 2 needed"

    # The planned meeting was never recorded as held and the year is over.
    assert statuses(ncg, D(2025, 1, 10))[rule].status == planning.MISSED
    # Before the period is over, a planned meeting in the past is no longer upcoming.
    assert statuses(ncg, D(2024, 12, 10))[rule].status == planning.AT_RISK


def test_each_term_until_september_2026(ncg, ncg_rules, terms):
    meeting(ncg, D(2025, 2, 3))
    meeting(ncg, D(2025, 5, 12))
    meeting(ncg, D(2025, 10, 6), status=Meeting.Status.CONFIRMED)

    check = statuses(ncg, D(2025, 9, 15))[MeetingRule.Kind.EACH_TERM]
    detail = {(t.term.academic_year, t.term.season): t.status for t in check.terms}
    assert detail == {
        ("2024-25", "spring"): planning.MET,
        ("2024-25", "summer"): planning.MET,
        ("2025-26", "autumn"): planning.ON_TRACK,
        ("2025-26", "spring"): planning.AT_RISK,
        ("2025-26", "summer"): planning.AT_RISK,
        ("2026-27", "autumn"): planning.AT_RISK,
    }
    assert check.status == planning.AT_RISK
    assert len(check.meetings) == 3
    term, status, meetings = check.terms[0]
    assert (term.season, status, len(meetings)) == ("spring", planning.MET, 1)

    # Later, the autumn 2025 meeting was never recorded as held: that term is missed.
    assert statuses(ncg, D(2026, 1, 10))[MeetingRule.Kind.EACH_TERM].status == planning.MISSED


def test_each_term_on_track_then_met_when_the_plan_is_scheduled_and_held(
    ncg, ncg_rules, terms, secretariat
):
    proposals = propose(ncg, D(2025, 1, 1), D(2026, 9, 30))
    planning.schedule_termly_meetings(group=ncg, proposals=proposals, created_by=secretariat)
    assert statuses(ncg, D(2025, 1, 2))[MeetingRule.Kind.EACH_TERM].status == planning.ON_TRACK

    Meeting.objects.filter(group=ncg).update(status=Meeting.Status.HELD)
    assert statuses(ncg, D(2026, 10, 1))[MeetingRule.Kind.EACH_TERM].status == planning.MET


def test_each_term_without_terms_is_at_risk(ncg, ncg_rules):
    check = statuses(ncg, D(2025, 1, 2))[MeetingRule.Kind.EACH_TERM]
    assert check.status == planning.AT_RISK
    assert check.terms == []


def test_check_rules_queries_do_not_grow_with_meetings(
    ncg, ncg_rules, terms, django_assert_num_queries
):
    for month in range(1, 13):
        meeting(ncg, D(2025, month, 10))
    with django_assert_num_queries(3):
        checks = planning.check_rules(ncg, today=D(2025, 6, 1))
    assert len(checks) == 2
