"""The sustained wellness rule (docs/outcomes.md), at 1, 3 and 5 years."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from peerway.recovery.wellness import (
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


def well(due: dt.date, score: int | None = 50) -> CheckupFact:
    return CheckupFact(due_on=due, reached=True, wellbeing=DOING_WELL, recovery_capital=score)


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
    not_reached = [well(dt.date(2020, 10, 10)), CheckupFact(due_on=dt.date(2021, 1, 10), reached=False)]
    assert wellness_at(not_reached, milestone=YEAR_ONE, today=today).reasons == (Reason.NOT_REACHED,)
    never_recorded = [well(dt.date(2020, 10, 10)), CheckupFact(due_on=dt.date(2021, 1, 10))]
    assert wellness_at(never_recorded, milestone=YEAR_ONE, today=today).reasons == (Reason.NOT_REACHED,)
    setback = [
        CheckupFact(due_on=dt.date(2020, 4, 10), reached=True, wellbeing=IN_CRISIS),
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
        CheckupFact(due_on=dt.date(2022, 1, 9), reached=True, wellbeing=STRUGGLING, recovery_capital=30),
        well(dt.date(2022, 10, 10)),
        well(dt.date(2023, 1, 10), score=47),
    ]
    assert wellness_at(facts, milestone=dt.date(2023, 1, 10), today=dt.date(2024, 1, 1)).status == (
        WellnessStatus.SUSTAINED
    )


facts_strategy = st.lists(
    st.builds(
        CheckupFact,
        due_on=st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2026, 1, 1)),
        reached=st.one_of(st.none(), st.booleans()),
        wellbeing=st.sampled_from(["", DOING_WELL, STRUGGLING, "wants_reconnect", IN_CRISIS]),
        recovery_capital=st.one_of(st.none(), st.integers(min_value=10, max_value=60)),
    ),
    max_size=25,
)


@given(facts=facts_strategy, milestone=st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2026, 1, 1)))
def test_what_came_after_the_milestone_never_changes_it(facts: list[CheckupFact], milestone: dt.date) -> None:
    today = dt.date(2030, 1, 1)
    before = [fact for fact in facts if fact.due_on <= milestone]
    assert wellness_at(facts, milestone=milestone, today=today) == wellness_at(before, milestone=milestone, today=today)


@given(facts=facts_strategy, milestone=st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2026, 1, 1)))
def test_sustained_means_every_condition_holds(facts: list[CheckupFact], milestone: dt.date) -> None:
    result = wellness_at(facts, milestone=milestone, today=dt.date(2030, 1, 1))
    assert (result.status == WellnessStatus.SUSTAINED) == (not result.reasons)
    if result.status == WellnessStatus.SUSTAINED:
        known = sorted((f for f in facts if f.due_on <= milestone), key=lambda f: f.due_on)
        assert len(known) >= 2
        assert all(f.reached for f in known[-2:])
        assert result.latest_score is not None and result.latest_score >= 47
        assert not any(
            f.reached and f.wellbeing not in ("", DOING_WELL) and (milestone - f.due_on).days < 365 for f in known
        )


@given(facts=facts_strategy, today=st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2030, 1, 1)))
def test_only_milestones_after_today_are_not_yet(facts: list[CheckupFact], today: dt.date) -> None:
    for result in wellness_milestones(facts, start=START, today=today):
        assert (result.status == WellnessStatus.NOT_YET) == (result.on > today)
