"""Peers as the matching engine and the people they serve see them: self-described, chosen by the peer."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from peerway.core.models import Community, Language, LivedExperience, PublicIdModel, RecoveryPathway, TimestampedModel


class Modality(models.TextChoices):
    PHONE = "phone", "Phone call"
    TEXT = "text", "Text messages"
    VIDEO = "video", "Video"
    IN_PERSON = "in_person", "In person"


class Gender(models.TextChoices):
    WOMAN = "woman", "Woman"
    MAN = "man", "Man"
    NONBINARY = "nonbinary", "Nonbinary"
    TWO_SPIRIT = "two_spirit", "Two-Spirit"


class AgeBand(models.TextChoices):
    AGE_18_24 = "18-24", "18–24"
    AGE_25_34 = "25-34", "25–34"
    AGE_35_44 = "35-44", "35–44"
    AGE_45_54 = "45-54", "45–54"
    AGE_55_64 = "55-64", "55–64"
    AGE_65_PLUS = "65+", "65 and over"


class PeerStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    ON_LEAVE = "on_leave", "On leave"
    INACTIVE = "inactive", "Inactive"


class PeerProfile(PublicIdModel, TimestampedModel):
    """What a peer chooses to share for matching. Everything beyond the organization is optional."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="peer_profile")
    organization = models.ForeignKey("organizations.Organization", on_delete=models.PROTECT, related_name="peers")
    display_name = models.CharField(max_length=60, help_text="The first name people seeking help see.")
    introduction = models.TextField(blank=True, max_length=600, help_text="A short self-introduction.")
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

    class Meta:
        ordering = ["display_name", "id"]
        indexes = [models.Index(fields=["status", "on_shift"])]

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
