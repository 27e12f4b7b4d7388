"""Peers as the matching engine and the people they serve see them: self-described, chosen by the peer."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from peerway.core.models import Community, Language, LivedExperience, PublicIdModel, RecoveryPathway, TimestampedModel
from peerway.privacy.fields import EncryptedTextField


class Modality(models.TextChoices):
    PHONE = "phone", _("Phone call")
    TEXT = "text", _("Text messages")
    VIDEO = "video", _("Video")
    IN_PERSON = "in_person", _("In person")


class Gender(models.TextChoices):
    WOMAN = "woman", _("Woman")
    MAN = "man", _("Man")
    NONBINARY = "nonbinary", _("Nonbinary")
    TWO_SPIRIT = "two_spirit", _("Two-Spirit")


class AgeBand(models.TextChoices):
    AGE_18_24 = "18-24", _("18–24")
    AGE_25_34 = "25-34", _("25–34")
    AGE_35_44 = "35-44", _("35–44")
    AGE_45_54 = "45-54", _("45–54")
    AGE_55_64 = "55-64", _("55–64")
    AGE_65_PLUS = "65+", _("65 and over")


class PeerStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    ON_LEAVE = "on_leave", _("On leave")
    INACTIVE = "inactive", _("Inactive")


DISPLAY_NAME_MAX_LENGTH = 60


class PeerProfileQuerySet(models.QuerySet["PeerProfile"]):
    def in_service(self) -> PeerProfileQuerySet:
        """Profiles of people who may work as peers now: the profile is active, the account can sign in
        (``User.is_active``, the admin's "Active" box) and holds an active peer role in the profile's
        organization, which is itself active. Offers, hand-offs and shift times are drawn from these only."""
        from peerway.accounts.models import Membership
        from peerway.accounts.roles import Role

        return self.filter(status=PeerStatus.ACTIVE, user__is_active=True, organization__active=True).filter(
            models.Exists(
                Membership.objects.filter(
                    user_id=models.OuterRef("user_id"),
                    organization_id=models.OuterRef("organization_id"),
                    role=Role.PEER,
                    active=True,
                )
            )
        )


class PeerProfile(PublicIdModel, TimestampedModel):
    """What a peer chooses to share for matching. Everything beyond the organization is optional.

    A person has one profile per organization they work in as a peer: one who moves to another organization
    gets a new profile there, and their engagements at the first keep pointing at the old one.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="peer_profiles")
    organization = models.ForeignKey("organizations.Organization", on_delete=models.PROTECT, related_name="peers")
    display_name = models.CharField(
        max_length=DISPLAY_NAME_MAX_LENGTH, help_text=_("The first name people seeking help see.")
    )
    introduction = models.TextField(blank=True, max_length=600, help_text=_("A short self-introduction."))
    languages = models.ManyToManyField(Language, blank=True, related_name="+")
    communities = models.ManyToManyField(Community, blank=True, related_name="+")
    lived_experience = models.ManyToManyField(LivedExperience, blank=True, related_name="+")
    pathways = models.ManyToManyField(RecoveryPathway, blank=True, related_name="+")
    gender = models.CharField(max_length=16, choices=Gender.choices, blank=True)
    age_band = models.CharField(max_length=8, choices=AgeBand.choices, blank=True)
    modalities = models.JSONField(default=list, help_text="Subset of phone, text, video, in_person.")
    service_counties = models.ManyToManyField("organizations.County", blank=True, related_name="+")
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    service_radius_km = models.PositiveSmallIntegerField(default=40)
    caseload_limit = models.PositiveSmallIntegerField(default=25)
    status = models.CharField(max_length=16, choices=PeerStatus.choices, default=PeerStatus.ACTIVE)
    on_shift = models.BooleanField(default=False)
    on_shift_since = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords()

    objects = PeerProfileQuerySet.as_manager()

    class Meta:
        ordering = ["display_name", "id"]
        indexes = [models.Index(fields=["status", "on_shift"])]
        constraints = [
            models.UniqueConstraint(fields=["user", "organization"], name="peer_profile_one_per_organization")
        ]

    def __str__(self) -> str:
        return f"{self.display_name} ({self.organization})"


