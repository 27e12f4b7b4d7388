"""The seed's check-in stage: check-ins follow the engagements that exist, within the instrument's rules."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from peerway.core.seed import seed_run
from peerway.recovery.instruments.engine import score
from peerway.recovery.models import CheckIn, Engagement, Instrument

TODAY = dt.date(2026, 11, 23)
ANCHOR = dt.datetime(2026, 11, 23, 6, 0, tzinfo=dt.UTC)


@pytest.mark.django_db(transaction=True)
def test_seeded_check_ins_follow_engagements_and_score_as_the_instrument_says(settings: Any, tmp_path: Path) -> None:
    settings.VAR_DIR = tmp_path
    seed_run(scale="small", seed=7, today=TODAY, progress=False)
    definition = Instrument.objects.get(organization=None).definition
    checkins = list(CheckIn.objects.select_related("engagement"))
    assert checkins, "the seed made no check-ins"
    engaged = set(Engagement.objects.values_list("pk", flat=True))
    with_checkins = {c.engagement_id for c in checkins}
    assert with_checkins <= engaged
    assert len(with_checkins) > len(engaged) / 2
    for checkin in checkins:
        assert checkin.participant_id == checkin.engagement.participant_id
        assert checkin.engagement.started_at < checkin.answered_at < ANCHOR
        result = score(definition, checkin.answers)
        assert (result.score, result.flagged) == (checkin.score, checkin.flagged)
    # Several trajectories: some people reach the flagged range, some never do, some stop answering early.
    flagged = {c.engagement_id for c in checkins if c.flagged}
    assert 0 < len(flagged) < len(with_checkins)
