"""First calls for help: the request, the offers made to peers, and its private status link."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django_fsm import ConcurrentTransitionMixin, FSMField, transition
from simple_history.models import HistoricalRecords

from peerway.core.models import Community, Language, LivedExperience, PublicIdModel, RecoveryPathway
from peerway.privacy.fields import EncryptedCharField, EncryptedTextField, email_index, phone_index


class RequestSource(models.TextChoices):
    WEB = "web", "Web (the person themselves)"
    PHONE_LINE = "phone_line", "Phone line"
    TEXT_LINE = "text_line", "Text line"
    WALK_IN = "walk_in", "Walk-in"
    EMERGENCY_DEPARTMENT = "emergency_department", "Emergency department"
    PROGRAM_245G = "program_245g", "245G program"
    WITHDRAWAL_DISCHARGE = "withdrawal_discharge", "Withdrawal management discharge"
    RELINK = "relink", "Re-linking from a check-up"
    OTHER = "other", "Other"


class ContactMethod(models.TextChoices):
    CALL = "call", "Phone call"
    TEXT = "text", "Text message"
    EMAIL = "email", "Email"
    PAGE = "page", "Keep the status page open"


class RequestStatus(models.TextChoices):
    RECEIVED = "received", "Received"
    OFFERED = "offered", "Offered to peers"
    ACCEPTED = "accepted", "A peer is reaching out"
    CONNECTED = "connected", "Connected"
    CLOSED = "closed", "Closed"
    WITHDRAWN = "withdrawn", "Withdrawn"


OPEN_STATUSES = (RequestStatus.RECEIVED, RequestStatus.OFFERED)


# The request's history: a name of its own so that intake/one_statement.py can ask it, as django-simple-history
# does on a save, who made the change and why.
# History is read per request (by id) and by date; indexes on its other columns would only slow every save.
HISTORY = HistoricalRecords(
    excluded_fields=["status_token_hash", "phone_index", "email_index"],
    no_db_index=[
        "public_id",
        "created_at",
        "organization",
        "entered_by",
        "language",
        "county",
        "preferred_peer",
        "accepted_by",
    ],
)


class HelpRequest(ConcurrentTransitionMixin, PublicIdModel):
    """A person's request to talk with a peer. Asks only what is needed to connect, never a diagnosis.

    The status field only changes through transitions called from services; an accept that races
    another accept fails with ConcurrentTransition, so exactly one peer wins.
    """

    status = FSMField(default=RequestStatus.RECEIVED, choices=RequestStatus.choices, protected=True)
    source = models.CharField(max_length=32, choices=RequestSource.choices, default=RequestSource.WEB)
    # Null until a peer accepts: before that the request is routed, not yet any organization's record.
    organization = models.ForeignKey(
        "organizations.Organization", null=True, blank=True, on_delete=models.PROTECT, related_name="help_requests"
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Hashes are looked up by equality only: unique and indexed in Meta, without the LIKE index that unique=True
    # or db_index=True on a CharField also builds on PostgreSQL.
    status_token_hash = models.CharField(max_length=64, editable=False)
    status_token_expires_at = models.DateTimeField()

    first_name = EncryptedCharField(max_length=255, null=True, blank=True)
    contact_method = models.CharField(max_length=8, choices=ContactMethod.choices)
    phone = EncryptedCharField(max_length=255, null=True, blank=True)
    phone_index = models.CharField(max_length=64, blank=True, editable=False)
    email = EncryptedCharField(max_length=255, null=True, blank=True)
    email_index = models.CharField(max_length=64, blank=True, editable=False)
    language = models.ForeignKey(Language, on_delete=models.PROTECT, related_name="+")
    language_required = models.BooleanField(default=False)
    communities = models.ManyToManyField(Community, blank=True, related_name="+")
    communities_own_words = EncryptedTextField(null=True, blank=True)
    lived_experience = models.ManyToManyField(LivedExperience, blank=True, related_name="+")
    pathways = models.ManyToManyField(RecoveryPathway, blank=True, related_name="+")
    gender_preference = models.CharField(max_length=16, blank=True)
    modalities = models.JSONField(default=list)
    county = models.ForeignKey(
        "organizations.County", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    zip_code = models.CharField(max_length=10, blank=True)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    consent_to_contact = models.BooleanField()
    wants_to_choose = models.BooleanField(default=False)
    priority = models.BooleanField(default=False, help_text="Re-linking after a check-up: offered first.")
    preferred_peer = models.ForeignKey(
        "workforce.PeerProfile", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # A person who asked to choose their peer has the escalation window to pick, counted from when peers were
    # first there to choose from (``choices_shown_at``, again after a chosen peer says no or a rematch). With no
    # pick by then Peerway offers the best match itself (``chosen_for_them_at``) and routes the request like any
    # other, while the status page still lets them choose until a peer accepts. A pick clears both.
    choices_shown_at = models.DateTimeField(null=True, blank=True)
    chosen_for_them_at = models.DateTimeField(null=True, blank=True)

    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        "workforce.PeerProfile", null=True, blank=True, on_delete=models.PROTECT, related_name="accepted_requests"
    )
    connected_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # When the person last asked for a different peer: their wait for the next one starts again then (reports).
    rematched_at = models.DateTimeField(null=True, blank=True)
    escalation_level = models.PositiveSmallIntegerField(default=0)
    # The escalation window its offers gave it (the shortest of the organizations offered it), kept when the person
    # deletes what they entered and its offers go with it, so the unmet-demand figures do not change (reports).
    erased_offers_window_minutes = models.PositiveSmallIntegerField(null=True, blank=True)
    last_offered_at = models.DateTimeField(null=True, blank=True)
    # Why routing found nobody, as the engine's reason code and parameters, plus the next shift's start:
    # the status page tells the person honestly what is happening. Never holds personal data.
    routing_note = models.JSONField(default=dict, blank=True)

    history = HISTORY

    class Meta:
        ordering = ["-priority", "created_at"]
        indexes = [
            models.Index(fields=["status", "last_offered_at"]),
            models.Index(fields=["phone_index"], name="intake_request_phone_index"),
            models.Index(fields=["email_index"], name="intake_request_email_index"),
        ]
        constraints = [models.UniqueConstraint(fields=["status_token_hash"], name="intake_request_token_hash_unique")]

    def __str__(self) -> str:
        return f"Help request {str(self.public_id)[:8]} ({self.status})"

    def save(self, *args: object, **kwargs: object) -> None:
        self.set_indexes()
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def set_indexes(self) -> None:
        """Blind indexes of the phone and email, so a request can be found by them without decrypting."""
        self.phone_index = phone_index(self.phone or "")
        self.email_index = email_index(self.email or "")

    @transition(field=status, source=[RequestStatus.RECEIVED, RequestStatus.OFFERED], target=RequestStatus.OFFERED)
    def offer(self) -> None:
        self.last_offered_at = timezone.now()

    @transition(field=status, source=RequestStatus.OFFERED, target=RequestStatus.ACCEPTED)
    def accept(self, *, peer: models.Model, organization: models.Model) -> None:
        self.accepted_by = peer  # type: ignore[assignment]
        self.organization = organization  # type: ignore[assignment]
        self.accepted_at = timezone.now()

    @transition(field=status, source=RequestStatus.ACCEPTED, target=RequestStatus.CONNECTED)
    def connect(self) -> None:
        self.connected_at = timezone.now()

    @transition(field=status, source=[RequestStatus.ACCEPTED, RequestStatus.OFFERED], target=RequestStatus.RECEIVED)
    def rematch(self) -> None:
        self.rematched_at = timezone.now()
        self.accepted_by = None
        self.accepted_at = None
        self.escalation_level = 0
        # A person who chooses their peer is choosing again, with a new window to pick in.
        self.choices_shown_at = None
        self.chosen_for_them_at = None

    @transition(
        field=status,
        source=[RequestStatus.RECEIVED, RequestStatus.OFFERED, RequestStatus.ACCEPTED, RequestStatus.CONNECTED],
        target=RequestStatus.WITHDRAWN,
    )
    def withdraw(self) -> None:
        self.closed_at = timezone.now()

    @transition(field=status, source=[RequestStatus.ACCEPTED, RequestStatus.CONNECTED], target=RequestStatus.CLOSED)
    def close(self) -> None:
        self.closed_at = timezone.now()


class OfferStatus(models.TextChoices):
    OFFERED = "offered", "Offered"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"
    LAPSED = "lapsed", "Taken by another peer or withdrawn"


class Offer(PublicIdModel):
    """A request shown to one peer in their live queue, with the explanation of the match."""

    request = models.ForeignKey(HelpRequest, on_delete=models.CASCADE, related_name="offers")
    peer = models.ForeignKey("workforce.PeerProfile", on_delete=models.CASCADE, related_name="offers")
    round = models.PositiveSmallIntegerField(default=0, help_text="0 = first offer, 1+ = widened by escalation.")
    score = models.FloatField()
    explanation = models.JSONField(default=dict)
    status = models.CharField(max_length=16, choices=OfferStatus.choices, default=OfferStatus.OFFERED)
    offered_at = models.DateTimeField(default=timezone.now)
    responded_at = models.DateTimeField(null=True, blank=True)
    # Why the peer passed, or "rematch: …" with what the person wrote when asking for a different peer: free
    # text that can name people and places, so encrypted like the person's other words. At most 200 characters
    # (the services cut it); empty is stored as null.
    decline_reason = EncryptedTextField(null=True, blank=True)
    # When the peer's queue first showed it: that first display is the audited access to the request.
    seen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-offered_at"]
        constraints = [models.UniqueConstraint(fields=["request", "peer"], name="offer_once_per_peer")]
        indexes = [models.Index(fields=["peer", "status"])]

    def __str__(self) -> str:
        return f"Offer of {self.request} to {self.peer}"


class EscalationAlert(PublicIdModel):
    """Nobody accepted in time: the supervisors of an organization whose peers were offered are alerted."""

    request = models.ForeignKey(HelpRequest, on_delete=models.CASCADE, related_name="alerts")
    organization = models.ForeignKey("organizations.Organization", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    # The supervisors the live queue has shown the alert to: each one's first sight of the person's request is
    # one ``listed`` access (workforce.selectors.queue_for_user); the queue's polls after that are not new ones.
    seen_by = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")

    class Meta:
        ordering = ["-created_at"]
        # One open alert per request and organization: a request that waits too long again after it was taken and
        # sent to new peers (a rematch) raises a new alert, seen afresh, while the resolved one stays as history.
        constraints = [
            models.UniqueConstraint(
                fields=["request", "organization"],
                condition=models.Q(resolved_at__isnull=True),
                name="alert_open_once_per_org",
            )
        ]

    def __str__(self) -> str:
        return f"Alert for {self.request} at {self.organization}"
