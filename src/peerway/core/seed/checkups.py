"""Seed stage "checkups": each engagement's check-up schedule, and what the check-ups already due found.

Works over whatever engagements the earlier stages made (queried, oldest first), so it copes with a run
that has a few recent engagements as well as one with five years of them. Each engagement follows one
trajectory, drawn from the stage's own random source:

- **steady** — mostly reached and doing well, recovery capital rising slowly;
- **setback** — as steady, until one check-up finds the person struggling or wanting to re-connect
  (re-linked by a request or a referral to treatment) or, now and then, in crisis; then recovery again;
- **lost** — reached at the first few check-ups, then not reached any more (loss to follow-up).

Check-ups due before --today are recorded (a few days after they fell due, never after the anchor); the rest
stay scheduled; a closed engagement's check-ups after its end are cancelled. Next steps are short invented
phrases. A re-link by a request gets the priority request checkup_record makes (relinks.py), with its offers
and outcome; an accepted one begins a new engagement of the same person, whose check-ups are scheduled and
recorded the same way (and may re-link again), and closes the engagement it came from, whose check-ups from then
on are cancelled: a person is in one open engagement of a re-link chain at a time. A re-link to treatment records
its kind only: the live service writes no referral with the check-up (staff choose the treatment resource next,
on the referrals page).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass

from peerway.core.seed.context import SeedContext
from peerway.core.seed.relinks import RelinkAsked, RelinkBegun, RelinkPlanner
from peerway.recovery.checkup_schedule import checkup_due_dates
from peerway.recovery.models import (
    RECOVERY_CAPITAL_MAX,
    RECOVERY_CAPITAL_MIN,
    Checkup,
    CheckupStatus,
    Engagement,
    EngagementStatus,
    RelinkKind,
    Wellbeing,
)

CHUNK = 5_000
# A check-up falls due at least this many days per month of the interval after its engagement began.
RELINK_WINDOW_DAYS_PER_MONTH = 27
TRAJECTORIES = (("steady", 55), ("setback", 30), ("lost", 15))
REACHED_SHARE = 0.85
SCORE_TAKEN_SHARE = 0.6
CRISIS_SHARE_OF_SETBACKS = 0.12
TREATMENT_SHARE_OF_RELINKS = 0.3
NEXT_STEPS = (
    "Call again after the new job starts.",
    "Check in about the housing application.",
    "Bring the meeting list next time.",
    "Talk about the family visit at the next check-up.",
    "Follow up on the clinic appointment.",
    "Keep going to the Tuesday group.",
)
SETBACK_STEPS = (
    "Re-connected with a peer this week.",
    "Went over the plan again together.",
    "Treatment intake booked.",
)


@dataclass(frozen=True)
class _Engagement:
    pk: int
    started_at: dt.datetime
    ended_at: dt.datetime | None
    status: str
    recorder_id: int
    zone: str
    interval_months: int
    horizon_years: int
    participant_id: int
    organization_id: int
    peer_id: int
    checkup_since: dt.datetime | None
    help_request_id: int | None
    # When the person's next engagement at the organization began, if one did (relinks.py).
    until: dt.datetime | None = None


def checkups_seed(ctx: SeedContext) -> None:
    """Create check-up schedules for every engagement, recording the check-ups already due, and the requests
    of the re-links they record with the engagements those began (and their check-ups, in turn)."""
    engagements = [
        _Engagement(*row)
        for row in Engagement.objects.order_by("pk").values_list(
            "pk",
            "started_at",
            "ended_at",
            "status",
            "peer__user_id",
            "organization__timezone",
            "organization__checkup_interval_months",
            "organization__checkup_horizon_years",
            "participant_id",
            "organization_id",
            "peer_id",
            "checkup_since",
            "help_request_id",
        )
    ]
    engagements = _with_next_starts(engagements)
    # A re-link's engagement is in the organization of the engagement whose check-up re-linked the person.
    schedule_settings = {e.organization_id: (e.zone, e.interval_months, e.horizon_years) for e in engagements}
    with ctx.progress_bar("check-ups", len(engagements)) as bar:
        waiting = sorted(_schedules_insert(ctx, engagements, bar.update), key=_asked_order)
    if not waiting:
        return
    planner = RelinkPlanner(ctx)
    # Re-links are planned oldest first, a window at a time: an engagement a window's re-links began re-links no
    # sooner than its first check-up, after the window. So each accept sees every caseload as it was then.
    window = dt.timedelta(
        days=RELINK_WINDOW_DAYS_PER_MONTH * min(interval for _, interval, _ in schedule_settings.values())
    )
    while waiting:
        until = _asked_order(waiting[0])[0] + window
        count = next((index for index, item in enumerate(waiting) if _asked_order(item)[0] >= until), len(waiting))
        batch, waiting = waiting[:count], waiting[count:]
        relinked = [_relinked(begun, schedule_settings) for begun in planner.run(batch)]
        waiting = sorted([*waiting, *_schedules_insert(ctx, relinked, lambda _: None)], key=_asked_order)


def _with_next_starts(engagements: list[_Engagement]) -> list[_Engagement]:
    """``engagements`` with, on each, the start of the same person's next one at the organization, if any."""
    by_person: dict[tuple[int, int], list[_Engagement]] = {}
    for engagement in engagements:
        by_person.setdefault((engagement.participant_id, engagement.organization_id), []).append(engagement)
    until: dict[int, dt.datetime] = {}
    for theirs in by_person.values():
        theirs.sort(key=lambda engagement: (engagement.started_at, engagement.pk))
        for earlier, later in itertools.pairwise(theirs):
            until[earlier.pk] = later.started_at
    return [dataclasses.replace(engagement, until=until.get(engagement.pk)) for engagement in engagements]


