"""The sustained wellness rule (docs/outcomes.md), at 1, 3 and 5 years."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from peerway.recovery.wellness import (
    DECIDED_AFTER_DAYS,
    DOING_WELL,
    IN_CRISIS,
    STRUGGLING,
    CheckupFact,
    Reason,
    WellnessStatus,
    wellness_at,
    wellness_milestones,
)

START = dt.date(2020, 1, 10)
YEAR_ONE = dt.date(2021, 1, 10)


def well(due: dt.date, score: int | None = 50, *, recorded: dt.date | None = None) -> CheckupFact:
    """Reached and doing well; recorded on the day it fell due unless ``recorded`` says otherwise."""
    return CheckupFact(
        due_on=due, reached=True, wellbeing=DOING_WELL, recovery_capital=score, recorded_on=recorded or due
    )


def found(due: dt.date, wellbeing: str, *, recorded: dt.date | None = None, score: int | None = None) -> CheckupFact:
    """Reached, finding the person ``wellbeing``; recorded on the day it fell due unless ``recorded`` says so."""
    return CheckupFact(
        due_on=due, reached=True, wellbeing=wellbeing, recovery_capital=score, recorded_on=recorded or due
    )


def test_reached_twice_recently_with_a_high_score_is_sustained() -> None:
    facts = [well(dt.date(2020, 10, 10)), well(dt.date(2021, 1, 10), score=None)]
    result = wellness_at(facts, milestone=YEAR_ONE, today=dt.date(2024, 1, 1))
    assert result.status == WellnessStatus.SUSTAINED
    assert result.latest_score == 50


def test_a_milestone_in_the_future_is_not_yet() -> None:
    results = wellness_milestones([well(dt.date(2020, 4, 10))], start=START, today=dt.date(2022, 6, 1))
    assert [(r.years, r.status) for r in results] == [
        (1, WellnessStatus.NOT_SUSTAINED),
        (3, WellnessStatus.NOT_YET),
        (5, WellnessStatus.NOT_YET),
    ]
    assert results[1].on == dt.date(2023, 1, 10)


def test_each_part_of_the_rule_can_fail_on_its_own() -> None:
    today = dt.date(2024, 1, 1)
    not_reached = [
        well(dt.date(2020, 10, 10)),
        CheckupFact(due_on=dt.date(2021, 1, 10), reached=False, recorded_on=dt.date(2021, 1, 10)),
    ]
    assert wellness_at(not_reached, milestone=YEAR_ONE, today=today).reasons == (Reason.NOT_REACHED,)
    never_recorded = [well(dt.date(2020, 10, 10)), CheckupFact(due_on=dt.date(2021, 1, 10))]
    assert wellness_at(never_recorded, milestone=YEAR_ONE, today=today).reasons == (Reason.NOT_REACHED,)
    setback = [
        found(dt.date(2020, 4, 10), IN_CRISIS),
        well(dt.date(2020, 10, 10)),
        well(dt.date(2021, 1, 10)),
    ]
    assert wellness_at(setback, milestone=YEAR_ONE, today=today).reasons == (Reason.RECENT_SETBACK,)
    low = [well(dt.date(2020, 10, 10)), well(dt.date(2021, 1, 10), score=46)]
    assert wellness_at(low, milestone=YEAR_ONE, today=today).reasons == (Reason.LOW_SCORE,)
    unscored = [well(dt.date(2020, 10, 10), score=None), well(dt.date(2021, 1, 10), score=None)]
    assert wellness_at(unscored, milestone=YEAR_ONE, today=today).reasons == (Reason.NO_SCORE,)
    one = [well(dt.date(2021, 1, 10))]
    assert wellness_at(one, milestone=YEAR_ONE, today=today).reasons == (Reason.TOO_FEW_CHECKUPS,)


def test_a_setback_more_than_a_year_before_the_milestone_no_longer_counts() -> None:
    facts = [
        found(dt.date(2022, 1, 9), STRUGGLING, score=30),
        well(dt.date(2022, 10, 10)),
        well(dt.date(2023, 1, 10), score=47),
    ]
    assert wellness_at(facts, milestone=dt.date(2023, 1, 10), today=dt.date(2024, 1, 1)).status == (
        WellnessStatus.SUSTAINED
    )


def test_a_setback_counts_from_the_day_it_was_found() -> None:
    three_years = dt.date(2026, 1, 10)
    # Due in October 2024, the person was reached in February 2025 and found in crisis: 11 months before.
    late_crisis = [
        found(dt.date(2024, 10, 10), IN_CRISIS, recorded=dt.date(2025, 2, 1), score=20),
        well(dt.date(2025, 10, 10)),
        well(dt.date(2026, 1, 10), score=52),
    ]
    assert wellness_at(late_crisis, milestone=three_years, today=dt.date(2026, 3, 1)).reasons == (
        Reason.RECENT_SETBACK,
    )
    # The milestone's own check-up, reached three weeks late, found the person in crisis: known by the decision.
    in_window = [well(dt.date(2025, 10, 10)), found(dt.date(2026, 1, 10), IN_CRISIS, recorded=dt.date(2026, 1, 31))]
    assert wellness_at(in_window, milestone=three_years, today=dt.date(2026, 3, 1)).reasons == (Reason.RECENT_SETBACK,)
    # Reached only after the milestone was decided (30 days on): not known then, so not reached on it.
    after = [well(dt.date(2025, 10, 10)), found(dt.date(2026, 1, 10), IN_CRISIS, recorded=dt.date(2026, 2, 10))]
    assert wellness_at(after, milestone=three_years, today=dt.date(2026, 3, 1)).reasons == (Reason.NOT_REACHED,)


def test_a_check_up_recorded_after_the_milestone_was_decided_was_not_reached_on_it() -> None:
    today = dt.date(2024, 1, 1)
    decided = YEAR_ONE + dt.timedelta(days=DECIDED_AFTER_DAYS)
    late = [well(dt.date(2020, 10, 10)), well(dt.date(2021, 1, 10), recorded=decided + dt.timedelta(days=1))]
    result = wellness_at(late, milestone=YEAR_ONE, today=today)
    assert (result.status, result.reasons) == (WellnessStatus.NOT_SUSTAINED, (Reason.NOT_REACHED,))
    for recorded in (YEAR_ONE, dt.date(2021, 1, 31), decided):  # on the day, three weeks on, the last day
        in_time = [well(dt.date(2020, 10, 10)), well(dt.date(2021, 1, 10), recorded=recorded)]
        assert wellness_at(in_time, milestone=YEAR_ONE, today=today).status == WellnessStatus.SUSTAINED


def test_a_milestone_is_not_yet_decided_until_its_check_up_could_be_recorded() -> None:
    facts = [well(dt.date(2020, 10, 10)), well(dt.date(2021, 1, 10))]
    decided = YEAR_ONE + dt.timedelta(days=DECIDED_AFTER_DAYS)
    before = wellness_at(facts, milestone=YEAR_ONE, today=decided - dt.timedelta(days=1))
    assert before.status == WellnessStatus.NOT_YET
    assert wellness_at(facts, milestone=YEAR_ONE, today=decided).status == WellnessStatus.SUSTAINED


def test_the_latest_score_is_the_one_taken_last() -> None:
    # The July check-up was reached late, in November, after the October one: its 40 is the latest score.
    facts = [
        well(dt.date(2020, 7, 10), score=40, recorded=dt.date(2020, 11, 2)),
        well(dt.date(2020, 10, 10), score=50),
        well(dt.date(2021, 1, 10), score=None),
    ]
    result = wellness_at(facts, milestone=YEAR_ONE, today=dt.date(2024, 1, 1))
    assert (result.reasons, result.latest_score) == ((Reason.LOW_SCORE,), 40)


def test_a_check_up_recorded_before_it_fell_due_counts_from_that_day() -> None:
    facts = [
        well(dt.date(2020, 10, 10)),
        well(dt.date(2021, 1, 10), score=48),
        found(dt.date(2021, 4, 10), STRUGGLING, recorded=dt.date(2021, 1, 10), score=35),
    ]
    result = wellness_at(facts, milestone=YEAR_ONE, today=dt.date(2024, 1, 1))
    assert (result.reasons, result.latest_score) == ((Reason.RECENT_SETBACK, Reason.LOW_SCORE), 35)


@st.composite
def a_fact(draw: st.DrawFn) -> CheckupFact:
    """A check-up as the database holds it: recorded (reached or not) on its due date, weeks before it or
    months after it, or not recorded."""
    due_on = draw(st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2026, 1, 1)))
    reached = draw(st.one_of(st.none(), st.booleans()))
    late = draw(st.integers(min_value=-30, max_value=400))
    return CheckupFact(
        due_on=due_on,
        reached=reached,
        wellbeing=draw(st.sampled_from(["", DOING_WELL, STRUGGLING, "wants_reconnect", IN_CRISIS])),
        recovery_capital=draw(st.one_of(st.none(), st.integers(min_value=10, max_value=60))),
        recorded_on=None if reached is None else due_on + dt.timedelta(days=late),
    )


facts_strategy = st.lists(a_fact(), max_size=25)


def as_known_on(fact: CheckupFact, day: dt.date) -> CheckupFact | None:
    """``fact`` as it stood at the end of ``day``: recorded, due and not recorded yet, or not due yet (None)."""
    if fact.known_on(day):
        return fact
    if fact.due_on <= day:
        return CheckupFact(due_on=fact.due_on)
    return None


@given(facts=facts_strategy, milestone=st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2026, 1, 1)))
def test_what_came_after_the_decision_never_changes_it(facts: list[CheckupFact], milestone: dt.date) -> None:
    """Neither check-ups due later nor what was recorded after the milestone was decided (of check-ups due before
    it, too)."""
    today = dt.date(2030, 1, 1)
    decided = milestone + dt.timedelta(days=DECIDED_AFTER_DAYS)
    before = [known for fact in facts if (known := as_known_on(fact, decided)) is not None]
    assert wellness_at(facts, milestone=milestone, today=today) == wellness_at(before, milestone=milestone, today=today)


@given(facts=facts_strategy, milestone=st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2026, 1, 1)))
def test_sustained_means_every_condition_holds(facts: list[CheckupFact], milestone: dt.date) -> None:
    result = wellness_at(facts, milestone=milestone, today=dt.date(2030, 1, 1))
    assert (result.status == WellnessStatus.SUSTAINED) == (not result.reasons)
    if result.status == WellnessStatus.SUSTAINED:
        fell_due = sorted((f for f in facts if f.due_on <= milestone), key=lambda f: f.due_on)
        assert len(fell_due) >= 2
        decided = milestone + dt.timedelta(days=DECIDED_AFTER_DAYS)
        assert all(f.reached and f.recorded_on is not None and f.recorded_on <= decided for f in fell_due[-2:])
        assert result.latest_score is not None and result.latest_score >= 47
        assert not any(
            f.reached
            and f.wellbeing not in ("", DOING_WELL)
            and f.recorded_on is not None
            and milestone - dt.timedelta(days=365) < f.recorded_on <= decided
            and (f.due_on <= milestone or f.recorded_on <= milestone)
            for f in facts
        )


@given(facts=facts_strategy, today=st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2030, 1, 1)))
def test_only_milestones_not_decided_by_today_are_not_yet(facts: list[CheckupFact], today: dt.date) -> None:
    for result in wellness_milestones(facts, start=START, today=today):
        decided = result.on + dt.timedelta(days=DECIDED_AFTER_DAYS)
        assert (result.status == WellnessStatus.NOT_YET) == (decided > today)
