"""The pure schedule: quarterly for five years by default, anchored at the start, clamped at month ends."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from peerway.recovery.checkup_schedule import add_months, add_years, checkup_due_dates


def test_quarterly_for_five_years_gives_twenty_dates_ending_on_the_fifth_anniversary() -> None:
    dates = checkup_due_dates(dt.date(2024, 1, 15))
    assert len(dates) == 20
    assert dates[:3] == [dt.date(2024, 4, 15), dt.date(2024, 7, 15), dt.date(2024, 10, 15)]
    assert dates[-1] == dt.date(2029, 1, 15)


def test_month_ends_are_clamped_without_drifting() -> None:
    dates = checkup_due_dates(dt.date(2023, 11, 30), interval_months=3, horizon_years=1)
    assert dates == [dt.date(2024, 2, 29), dt.date(2024, 5, 30), dt.date(2024, 8, 30), dt.date(2024, 11, 30)]


def test_the_organization_can_choose_interval_and_horizon() -> None:
    assert checkup_due_dates(dt.date(2024, 3, 1), interval_months=6, horizon_years=2) == [
        dt.date(2024, 9, 1),
        dt.date(2025, 3, 1),
        dt.date(2025, 9, 1),
        dt.date(2026, 3, 1),
    ]


@pytest.mark.parametrize(("interval", "horizon"), [(0, 5), (3, 0), (-1, 5)])
def test_nonsense_settings_are_refused(interval: int, horizon: int) -> None:
    with pytest.raises(ValueError, match="at least"):
        checkup_due_dates(dt.date(2024, 1, 1), interval_months=interval, horizon_years=horizon)


def test_leap_day_anniversary_falls_on_the_28th() -> None:
    assert add_years(dt.date(2024, 2, 29), 1) == dt.date(2025, 2, 28)


@given(
    start=st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2090, 12, 31)),
    interval=st.integers(min_value=1, max_value=24),
    horizon=st.integers(min_value=1, max_value=10),
)
def test_dates_are_increasing_within_the_horizon(start: dt.date, interval: int, horizon: int) -> None:
    dates = checkup_due_dates(start, interval_months=interval, horizon_years=horizon)
    assert len(dates) == (12 * horizon) // interval
    assert all(a < b for a, b in itertools.pairwise(dates))
    # An interval longer than the horizon schedules nothing; otherwise every date lies within it.
    assert all(start < d <= add_years(start, horizon) for d in dates)
    assert all(d.day <= start.day for d in dates)


@given(day=st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2090, 12, 31)), months=st.integers(0, 120))
def test_add_months_moves_by_whole_months(day: dt.date, months: int) -> None:
    moved = add_months(day, months)
    assert (moved.year * 12 + moved.month) - (day.year * 12 + day.month) == months
    assert moved.day == day.day or moved.day < day.day
