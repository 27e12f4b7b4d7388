"""Recovery check-ups: a schedule per engagement for years after it starts, and what each one found.

See docs/outcomes.md. A check-up is generated as "scheduled", then recorded (reached or not) or cancelled
(the engagement closed). "Struggling" or "wants to re-connect" re-links the person: a priority first-call
request preferring their previous peer, or a referral to treatment. "In crisis" alerts the supervisors.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from peerway.core.models import PublicIdModel, TimestampedModel
from peerway.privacy.fields import EncryptedTextField
from peerway.recovery.models.engagements import Engagement

RECOVERY_CAPITAL_MIN = 10
RECOVERY_CAPITAL_MAX = 60


class CheckupStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    RECORDED = "recorded", _("Recorded")
    CANCELLED = "cancelled", _("Cancelled")


class Wellbeing(models.TextChoices):
    DOING_WELL = "doing_well", _("Doing well")
    STRUGGLING = "struggling", _("Struggling")
    WANTS_RECONNECT = "wants_reconnect", _("Wants to re-connect")
    IN_CRISIS = "in_crisis", _("In crisis")


# What the person said that re-links them with support.
RELINK_WELLBEING = frozenset({Wellbeing.STRUGGLING, Wellbeing.WANTS_RECONNECT})


class RelinkKind(models.TextChoices):
    REQUEST = "request", _("A priority request to a peer (the previous peer first)")
    TREATMENT_REFERRAL = "treatment_referral", _("A referral to treatment")


class Checkup(PublicIdModel, TimestampedModel):
    """One scheduled check-up of an engagement, and once recorded, what it found."""

    # No index of its own: the unique (engagement, sequence) constraint and the (engagement, status, due_on) index
    # below both begin with it and serve every lookup by engagement.
    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="checkups", db_index=False)
    sequence = models.PositiveSmallIntegerField(help_text="1 for the first check-up after the start, and so on.")
    due_on = models.DateField()
    status = models.CharField(max_length=16, choices=CheckupStatus.choices, default=CheckupStatus.SCHEDULED)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    recorded_at = models.DateTimeField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reached = models.BooleanField(null=True, blank=True)
    wellbeing = models.CharField(max_length=16, choices=Wellbeing.choices, blank=True)
    recovery_capital = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(RECOVERY_CAPITAL_MIN), MaxValueValidator(RECOVERY_CAPITAL_MAX)],
    )
    # Set when no score was taken on the call and the check-up carries the person's latest check-in instead, so a
    # caseload can leave that copy out of a series that already shows the check-in. A score taken on the call
    # leaves it empty, even when it happens to equal a check-in's.
    recovery_capital_checkin = models.ForeignKey(
        "recovery.CheckIn",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The check-in whose score this check-up carries, when none was taken on the call.",
    )
    next_steps = EncryptedTextField(null=True, blank=True)
    relink_kind = models.CharField(max_length=24, choices=RelinkKind.choices, blank=True)
    relink_request = models.OneToOneField(
        "intake.HelpRequest", null=True, blank=True, on_delete=models.SET_NULL, related_name="relinked_checkup"
    )
    supervisors_alerted_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["due_on", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["engagement", "sequence"], name="checkup_once_per_sequence"),
            models.CheckConstraint(
                condition=models.Q(recovery_capital__isnull=True)
                | models.Q(recovery_capital__gte=RECOVERY_CAPITAL_MIN, recovery_capital__lte=RECOVERY_CAPITAL_MAX),
                name="checkup_recovery_capital_range",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "due_on"]),
            # A caseload row's next and latest check-ups (recovery.selectors.caseload): without it SQLite, short of
            # statistics, reads them through (status, due_on), every scheduled check-up of the state per row.
            models.Index(fields=["engagement", "status", "due_on"], name="checkup_engagement_status_due"),
        ]

    def __str__(self) -> str:
        return f"Check-up {str(self.public_id)[:8]} ({self.status}, due {self.due_on})"

    @property
    def is_relink(self) -> bool:
        return bool(self.relink_kind)


class ReminderChannel(models.TextChoices):
    PEER_EMAIL = "peer_email", _("Email to the peer")
    PERSON_TEXT = "person_text", _("Text to the person")
    PERSON_EMAIL = "person_email", _("Email to the person")


class CheckupReminder(models.Model):
    """One reminder of one check-up on one channel: the unique constraint makes each one go out once."""

    checkup = models.ForeignKey(Checkup, on_delete=models.CASCADE, related_name="reminders")
    channel = models.CharField(max_length=16, choices=ReminderChannel.choices)
    sent_at = models.DateTimeField()
    # False when the channel refused (no text carrier configured): recorded, so it is not retried daily.
    delivered = models.BooleanField(default=True)

    class Meta:
        ordering = ["sent_at"]
        constraints = [models.UniqueConstraint(fields=["checkup", "channel"], name="checkup_reminder_once")]

    def __str__(self) -> str:
        return f"Reminder {self.channel} for {self.checkup}"
