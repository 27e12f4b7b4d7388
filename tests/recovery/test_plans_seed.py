"""The "plans" seed stage: plans for most engagements (most on time, some late, some missing), message threads."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from peerway.core.seed import seed_run
from peerway.recovery.models import Engagement, Message, PlanGoal, PlanStep, RecoveryPlan

TODAY = dt.date(2026, 11, 23)
ANCHOR = dt.datetime(2026, 11, 23, 6, 0, tzinfo=dt.UTC)


@pytest.mark.django_db(transaction=True)
def test_the_plans_stage(settings: Any, tmp_path: Path) -> None:
    settings.VAR_DIR = tmp_path
    seed_run(scale="small", seed=7, today=TODAY, progress=False)
    engagements = Engagement.objects.count()
    assert engagements > 20
    plans = RecoveryPlan.objects.select_related("engagement")
    assert 0.7 * engagements < plans.count() < engagements  # some are missing
    on_time = late = 0
    for plan in plans:
        assert plan.goals.exists()
        if plan.completed_at is not None:
            assert plan.completed_at <= ANCHOR
            days = (plan.completed_at - plan.engagement.started_at).days
            on_time += days <= 14
            late += days > 14
            if plan.lives_in_program_record:
                assert plan.program_plan_recorded and plan.program_plan_date
    assert on_time > late > 0
    assert PlanStep.objects.count() >= PlanGoal.objects.count()
    assert Message.objects.filter(sender="participant").exists()
    assert Message.objects.filter(sender="staff", sender_user__isnull=False).exists()
