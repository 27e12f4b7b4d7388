"""Closed-loop referrals: a peer refers the person in an engagement to a community resource and follows up.

Lifecycle: sent → acknowledged → completed, or declined (from sent or acknowledged). Transitions happen
only through peerway.recovery.services.referrals; every change is kept in the history.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition
from simple_history.models import HistoricalRecords

from peerway.core.models import PublicIdModel, TimestampedModel
from peerway.privacy.fields import EncryptedTextField
from peerway.recovery.models.engagements import Engagement


class ReferralStatus(models.TextChoices):
    SENT = "sent", _("Sent")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    COMPLETED = "completed", _("Completed")
    DECLINED = "declined", _("Declined")


OPEN_REFERRAL_STATUSES = (ReferralStatus.SENT, ReferralStatus.ACKNOWLEDGED)


class Referral(PublicIdModel, TimestampedModel):
    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="referrals")
    resource = models.ForeignKey("resources.Resource", on_delete=models.PROTECT, related_name="referrals")
    status = FSMField(default=ReferralStatus.SENT, choices=ReferralStatus.choices, protected=True)
    # Why the person was referred, in the peer's words (personal: encrypted).
    note = EncryptedTextField(null=True, blank=True)
    # What came of it (personal: encrypted).
    outcome_note = EncryptedTextField(null=True, blank=True)
    sent_at = models.DateTimeField()
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    follow_up_on = models.DateField(null=True, blank=True)
    # Set when the worker emailed the peer about this follow-up date; cleared when the date changes.
    reminder_sent_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["-sent_at", "-id"]
        indexes = [models.Index(fields=["status", "follow_up_on"])]

    def __str__(self) -> str:
        return f"Referral {str(self.public_id)[:8]} ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_REFERRAL_STATUSES

    @transition(field=status, source=ReferralStatus.SENT, target=ReferralStatus.ACKNOWLEDGED)
    def acknowledge(self) -> None:
        pass

    @transition(field=status, source=ReferralStatus.ACKNOWLEDGED, target=ReferralStatus.COMPLETED)
    def complete(self) -> None:
        pass

    @transition(field=status, source=[ReferralStatus.SENT, ReferralStatus.ACKNOWLEDGED], target=ReferralStatus.DECLINED)
    def decline(self) -> None:
        pass
