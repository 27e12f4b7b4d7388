"""The plan that governs an engagement's sessions (Minn. Stat. 254B.052 subd. 2, see DOMAIN.md).

Which kind of plan depends on the program: an individual recovery plan in an RCO or county, the
treatment plan in a 245G program, the stabilization plan in a 245F withdrawal management program.
An individual recovery plan must be complete within the first three sessions.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from peerway.core.models import PublicIdModel, TimestampedModel
from peerway.recovery.models.engagements import Engagement, Program

SESSIONS_ALLOWED_BEFORE_PLAN = 3


class PlanKind(models.TextChoices):
    INDIVIDUAL_RECOVERY_PLAN = "individual_recovery_plan", _("Individual recovery plan")
    TREATMENT_PLAN = "treatment_plan", _("Treatment plan (245G)")
    STABILIZATION_PLAN = "stabilization_plan", _("Stabilization plan (245F)")


PLAN_KIND_FOR_PROGRAM: dict[str, str] = {
    Program.RCO: PlanKind.INDIVIDUAL_RECOVERY_PLAN,
    Program.SUD_245G: PlanKind.TREATMENT_PLAN,
    Program.WITHDRAWAL_MANAGEMENT: PlanKind.STABILIZATION_PLAN,
}


class RecoveryPlan(PublicIdModel, TimestampedModel):
    """One plan per engagement. ``completed_at`` is set when the plan is complete enough to govern sessions;
    for a 245G or 245F program the plan lives in the program's own record and Peerway records that it exists."""

    engagement = models.OneToOneField(Engagement, on_delete=models.CASCADE, related_name="plan")
    kind = models.CharField(max_length=32, choices=PlanKind.choices)
    completed_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords()

    def __str__(self) -> str:
        return f"Plan {str(self.public_id)[:8]} ({self.kind})"

    @property
    def is_complete(self) -> bool:
        return self.completed_at is not None
