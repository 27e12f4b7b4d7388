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
from peerway.privacy.fields import EncryptedTextField
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


class LifeArea(models.TextChoices):
    """The life areas a plan's goals fall in; the person's own words say the rest."""

    RECOVERY = "recovery", _("Recovery and substance use")
    HEALTH = "health", _("Physical and mental health")
    HOUSING = "housing", _("Housing and safety")
    RELATIONSHIPS = "relationships", _("Family and relationships")
    COMMUNITY = "community", _("Community and culture")
    WORK = "work", _("Work, school and meaningful activity")
    MONEY = "money", _("Money and benefits")
    LEGAL = "legal", _("Legal")
    SPIRITUALITY = "spirituality", _("Spirituality")
    OTHER = "other", _("Other")


class GoalStatus(models.TextChoices):
    OPEN = "open", _("Working on it")
    MET = "met", _("Met")
    SET_ASIDE = "set_aside", _("Set aside")


class PlanGoal(PublicIdModel, TimestampedModel):
    """A goal in the person's own words (encrypted). Contacts name the goals a session worked on."""

    plan = models.ForeignKey(RecoveryPlan, on_delete=models.CASCADE, related_name="goals")
    life_area = models.CharField(max_length=32, choices=LifeArea.choices)
    description = EncryptedTextField()
    target_date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=GoalStatus.choices, default=GoalStatus.OPEN)
    position = models.PositiveSmallIntegerField(default=0)

    history = HistoricalRecords()

    class Meta:
        ordering = ["position", "created_at"]

    def __str__(self) -> str:
        return f"Goal {str(self.public_id)[:8]} ({self.life_area})"