class WeeklyShift(models.Model):
    """A recurring window in the organization's time zone when the peer takes new requests."""

    peer = models.ForeignKey(PeerProfile, on_delete=models.CASCADE, related_name="shifts")
    weekday = models.PositiveSmallIntegerField(help_text="0 = Monday … 6 = Sunday.")
    starts_at = models.TimeField()
    ends_at = models.TimeField()

    class Meta:
        ordering = ["weekday", "starts_at"]
        constraints = [
            models.CheckConstraint(condition=models.Q(weekday__lte=6), name="weekly_shift_weekday_valid"),
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="weekly_shift_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.peer.display_name}: day {self.weekday} {self.starts_at:%H:%M}–{self.ends_at:%H:%M}"


# Credentialing on the workforce side: continuing education, renewal reminders, supervision sessions.
# (The certification app owns boards, credential types, applications and credentials.)


def ce_certificate_path(instance: ContinuingEducation, filename: str) -> str:
    # Never the uploaded name on disk: a random name under the peer's entry.
    import secrets

    return f"ce/{instance.public_id}/{secrets.token_hex(16)}"


def _private_storage() -> object:
    from peerway.certification.models import private_storage

    return private_storage()


class ContinuingEducation(PublicIdModel, TimestampedModel):
    """One continuing-education course a credentialed peer completed, counted toward renewal."""

    peer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="ce_entries")
    provider = models.CharField(max_length=200, verbose_name=_("Provider"))
    topic = models.CharField(max_length=200, verbose_name=_("Topic"))
    ethics = models.BooleanField(default=False, verbose_name=_("Counts as ethics"))
    completed_on = models.DateField(verbose_name=_("Completed on"))
    hours = models.DecimalField(max_digits=5, decimal_places=2, verbose_name=_("Hours"))
    certificate = models.FileField(upload_to=ce_certificate_path, storage=_private_storage, blank=True, max_length=200)
    certificate_content_type = models.CharField(max_length=40, blank=True)
    certificate_sha256 = models.CharField(max_length=64, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-completed_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(hours__gt=0) & models.Q(hours__lte=24), name="ce_hours_within_a_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.topic} ({self.hours} h)"


class CredentialReminder(models.Model):
    """A renewal reminder sent: once per credential, expiry date and threshold (90, 60 or 30 days)."""

    credential = models.ForeignKey("certification.Credential", on_delete=models.CASCADE, related_name="+")
    expires_on = models.DateField()
    days_before = models.PositiveSmallIntegerField()
    sent_at = models.DateTimeField()

    class Meta:
        ordering = ["sent_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["credential", "expires_on", "days_before"], name="credential_reminder_once")
        ]

    def __str__(self) -> str:
        return f"{self.days_before} days before {self.expires_on}"


class SupervisionFormat(models.TextChoices):
    INDIVIDUAL = "individual", _("Individual")
    GROUP = "group", _("Group")


class SupervisionSession(PublicIdModel, TimestampedModel):
    """Supervision a supervisor gave a peer of their organization on one day."""

    organization = models.ForeignKey("organizations.Organization", on_delete=models.PROTECT, related_name="+")
    supervisor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    peer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="supervision_sessions")
    held_on = models.DateField(verbose_name=_("Date"))
    minutes = models.PositiveSmallIntegerField(verbose_name=_("Minutes"))
    format = models.CharField(
        max_length=16, choices=SupervisionFormat.choices, default=SupervisionFormat.INDIVIDUAL, verbose_name=_("Format")
    )
    topics = models.JSONField(default=list, help_text=_("Slugs from workforce/fixtures/supervision_topics.json."))
    notes = EncryptedTextField(null=True, blank=True, default="", verbose_name=_("Notes"))

    history = HistoricalRecords()

    class Meta:
        ordering = ["-held_on", "id"]
        indexes = [models.Index(fields=["peer", "held_on"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(minutes__gt=0) & models.Q(minutes__lte=1440), name="supervision_minutes_within_a_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.held_on}: {self.minutes} min ({self.format})"
