"""Engagements: a peer relationship with one person in one organization, lasting years, reopenable.

Minn. Stat. 254B.052 (DOMAIN.md) is built in as records, not memory: the written notice that participation
is voluntary (who gave it, when), and one attestation per peer per engagement that the peer does not live
with or work for the person. The status only changes through transitions called from services.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition
from simple_history.models import HistoricalRecords

from peerway.core.models import PublicIdModel, TimestampedModel
from peerway.privacy.fields import EncryptedTextField
from peerway.recovery.models.participants import Participant

SUBJECT_ENGAGEMENT = "engagement"


class Program(models.TextChoices):
    """Which plan governs the sessions (Minn. Stat. 254B.052) follows from the program."""

    RCO = "rco", _("Recovery community organization")
    SUD_245G = "sud_245g", _("Licensed SUD treatment program (245G)")
    WITHDRAWAL_MANAGEMENT = "withdrawal_mgmt", _("Withdrawal management program (245F)")


class EngagementStatus(models.TextChoices):
    ACTIVE = "active", _("Active support")
    CHECKUP = "checkup", _("Check-up phase")
    CLOSED = "closed", _("Closed")


class Engagement(ConcurrentTransitionMixin, PublicIdModel, TimestampedModel):
    """A peer relationship with one person in one organization; it may last years and be reopened."""

    participant = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="engagements")
    organization = models.ForeignKey("organizations.Organization", on_delete=models.PROTECT, related_name="engagements")
    peer = models.ForeignKey("workforce.PeerProfile", on_delete=models.PROTECT, related_name="engagements")
    program = models.CharField(max_length=32, choices=Program.choices)
    status = FSMField(max_length=16, choices=EngagementStatus.choices, default=EngagementStatus.ACTIVE, protected=True)
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    checkup_since = models.DateTimeField(null=True, blank=True)
    reopened_at = models.DateTimeField(null=True, blank=True)
    help_request = models.OneToOneField(
        "intake.HelpRequest", null=True, blank=True, on_delete=models.SET_NULL, related_name="engagement"
    )
    # The first-call request the engagement began from, kept when ``help_request`` lets go of it (the person asked
    # for a different peer): the record's access history shows who saw that request, and the person's delete page
    # says an organization keeps a record begun from it.
    began_from_request = models.ForeignKey(
        "intake.HelpRequest", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Minn. Stat. 254B.052: participation is voluntary, with written notice to the person.
    voluntary_notice_at = models.DateTimeField(null=True, blank=True)
    voluntary_notice_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["peer", "status"])]

    def __str__(self) -> str:
        return f"Engagement {str(self.public_id)[:8]} ({self.status})"

    def clean_fields(self, exclude: object = None) -> None:
        # The status is protected and only moves through transitions; full_clean() would write it back.
        super().clean_fields(exclude={*(exclude or ()), "status"})  # type: ignore[misc]

    def clean(self) -> None:
        # Every record about a person belongs to one organization: an engagement never joins a peer's organization to
        # another organization's participant (the services check their own inputs; this is the last line).
        if self.participant_id is None or self.organization_id is None:
            return  # clean_fields has said what is missing
        if self.participant.organization_id != self.organization_id:
            raise ValidationError({"participant": _("This person's record belongs to another organization.")})

    @property
    def voluntary_notice_given(self) -> bool:
        return self.voluntary_notice_at is not None

    @property
    def required_plan_kind(self) -> str:
        from peerway.recovery.models.plans import PLAN_KIND_FOR_PROGRAM

        return PLAN_KIND_FOR_PROGRAM[self.program]

    @transition(field=status, source=EngagementStatus.ACTIVE, target=EngagementStatus.CHECKUP)
    def enter_checkup(self) -> None:
        self.checkup_since = timezone.now()

    @transition(
        field=status, source=[EngagementStatus.ACTIVE, EngagementStatus.CHECKUP], target=EngagementStatus.CLOSED
    )
    def close(self) -> None:
        self.ended_at = timezone.now()

    @transition(field=status, source=EngagementStatus.CLOSED, target=EngagementStatus.ACTIVE)
    def reopen(self) -> None:
        self.ended_at = None
        self.checkup_since = None
        self.reopened_at = timezone.now()


class PeerAttestation(PublicIdModel):
    """The peer's own statement that they do not live with or work for the person (Minn. Stat. 254B.052).

    One per peer per engagement: a peer without it cannot be handed the engagement nor record contacts.
    """

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="attestations")
    peer = models.ForeignKey("workforce.PeerProfile", on_delete=models.PROTECT, related_name="attestations")
    attested_at = models.DateTimeField(default=timezone.now)
    statement = models.TextField(
        default="I do not live with this person, and they do not employ me.",
        help_text="The wording the peer confirmed, kept as it was.",
    )

    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["engagement", "peer"], name="recovery_attestation_one_per_peer"),
        ]

    def __str__(self) -> str:
        return f"Attestation {str(self.public_id)[:8]}"


class EngagementHandoff(PublicIdModel):
    """One change of peer on an engagement: the previous peer stays visible here for the life of the record."""

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="handoffs")
    from_peer = models.ForeignKey("workforce.PeerProfile", on_delete=models.PROTECT, related_name="+")
    to_peer = models.ForeignKey("workforce.PeerProfile", on_delete=models.PROTECT, related_name="+")
    reason = EncryptedTextField(verbose_name=_("reason"))
    handed_off_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    handed_off_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        ordering = ["handed_off_at", "id"]

    def __str__(self) -> str:
        return f"Hand-off {str(self.public_id)[:8]}"