def _relinked(begun: RelinkBegun, schedule_settings: dict[int, tuple[str, int, int]]) -> _Engagement:
    """The engagement a re-link's accept began, to schedule; the person's next engagement is its predecessor's."""
    engagement = begun.engagement
    return _Engagement(
        engagement.pk,
        engagement.started_at,
        engagement.ended_at,
        engagement.status,
        begun.recorder_id,
        *schedule_settings[engagement.organization_id],
        engagement.participant_id,
        engagement.organization_id,
        engagement.peer_id,
        engagement.checkup_since,
        engagement.help_request_id,
        begun.until,
    )


def _asked_order(item: RelinkAsked) -> tuple[dt.datetime, int, int]:
    assert item.checkup.recorded_at is not None
    return item.checkup.recorded_at, item.checkup.engagement_id, item.checkup.sequence


def _schedules_insert(
    ctx: SeedContext, engagements: list[_Engagement], done: Callable[[int], object]
) -> list[RelinkAsked]:
    """Insert the schedules of ``engagements``, but for the check-ups that re-link by a request: those are
    returned, to be inserted with their requests."""
    pending: list[Checkup] = []
    asked: list[RelinkAsked] = []
    for engagement in engagements:
        for checkup in _schedule(ctx, engagement):
            if checkup.relink_kind == RelinkKind.REQUEST:
                asked.append(
                    RelinkAsked(
                        checkup=checkup,
                        participant_id=engagement.participant_id,
                        organization_id=engagement.organization_id,
                        peer_id=engagement.peer_id,
                        recorder_id=engagement.recorder_id,
                        ended_at=engagement.ended_at,
                        checkup_since=engagement.checkup_since,
                        help_request_id=engagement.help_request_id,
                        until=engagement.until,
                    )
                )
            else:
                pending.append(checkup)
        if len(pending) >= CHUNK:
            ctx.insert(Checkup, pending)
            pending = []
        done(1)
    ctx.insert(Checkup, pending)
    return asked


