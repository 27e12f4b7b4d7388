"""The plan that governs an engagement's sessions (Minn. Stat. 254B.052 subd. 2, see DOMAIN.md).

Which kind of plan depends on the program: an individual recovery plan in an RCO or county, the
treatment plan in a 245G program, the stabilization plan in a 245F withdrawal management program.
An individual recovery plan must be complete within the first three sessions.
"""

from __future__ import annotations

from django.conf import settings
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
    # 245G/245F: the treatment or stabilization plan is kept in the program's record; Peerway notes that
    # it exists and on which date it was written.
    program_plan_recorded = models.BooleanField(default=False)
    program_plan_date = models.DateField(null=True, blank=True)

    history = HistoricalRecords()

    def __str__(self) -> str:
        return f"Plan {str(self.public_id)[:8]} ({self.kind})"

    @property
    def is_complete(self) -> bool:
        return self.completed_at is not None

    @property
    def lives_in_program_record(self) -> bool:
        """True for 245G treatment plans and 245F stabilization plans."""
        return self.kind != PlanKind.INDIVIDUAL_RECOVERY_PLAN


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


class PlanStep(PublicIdModel, TimestampedModel):
    """One step towards a goal, with who helps (people or resources, free text). Both encrypted."""

    goal = models.ForeignKey(PlanGoal, on_delete=models.CASCADE, related_name="steps")
    description = EncryptedTextField()
    who_helps = EncryptedTextField(null=True, blank=True)
    target_date = models.DateField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    history = HistoricalRecords()

    class Meta:
        ordering = ["position", "created_at"]

    def __str__(self) -> str:
        return f"Step {str(self.public_id)[:8]}"


class ProgressNote(PublicIdModel, TimestampedModel):
    """A dated note on how the plan is going, optionally about one goal. The text is encrypted."""

    plan = models.ForeignKey(RecoveryPlan, on_delete=models.CASCADE, related_name="progress_notes")
    goal = models.ForeignKey(PlanGoal, null=True, blank=True, on_delete=models.SET_NULL, related_name="progress_notes")
    noted_on = models.DateField()
    text = EncryptedTextField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["-noted_on", "-created_at"]

    def __str__(self) -> str:
        return f"Progress note {str(self.public_id)[:8]} ({self.noted_on})"
