"""Staff accounts and their memberships in organizations."""

from __future__ import annotations

import uuid

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from peerway.accounts.roles import ROLE_LABELS, ROLE_ORG_KINDS, Role


class User(AbstractUser):
    """A staff account. Participants never have one: they use private links."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    preferred_language = models.CharField(max_length=8, default="en")

    history = HistoricalRecords(excluded_fields=["password", "last_login"])

    def __str__(self) -> str:
        return self.get_full_name() or self.username


ROLE_CHOICES = [(role.value, ROLE_LABELS[role]) for role in Role]


class Membership(models.Model):
    """A person's role in one organization. One person may hold several roles in several organizations."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    organization = models.ForeignKey("organizations.Organization", on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=32, choices=ROLE_CHOICES)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        ordering = ["organization__name", "role"]
        constraints = [models.UniqueConstraint(fields=["user", "organization", "role"], name="membership_unique_role")]
        indexes = [models.Index(fields=["user", "active", "role"])]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} at {self.organization}"

    def clean(self) -> None:
        allowed = ROLE_ORG_KINDS[Role(self.role)]
        if self.organization_id and self.organization.kind not in allowed:
            raise ValidationError(
                {"role": f"The role {self.get_role_display()} cannot be held in this kind of organization."}
            )


# Participants' private links live in their own module; Django finds models through this one.
from peerway.accounts.participant_links import ParticipantLink  # noqa: E402

__all__ = ["ROLE_CHOICES", "Membership", "ParticipantLink", "User"]
