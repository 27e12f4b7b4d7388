"""Seed stage "checkins": recovery capital check-ins over the history of every engagement that exists.

Works with whatever engagements earlier stages made (it queries them). Each engagement follows one
trajectory: steady improvement, improvement with setbacks, flat, or lost to follow-up after a few
check-ins. Check-ins come about quarterly from a week after the start until the engagement closed or
--today. Answers are spread over the ten items so that they add up to the score. Rows go in through
bulk_create: no change history or access events for generated check-ins.
"""

from __future__ import annotations

import datetime as dt
import json

from peerway.core.seed.context import SeedContext, SeedError
from peerway.recovery.instruments.engine import threshold_for
from peerway.recovery.models import CheckIn, CheckInSource, Engagement, Instrument
from peerway.recovery.services.checkins import PEERWAY_CHECKIN_FILE

TRAJECTORIES = (("improving", 40), ("setbacks", 25), ("flat", 15), ("lost", 20))
FIRST_CHECKIN_DAYS = 7
INTERVAL_DAYS = 91
INTERVAL_JITTER_DAYS = 20
STAFF_ENTRY_SHARE = 0.3
CHUNK = 5_000


def checkins_seed(ctx: SeedContext) -> None:
    source = json.loads(PEERWAY_CHECKIN_FILE.read_text())
    instrument = Instrument.objects.filter(organization=None, url=source["url"], version=source["version"]).first()
    if instrument is None:
        raise SeedError("Peerway's check-in instrument is missing: run `peerway migrate` first.")
    definition = instrument.definition
    link_ids = [item.link_id for item in definition.items]
    low, high = definition.scoring.minimum, definition.scoring.maximum
    engagements = Engagement.objects.order_by("pk").values_list(
        "pk", "participant_id", "started_at", "ended_at", "peer__user_id"
    )
    names, weights = zip(*TRAJECTORIES, strict=True)
    pending: list[CheckIn] = []
    for engagement_id, participant_id, started_at, ended_at, peer_user_id in engagements.iterator():
        rng = ctx.rng
        trajectory = rng.choices(names, weights)[0]
        end = min(ended_at or ctx.anchor, ctx.anchor)
        moment = started_at + dt.timedelta(days=FIRST_CHECKIN_DAYS, hours=rng.randint(0, 10))
        # Most people start low to middling; some reach out with a good deal of recovery capital already.
        score = round(rng.triangular(low + 6, high - 4, 32))
        count = 0
        stop_after = rng.randint(1, 3) if trajectory == "lost" else ctx.scale.checkins_per_engagement_max
        while moment < end and count < stop_after:
            staff = rng.random() < STAFF_ENTRY_SHARE
            answers = _answers(ctx, link_ids, score)
            threshold = threshold_for(definition.scoring, score)
            pending.append(
                CheckIn(
                    public_id=ctx.public_id(),
                    participant_id=participant_id,
                    engagement_id=engagement_id,
                    instrument=instrument,
                    answers_json=json.dumps(answers, sort_keys=True),
                    score=score,
                    flagged=bool(threshold and threshold.flag),
                    answered_at=moment,
                    source=CheckInSource.STAFF if staff else CheckInSource.LINK,
                    entered_by_id=peer_user_id if staff else None,
                    created_at=moment,
                    updated_at=moment,
                )
            )
            count += 1
            score = max(low, min(high, score + _step(ctx, trajectory)))
            moment += dt.timedelta(days=INTERVAL_DAYS + rng.randint(-INTERVAL_JITTER_DAYS, INTERVAL_JITTER_DAYS))
            if len(pending) >= CHUNK:
                ctx.insert(CheckIn, pending)
                pending = []
    ctx.insert(CheckIn, pending)


def _step(ctx: SeedContext, trajectory: str) -> int:
    rng = ctx.rng
    if trajectory == "improving":
        return rng.randint(0, 5)
    if trajectory == "setbacks":
        return -rng.randint(6, 12) if rng.random() < 0.25 else rng.randint(1, 5)
    return rng.randint(-2, 2)


def _answers(ctx: SeedContext, link_ids: list[str], score: int) -> dict[str, str]:
    """Values 1..6 per item adding up to ``score``: an even spread, then a few +1/-1 swaps for texture."""
    base, extra = divmod(score, len(link_ids))
    values = [base + (1 if position < extra else 0) for position in range(len(link_ids))]
    ctx.rng.shuffle(values)
    for _ in range(3):
        up, down = ctx.rng.randrange(len(values)), ctx.rng.randrange(len(values))
        if up != down and values[up] < 6 and values[down] > 1:
            values[up] += 1
            values[down] -= 1
    return {link_id: str(value) for link_id, value in zip(link_ids, values, strict=True)}