def _schedule(ctx: SeedContext, engagement: _Engagement) -> list[Checkup]:
    rng = ctx.rng
    zone = zoneinfo.ZoneInfo(engagement.zone)
    start = engagement.started_at.astimezone(zone).date()
    dates = checkup_due_dates(start, interval_months=engagement.interval_months, horizon_years=engagement.horizon_years)
    trajectory = rng.choices([name for name, _ in TRAJECTORIES], [weight for _, weight in TRAJECTORIES])[0]
    setback_at = rng.randrange(1, max(2, min(len(dates), 12))) if trajectory == "setback" else -1
    lost_after = rng.randrange(0, 4) if trajectory == "lost" else len(dates)
    score = rng.randint(28, 44)
    ended_on = engagement.ended_at.astimezone(zone).date() if engagement.ended_at else None
    closed = engagement.status == EngagementStatus.CLOSED
    checkups = []
    for index, due_on in enumerate(dates):
        checkup = Checkup(
            public_id=ctx.public_id(),
            engagement_id=engagement.pk,
            sequence=index + 1,
            due_on=due_on,
            created_at=engagement.started_at,
            updated_at=engagement.started_at,
        )
        recorded_at = dt.datetime.combine(
            due_on + dt.timedelta(days=rng.randint(0, 9)), dt.time(rng.randint(9, 17), rng.randint(0, 59)), zone
        ).astimezone(dt.UTC)
        if closed and ended_on is not None and due_on >= ended_on:
            checkup.status = CheckupStatus.CANCELLED
            checkup.cancelled_at = checkup.updated_at = engagement.ended_at
        elif recorded_at <= ctx.anchor and due_on < ctx.today:
            score = _record(ctx, checkup, index, recorded_at, engagement, score, setback_at, lost_after)
        checkups.append(checkup)
    return checkups


def _record(
    ctx: SeedContext,
    checkup: Checkup,
    index: int,
    recorded_at: dt.datetime,
    engagement: _Engagement,
    score: int,
    setback_at: int,
    lost_after: int,
) -> int:
    """Fill in a recorded check-up; returns the person's recovery capital after it."""
    rng = ctx.rng
    checkup.status = CheckupStatus.RECORDED
    checkup.recorded_at = checkup.updated_at = recorded_at
    checkup.recorded_by_id = engagement.recorder_id
    reached = index < lost_after and (index == setback_at or rng.random() < REACHED_SHARE)
    checkup.reached = reached
    if not reached:
        checkup.next_steps = "Left a message; try again next week." if rng.random() < 0.5 else ""
        return score
    if index == setback_at:
        score = max(RECOVERY_CAPITAL_MIN, score - rng.randint(8, 15))
        if rng.random() < CRISIS_SHARE_OF_SETBACKS:
            checkup.wellbeing = Wellbeing.IN_CRISIS
            checkup.supervisors_alerted_at = recorded_at
        else:
            checkup.wellbeing = rng.choice((Wellbeing.STRUGGLING, Wellbeing.WANTS_RECONNECT))
            checkup.relink_kind = (
                RelinkKind.TREATMENT_REFERRAL if rng.random() < TREATMENT_SHARE_OF_RELINKS else RelinkKind.REQUEST
            )
        checkup.next_steps = rng.choice(SETBACK_STEPS)
    else:
        score = min(RECOVERY_CAPITAL_MAX, max(RECOVERY_CAPITAL_MIN, score + rng.randint(-2, 4)))
        checkup.wellbeing = Wellbeing.DOING_WELL if score >= 35 or rng.random() < 0.7 else Wellbeing.STRUGGLING
        if checkup.wellbeing == Wellbeing.STRUGGLING:
            checkup.relink_kind = RelinkKind.REQUEST
        checkup.next_steps = rng.choice(NEXT_STEPS) if rng.random() < 0.6 else ""
    if index == setback_at or rng.random() < SCORE_TAKEN_SHARE:
        checkup.recovery_capital = score
    return score
