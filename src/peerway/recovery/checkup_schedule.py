"""When an engagement's recovery check-ups fall due. Pure: no Django imports (checked by mypy --strict).

Every date is computed from the engagement's start (start + k * interval), never from the previous check-up,
so a short month never shifts the rest of the schedule: an engagement that starts on 31 January has
check-ups on 30 April, 31 July, 31 October and 31 January.
"""

from __future__ import annotations

import calendar
import datetime as dt

DEFAULT_INTERVAL_MONTHS = 3
DEFAULT_HORIZON_YEARS = 5


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` moved by ``months`` calendar months, clamped to the last day of a shorter month."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def add_years(day: dt.date, years: int) -> dt.date:
    """``day`` moved by ``years`` years; 29 February becomes 28 February in a common year."""
    return add_months(day, 12 * years)


def checkup_due_dates(
    start: dt.date,
    *,
    interval_months: int = DEFAULT_INTERVAL_MONTHS,
    horizon_years: int = DEFAULT_HORIZON_YEARS,
) -> list[dt.date]:
    """The due dates, one every ``interval_months`` after ``start`` up to and including ``horizon_years``.

    Quarterly for five years gives 20 dates, the last one on the fifth anniversary of the start.
    """
    if interval_months < 1:
        raise ValueError("The interval between check-ups is at least one month.")
    if horizon_years < 1:
        raise ValueError("Check-ups are scheduled for at least one year.")
    total_months = 12 * horizon_years
    return [add_months(start, months) for months in range(interval_months, total_months + 1, interval_months)]
