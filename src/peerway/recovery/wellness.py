"""Sustained wellness: the rule written down in docs/outcomes.md. Pure: no Django imports (mypy --strict).

A person is in **sustained wellness** at a milestone (1, 3 or 5 years after an engagement started) when,
looking only at what was known when the milestone is decided (what was recorded by then, dated by the day it
was recorded):

1. the last two check-ups that fell due by the milestone were both reached, and recorded as reached;
2. no check-up recorded in the 12 months up to the milestone found the person in crisis or led to a re-link
   (struggling or wanting to re-connect);
3. the most recent recovery capital score recorded is at or above 47 (the range associated with sustained
   remission; see docs/outcomes.md).

A milestone is decided ``DECIDED_AFTER_DAYS`` days after its date: the quarterly schedule puts a check-up on every
milestone, and a check-up is often reached some days after it falls due. Until then the milestone is "not yet";
from then on nothing recorded later changes it. A check-up that fell due and was not recorded by the decision
counts as not reached (loss to follow-up), even when it is recorded later; cancelled check-ups do not count.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from peerway.recovery.checkup_schedule import add_years

MILESTONE_YEARS = (1, 3, 5)
RECOVERY_CAPITAL_THRESHOLD = 47
LOOKBACK_DAYS = 365
# How long after a milestone a check-up that fell due by it may still be recorded and count: the milestone is
# decided then, and never changes afterwards.
DECIDED_AFTER_DAYS = 30
CHECKUPS_REACHED_NEEDED = 2

# Wellbeing values (the same strings as recovery.models.Wellbeing).
DOING_WELL = "doing_well"
STRUGGLING = "struggling"
WANTS_RECONNECT = "wants_reconnect"
IN_CRISIS = "in_crisis"
SETBACK_WELLBEING = frozenset({STRUGGLING, WANTS_RECONNECT, IN_CRISIS})


class WellnessStatus(StrEnum):
    SUSTAINED = "sustained"
    NOT_SUSTAINED = "not_sustained"
    NOT_YET = "not_yet"


class Reason(StrEnum):
    """Why a milestone is not sustained wellness; several can apply at once."""

    TOO_FEW_CHECKUPS = "too_few_checkups"
    NOT_REACHED = "not_reached"
    RECENT_SETBACK = "recent_setback"
    NO_SCORE = "no_score"
    LOW_SCORE = "low_score"


@dataclass(frozen=True)
class CheckupFact:
    """What the rule needs to know about one check-up.

    ``reached`` is None while the check-up has not been recorded; ``recorded_on`` is the day it was recorded
    (in the organization's time zone), None while it has not been: a check-up without it is never known to
    have been reached. ``wellbeing`` is one of the strings above (or "" when not reached);
    ``recovery_capital`` is the score taken at it, if any.
    """

    due_on: dt.date
    reached: bool | None = None
    wellbeing: str = ""
    recovery_capital: int | None = None
    recorded_on: dt.date | None = None

    def known_on(self, day: dt.date) -> bool:
        """Whether what this check-up found had been recorded by the end of ``day``."""
        return self.recorded_on is not None and self.recorded_on <= day


@dataclass(frozen=True)
class MilestoneResult:
    years: int
    on: dt.date
    status: WellnessStatus
    reasons: tuple[Reason, ...] = ()
    latest_score: int | None = None


def wellness_at(facts: Iterable[CheckupFact], *, milestone: dt.date, today: dt.date) -> MilestoneResult:
    """The status on ``milestone`` from what was known when it was decided, ``DECIDED_AFTER_DAYS`` days after it
    (years is left 0; see ``wellness_milestones``)."""
    decided_on = milestone + dt.timedelta(days=DECIDED_AFTER_DAYS)
    if decided_on > today:
        return MilestoneResult(years=0, on=milestone, status=WellnessStatus.NOT_YET)
    facts = list(facts)
    fell_due = sorted((fact for fact in facts if fact.due_on <= milestone), key=lambda fact: fact.due_on)
    # What a check-up found counts from the day it was recorded, if that was by the decision, and only about the
    # time up to the milestone: a check-up due after it counts only if it was recorded (early) by the milestone.
    found = sorted(
        (
            fact
            for fact in facts
            if fact.reached and fact.known_on(decided_on) and (fact.due_on <= milestone or fact.known_on(milestone))
        ),
        key=lambda fact: (fact.recorded_on, fact.due_on),
    )
    reasons: list[Reason] = []
    last = fell_due[-CHECKUPS_REACHED_NEEDED:]
    if len(last) < CHECKUPS_REACHED_NEEDED:
        reasons.append(Reason.TOO_FEW_CHECKUPS)
    elif not all(fact.reached and fact.known_on(decided_on) for fact in last):
        reasons.append(Reason.NOT_REACHED)
    since = milestone - dt.timedelta(days=LOOKBACK_DAYS)
    # Found in the 365 days up to the milestone (or recorded late, by the decision): not yet a year before it.
    if any(fact.wellbeing in SETBACK_WELLBEING and not fact.known_on(since) for fact in found):
        reasons.append(Reason.RECENT_SETBACK)
    scores = [fact.recovery_capital for fact in found if fact.recovery_capital is not None]
    latest = scores[-1] if scores else None
    if latest is None:
        reasons.append(Reason.NO_SCORE)
    elif latest < RECOVERY_CAPITAL_THRESHOLD:
        reasons.append(Reason.LOW_SCORE)
    status = WellnessStatus.NOT_SUSTAINED if reasons else WellnessStatus.SUSTAINED
    return MilestoneResult(years=0, on=milestone, status=status, reasons=tuple(reasons), latest_score=latest)


def wellness_milestones(
    facts: Sequence[CheckupFact], *, start: dt.date, today: dt.date, years: Iterable[int] = MILESTONE_YEARS
) -> list[MilestoneResult]:
    """The status at each milestone after ``start`` (1, 3 and 5 years by default)."""
    results = []
    for count in years:
        result = wellness_at(facts, milestone=add_years(start, count), today=today)
        results.append(
            MilestoneResult(
                years=count,
                on=result.on,
                status=result.status,
                reasons=result.reasons,
                latest_score=result.latest_score,
            )
        )
    return results
