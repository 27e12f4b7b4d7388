"""The access log: who read, exported, disclosed or changed a person's record, and why."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AccessAction(models.TextChoices):
    VIEWED = "viewed", _("Viewed")
    LISTED = "listed", _("Listed")
    EXPORTED = "exported", _("Exported")
    DISCLOSED = "disclosed", _("Disclosed")
    CHANGED = "changed", _("Changed")
    CREATED = "created", _("Created")


class AccessEvent(models.Model):
    """One access to one person's record. Append-only: services write it, nobody edits it.

    The consent and disclosure capability extends this with the consent a disclosure was made under;
    the subject is named by type and public id so any kind of record can be the subject.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    occurred_at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="access_events"
    )
    actor_role = models.CharField(max_length=64, help_text="The role under which the actor acted.")
    organization = models.ForeignKey(
        "organizations.Organization", on_delete=models.PROTECT, related_name="access_events"
    )
    subject_type = models.CharField(max_length=64)
    subject_id = models.UUIDField(help_text="Public id of the record accessed.")
    action = models.CharField(max_length=16, choices=AccessAction.choices)
    reason = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["subject_type", "subject_id", "-occurred_at"])]

    def __str__(self) -> str:
        return f"{self.actor_role} {self.action} {self.subject_type} at {self.occurred_at:%Y-%m-%d %H:%M}"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None:
            raise ValueError("Access events are append-only.")
        super().save(*args, **kwargs)  # type: ignore[arg-type]
