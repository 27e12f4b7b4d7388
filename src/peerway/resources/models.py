"""Community resources: public information about services (housing, MOUD providers, meetings, ...).

A resource belongs to one organization, or to nobody (``organization`` is null): then it is shared
state-wide. Staff see the shared resources and their own organizations'; an organization's administrators
edit (import) their organization's; administrators of the state agency import the shared ones. Nothing here
is about a person: phone numbers and websites are the service's own, published ones.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from peerway.core.models import Community, Language, PublicIdModel, TimestampedModel


class ResourceCategory(models.TextChoices):
    HOUSING = "housing", _("Housing")
    MOUD = "moud", _("Medication for opioid use disorder (MOUD) provider")
    WITHDRAWAL_MANAGEMENT = "withdrawal_management", _("Withdrawal management")
    MUTUAL_AID = "mutual_aid", _("Mutual-aid meeting")
    EMPLOYMENT = "employment", _("Employment")
    LEGAL = "legal", _("Legal")
    FOOD = "food", _("Food")
    TRANSPORT = "transport", _("Transport")
    CULTURALLY_SPECIFIC = "culturally_specific", _("Culturally specific services")
    OTHER = "other", _("Other")


class Resource(PublicIdModel, TimestampedModel):
    organization = models.ForeignKey(
        "organizations.Organization",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="resources",
        help_text="Empty: shared state-wide.",
    )
    # The importer's own key for the row: a re-import with the same external id updates the resource.
    external_id = models.CharField(max_length=64, blank=True)
    name = models.CharField(max_length=200)
    category = models.CharField(max_length=32, choices=ResourceCategory.choices)
    description = models.TextField(blank=True)
    languages = models.ManyToManyField(Language, blank=True, related_name="+")
    communities = models.ManyToManyField(Community, blank=True, related_name="+")
    hours = models.CharField(max_length=300, blank=True)
    street = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    county = models.ForeignKey(
        "organizations.County", null=True, blank=True, on_delete=models.PROTECT, related_name="resources"
    )
    zip_code = models.CharField(max_length=10, blank=True)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    phone = models.CharField(max_length=32, blank=True)
    website = models.URLField(max_length=300, blank=True)
    eligibility = models.TextField(blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["category", "name"]), models.Index(fields=["county", "category"])]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "external_id"],
                condition=Q(organization__isnull=False) & ~Q(external_id=""),
                name="resource_external_id_unique_per_org",
            ),
            models.UniqueConstraint(
                fields=["external_id"],
                condition=Q(organization__isnull=True) & ~Q(external_id=""),
                name="resource_external_id_unique_shared",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_shared(self) -> bool:
        return self.organization_id is None
