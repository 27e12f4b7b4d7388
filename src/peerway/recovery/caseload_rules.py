"""What makes a person on a caseload due or overdue, as data and plain functions (no Django; mypy --strict).

The rules (docs/caseload.md):

- **Contact**, for engagements in active support only: due when the last contact (or, with none yet, the
  start or re-opening of the engagement) is ``CONTACT_DUE_DAYS`` days old or more, overdue at
  ``CONTACT_OVERDUE_DAYS``. In the check-up phase the schedule of check-ups replaces regular contact.
- **Check-up**, for every engagement with a scheduled check-up: due when the next one falls within
  ``CHECKUP_DUE_SOON_DAYS`` days (today included), overdue once its date has passed.
- **Plan**: the rule of peerway.recovery.plan_rule ("at risk" at two sessions without a complete plan,
  "plan missing" past three).
- **Recovery capital trend**: the last two scores, their direction, and a flag at 47 or above.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from enum import IntEnum, StrEnum

from peerway.recovery.plan_rule import plan_compliance

CONTACT_DUE_DAYS = 14
CONTACT_OVERDUE_DAYS = 30
CHECKUP_DUE_SOON_DAYS = 7
RECOVERY_CAPITAL_FLAG = 47


class Urgency(IntEnum):
    """Lower is more urgent, so rows sort by it."""

    OVERDUE = 0
    DUE = 1
    OK = 2


class PlanState(StrEnum):
    OK = "ok"
    AT_RISK = "at_risk"
    MISSING = "missing"


class Direction(StrEnum):
    UP = "up"
    DOWN = "down"
    SAME = "same"
    NONE = "none"  # fewer than two scores


@dataclass(frozen=True)
class Trend:
    latest: int | None
    previous: int | None
    direction: Direction
    flagged: bool  # the latest score is at or above RECOVERY_CAPITAL_FLAG


def contact_urgency(
    *, active: bool, last_contact_on: dt.date | None, started_on: dt.date, today: dt.date
) -> tuple[Urgency, int]:
    """The contact urgency of an engagement and the days since the last contact (or the start)."""
    since = last_contact_on or started_on
    days = (today - since).days
    if not active:
        return Urgency.OK, days
    if days >= CONTACT_OVERDUE_DAYS:
        return Urgency.OVERDUE, days
    if days >= CONTACT_DUE_DAYS:
        return Urgency.DUE, days
    return Urgency.OK, days


def checkup_urgency(*, next_due_on: dt.date | None, today: dt.date) -> Urgency:
    if next_due_on is None:
        return Urgency.OK
    if next_due_on < today:
        return Urgency.OVERDUE
    if (next_due_on - today).days <= CHECKUP_DUE_SOON_DAYS:
        return Urgency.DUE
    return Urgency.OK


def plan_state(*, sessions_done: int, plan_complete: bool) -> PlanState:
    compliance = plan_compliance(sessions_done=sessions_done, plan_complete=plan_complete)
    if not compliance.compliant:
        return PlanState.MISSING
    if compliance.at_risk:
        return PlanState.AT_RISK
    return PlanState.OK


def recovery_capital_trend(scores: Sequence[tuple[dt.datetime, int]]) -> Trend:
    """The trend of the two most recent of ``scores`` (when, score), in any order."""
    recent = sorted(scores, key=lambda item: item[0], reverse=True)[:2]
    if not recent:
        return Trend(latest=None, previous=None, direction=Direction.NONE, flagged=False)
    latest = recent[0][1]
    flagged = latest >= RECOVERY_CAPITAL_FLAG
    if len(recent) == 1:
        return Trend(latest=latest, previous=None, direction=Direction.NONE, flagged=flagged)
    previous = recent[1][1]
    if latest > previous:
        direction = Direction.UP
    elif latest < previous:
        direction = Direction.DOWN
    else:
        direction = Direction.SAME
    return Trend(latest=latest, previous=previous, direction=direction, flagged=flagged)


def sort_key(*, contact: Urgency, checkup: Urgency, plan: PlanState, days_since_contact: int) -> tuple[int, int, int]:
    """Most urgent first: the worse of the two urgencies, then a plan problem, then the longest without contact."""
    plan_rank = 0 if plan is PlanState.MISSING else 1 if plan is PlanState.AT_RISK else 2
    return (min(contact, checkup), plan_rank, -days_since_contact)
