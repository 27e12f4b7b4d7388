"""Engagements: a peer relationship with one person in one organization, lasting years, reopenable."""

from __future__ import annotations

from django.db import models
from simple_history.models import HistoricalRecords

from peerway.core.models import PublicIdModel, TimestampedModel
from peerway.recovery.models.participants import Participant


class Program(models.TextChoices):
    """Which plan governs the sessions (Minn. Stat. 254B.052) follows from the program."""

    RCO = "rco", "Recovery community organization"
    SUD_245G = "sud_245g", "Licensed SUD treatment program (245G)"
    WITHDRAWAL_MANAGEMENT = "withdrawal_mgmt", "Withdrawal management program (245F)"


class EngagementStatus(models.TextChoices):
    ACTIVE = "active", "Active support"
    CHECKUP = "checkup", "Check-up phase"
    CLOSED = "closed", "Closed"


class Engagement(PublicIdModel, TimestampedModel):
    """A peer relationship with one person in one organization; it may last years and be reopened."""

    participant = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="engagements")
    organization = models.ForeignKey("organizations.Organization", on_delete=models.PROTECT, related_name="engagements")
    peer = models.ForeignKey("workforce.PeerProfile", on_delete=models.PROTECT, related_name="engagements")
    program = models.CharField(max_length=32, choices=Program.choices)
    status = models.CharField(max_length=16, choices=EngagementStatus.choices, default=EngagementStatus.ACTIVE)
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    help_request = models.OneToOneField(
        "intake.HelpRequest", null=True, blank=True, on_delete=models.SET_NULL, related_name="engagement"
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["peer", "status"])]

    def __str__(self) -> str:
        return f"Engagement {str(self.public_id)[:8]} ({self.status})"
