"""Boundaries of the sustained wellness rule and of the recovery capital range (10-60) that mutation testing
showed no test pinned. Every date and score is synthetic."""

from __future__ import annotations

import datetime as dt

import pytest

from peerway.recovery.models import RECOVERY_CAPITAL_MAX, RECOVERY_CAPITAL_MIN, CheckupStatus, Wellbeing
from peerway.recovery.services.checkups import checkup_record
from peerway.recovery.wellness import (
    DOING_WELL,
    LOOKBACK_DAYS,
    STRUGGLING,
    CheckupFact,
    Reason,
    WellnessStatus,
    wellness_at,
)
from tests.helpers import Cast
from tests.recovery.test_checkups import scheduled

MILESTONE = dt.date(2023, 1, 10)


def _facts(setback_on: dt.date) -> list[CheckupFact]:
    return [
        CheckupFact(due_on=setback_on, reached=True, wellbeing=STRUGGLING, recovery_capital=30, recorded_on=setback_on),
        CheckupFact(
            due_on=dt.date(2022, 10, 10),
            reached=True,
            wellbeing=DOING_WELL,
            recovery_capital=50,
            recorded_on=dt.date(2022, 10, 10),
        ),
        CheckupFact(due_on=MILESTONE, reached=True, wellbeing=DOING_WELL, recovery_capital=50, recorded_on=MILESTONE),
    ]


def test_a_setback_exactly_a_year_before_the_milestone_no_longer_counts_and_one_a_day_later_does() -> None:
    year_before = MILESTONE - dt.timedelta(days=LOOKBACK_DAYS)
    assert year_before == dt.date(2022, 1, 10)
    today = dt.date(2024, 1, 1)
    exactly = wellness_at(_facts(year_before), milestone=MILESTONE, today=today)
    assert (exactly.status, exactly.reasons) == (WellnessStatus.SUSTAINED, ())
    day_later = wellness_at(_facts(year_before + dt.timedelta(days=1)), milestone=MILESTONE, today=today)
    assert day_later.reasons == (Reason.RECENT_SETBACK,)


@pytest.mark.parametrize("score", [RECOVERY_CAPITAL_MIN, RECOVERY_CAPITAL_MAX])
def test_both_ends_of_the_recovery_capital_range_are_accepted(cast: Cast, score: int) -> None:
    assert (RECOVERY_CAPITAL_MIN, RECOVERY_CAPITAL_MAX) == (10, 60)
    first = scheduled(cast)
    recorded = checkup_record(
        checkup=first, actor=cast.alice, reached=True, wellbeing=Wellbeing.DOING_WELL, recovery_capital=score
    )
    assert recorded.status == CheckupStatus.RECORDED
    assert recorded.recovery_capital == score
