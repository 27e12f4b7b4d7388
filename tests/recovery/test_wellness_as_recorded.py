"""Sustained wellness on the check-up page (docs/outcomes.md): what a check-up found counts from the day it was
recorded, in the organization's time zone, not from the day it fell due; a milestone is decided 30 days after its
date and never changes afterwards."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import time_machine

from peerway.recovery.models import Checkup, CheckupStatus
from peerway.recovery.selectors.checkups import checkup_page_for_user
from peerway.recovery.wellness import Reason, WellnessStatus
from tests.helpers import Cast
from tests.recovery.checkups_support import engagement_for

CHICAGO = zoneinfo.ZoneInfo("America/Chicago")


def _at(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(12), tzinfo=CHICAGO)


def test_a_crisis_found_ten_months_before_the_milestone_is_a_recent_setback(cast: Cast) -> None:
    """docs/outcomes.md: sustained wellness needs "no reached check-up found them struggling, wanting to re-connect
    or in crisis in the 365 days up to the milestone".

    The check-up due on 10 October 2024 was overdue; the peer reached the person on 1 February 2025 and found them
    in crisis. That is 11 months before the 3-year milestone of 10 January 2026, so the milestone is not sustained
    wellness, however well the later check-ups went."""
    engagement = engagement_for(cast.org, started_at=_at(dt.date(2023, 1, 10)))
    sam = cast.sam

    def checkup(sequence: int, due_on: dt.date, recorded_on: dt.date, wellbeing: str, score: int | None) -> None:
        Checkup.objects.create(
            engagement=engagement,
            sequence=sequence,
            due_on=due_on,
            status=CheckupStatus.RECORDED,
            recorded_at=_at(recorded_on),
            recorded_by=sam,
            reached=True,
            wellbeing=wellbeing,
            recovery_capital=score,
        )

    checkup(7, dt.date(2024, 10, 10), dt.date(2025, 2, 1), "in_crisis", 20)  # late: found in crisis in February
    checkup(8, dt.date(2025, 1, 10), dt.date(2025, 2, 15), "doing_well", 40)
    checkup(9, dt.date(2025, 4, 10), dt.date(2025, 4, 10), "doing_well", 45)
    checkup(10, dt.date(2025, 7, 10), dt.date(2025, 7, 10), "doing_well", 48)
    checkup(11, dt.date(2025, 10, 10), dt.date(2025, 10, 10), "doing_well", 50)
    checkup(12, dt.date(2026, 1, 10), dt.date(2026, 1, 10), "doing_well", 52)

    with time_machine.travel(_at(dt.date(2026, 3, 1)), tick=False):
        page = checkup_page_for_user(sam, engagement.public_id)
    three_years = next(result for result in page.wellness if result.years == 3)
    assert three_years.on == dt.date(2026, 1, 10)
    assert three_years.status is WellnessStatus.NOT_SUSTAINED, (
        "a crisis found on 2025-02-01 is within the 365 days up to 2026-01-10"
    )
    assert Reason.RECENT_SETBACK in three_years.reasons


def test_a_check_up_recorded_after_the_milestone_was_decided_does_not_change_it(cast: Cast) -> None:
    """docs/outcomes.md: a milestone is decided 30 days after its date, from what was known then. On the 1-year
    milestone (10 January 2026) the check-up due that day had not been recorded by the decision (9 February): it
    counts as not reached. Recorded on 20 February, it must not turn a decided result into sustained wellness."""
    engagement = engagement_for(cast.org, started_at=_at(dt.date(2025, 1, 10)))
    for sequence, due_on, recorded_on in (
        (1, dt.date(2025, 4, 10), dt.date(2025, 4, 10)),
        (2, dt.date(2025, 7, 10), dt.date(2025, 7, 10)),
        (3, dt.date(2025, 10, 10), dt.date(2025, 10, 10)),
        (4, dt.date(2026, 1, 10), dt.date(2026, 1, 31)),
    ):
        Checkup.objects.create(
            engagement=engagement,
            sequence=sequence,
            due_on=due_on,
            status=CheckupStatus.RECORDED,
            recorded_at=_at(recorded_on),
            recorded_by=cast.sam,
            reached=True,
            wellbeing="doing_well",
            recovery_capital=50,
        )
    last = Checkup.objects.get(engagement=engagement, sequence=4)
    Checkup.objects.filter(pk=last.pk).update(
        status=CheckupStatus.SCHEDULED,
        recorded_at=None,
        recorded_by=None,
        reached=None,
        wellbeing="",
        recovery_capital=None,
    )
    with time_machine.travel(_at(dt.date(2026, 2, 1)), tick=False):
        undecided = checkup_page_for_user(cast.sam, engagement.public_id).wellness[0]
    assert (undecided.years, undecided.status) == (1, WellnessStatus.NOT_YET)  # the check-up may still be recorded
    with time_machine.travel(_at(dt.date(2026, 2, 10)), tick=False):
        on_the_day = checkup_page_for_user(cast.sam, engagement.public_id).wellness[0]
    assert (on_the_day.years, on_the_day.status) == (1, WellnessStatus.NOT_SUSTAINED)
    assert Reason.NOT_REACHED in on_the_day.reasons
    # Recorded after the milestone was decided.
    Checkup.objects.filter(pk=last.pk).update(
        status=CheckupStatus.RECORDED,
        recorded_at=_at(dt.date(2026, 2, 20)),
        recorded_by=cast.sam,
        reached=True,
        wellbeing="doing_well",
        recovery_capital=50,
    )
    with time_machine.travel(_at(dt.date(2026, 3, 1)), tick=False):
        later = checkup_page_for_user(cast.sam, engagement.public_id).wellness[0]
    assert (later.status, later.reasons) == (on_the_day.status, on_the_day.reasons)


def test_a_check_up_recorded_late_on_the_evening_of_the_decision_counts(cast: Cast) -> None:
    """The day a check-up was recorded is the organization's (Chicago here): 10 p.m. on the last day before the
    1-year milestone is decided (9 February) is 4 a.m. the next day in UTC, and the check-up still counts."""
    engagement = engagement_for(cast.org, started_at=_at(dt.date(2025, 1, 10)))
    evening = dt.datetime.combine(dt.date(2026, 2, 9), dt.time(22), tzinfo=CHICAGO)
    assert evening.astimezone(dt.UTC).date() == dt.date(2026, 2, 10)
    for sequence, due_on, recorded_at in (
        (3, dt.date(2025, 10, 10), _at(dt.date(2025, 10, 10))),
        (4, dt.date(2026, 1, 10), evening),
    ):
        Checkup.objects.create(
            engagement=engagement,
            sequence=sequence,
            due_on=due_on,
            status=CheckupStatus.RECORDED,
            recorded_at=recorded_at,
            recorded_by=cast.sam,
            reached=True,
            wellbeing="doing_well",
            recovery_capital=50,
        )
    with time_machine.travel(_at(dt.date(2026, 3, 1)), tick=False):
        one_year = checkup_page_for_user(cast.sam, engagement.public_id).wellness[0]
    assert (one_year.years, one_year.status, one_year.reasons) == (1, WellnessStatus.SUSTAINED, ())
