"""Organizations (RCOs, licensed programs, boards, the accreditation body, the state), sites, service areas."""

from __future__ import annotations

import functools
import logging
import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext as _
from simple_history.models import HistoricalRecords

from peerway.core.models import PublicIdModel, TimestampedModel

logger = logging.getLogger(__name__)


class OrganizationKind(models.TextChoices):
    RCO = "rco", "Recovery community organization"
    SUD_PROGRAM_245G = "sud_245g", "Licensed SUD treatment program (MN 245G)"
    WITHDRAWAL_MANAGEMENT = "withdrawal_mgmt", "Withdrawal management program (MN 245F)"
    CERTIFICATION_BOARD = "cert_board", "Certification board"
    ACCREDITATION_BODY = "accreditation_body", "Accreditation body"
    STATE_AGENCY = "state_agency", "State agency"


# Kinds whose staff serve people and therefore hold records about them.
SERVICE_KINDS = frozenset(
    {OrganizationKind.RCO, OrganizationKind.SUD_PROGRAM_245G, OrganizationKind.WITHDRAWAL_MANAGEMENT}
)


class County(models.Model):
    """A county, for service areas and regional reports. Loaded from the vocabulary fixture."""

    state = models.CharField(max_length=2, default="MN")
    name = models.CharField(max_length=64)
    region = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["state", "name"]
        verbose_name_plural = "counties"
        constraints = [models.UniqueConstraint(fields=["state", "name"], name="county_unique_per_state")]

    def __str__(self) -> str:
        return f"{self.name} County, {self.state}"

    def natural_key(self) -> tuple[str, str]:
        return (self.state, self.name)


class ContactCosignPolicy(models.TextChoices):
    """Which contacts a supervisor co-signs. "Peers without an active credential" waits for credentials to be
    recorded; until then it asks for a co-sign on every contact, the safe reading."""

    NONE = "none", "No co-sign"
    ALL = "all", "Every contact"
    UNCREDENTIALED = "uncredentialed", "Contacts by peers without an active credential"


@functools.cache
def _time_zone_names() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def validate_time_zone(value: str) -> None:
    """Refuse anything that is not a time zone name Python can load (a typo would break every staff page)."""
    if value not in _time_zone_names():
        raise ValidationError(
            _("“%(value)s” is not a time zone name. Use a name from the time zone database, such as America/Chicago."),
            code="unknown_time_zone",
            params={"value": value},
        )


class Organization(PublicIdModel, TimestampedModel):
    slug = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=32, choices=OrganizationKind.choices)
    timezone = models.CharField(max_length=64, default="America/Chicago", validators=[validate_time_zone])
    npi = models.CharField(max_length=10, blank=True, help_text="Type 2 (organization) NPI, when it has one.")
    # 42 CFR Part 2: when on, the stricter consent and disclosure rules apply to this organization's records.
    part2_program = models.BooleanField(default=False, help_text="Declares itself a 42 CFR Part 2 program.")
    service_counties = models.ManyToManyField(County, through="ServiceArea", related_name="organizations", blank=True)
    active = models.BooleanField(default=True)
    escalation_minutes = models.PositiveSmallIntegerField(
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(1440)],
        help_text="How long an offered request waits for a peer before the offer widens.",
    )
    # Recovery check-ups (see docs/outcomes.md): how often after an engagement starts, and for how long.
    checkup_interval_months = models.PositiveSmallIntegerField(
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(24)],
        help_text="Months between two recovery check-ups of an engagement.",
    )
    checkup_horizon_years = models.PositiveSmallIntegerField(
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(10)],
        help_text="Years after an engagement starts during which check-ups are scheduled.",
    )
    contact_cosign_policy = models.CharField(
        max_length=16, choices=ContactCosignPolicy.choices, default=ContactCosignPolicy.NONE
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def serves_people(self) -> bool:
        return self.kind in SERVICE_KINDS

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        """The organization's time zone, or the default zone while a name saved before names were checked is bad.

        Every local day, hour and date of the organization's records goes through here, so a typo in the
        zone shows times in the default zone (and logs a warning) instead of breaking every page and job.
        """
        try:
            return zoneinfo.ZoneInfo(self.timezone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            logger.warning("Organization %s has an unknown time zone; using the default zone", self.public_id)
            return zoneinfo.ZoneInfo(settings.TIME_ZONE)


class Site(PublicIdModel, TimestampedModel):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="sites")
    name = models.CharField(max_length=200)
    street = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100)
    zip_code = models.CharField(max_length=10, blank=True)
    county = models.ForeignKey(County, on_delete=models.PROTECT, related_name="sites")

    history = HistoricalRecords()

    class Meta:
        ordering = ["organization", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.city})"


class ServiceArea(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE)
    county = models.ForeignKey(County, on_delete=models.PROTECT)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization", "county"], name="service_area_unique")]

    def __str__(self) -> str:
        return f"{self.organization} serves {self.county}"
