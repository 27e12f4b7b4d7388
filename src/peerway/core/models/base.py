"""Abstract bases every Peerway domain model builds on."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone


class PublicIdModel(models.Model):
    """A record reachable from URLs and the API only by an unguessable UUID, never by its row id."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)

    class Meta:
        abstract = True


class TimestampedModel(models.Model):
    # default=timezone.now rather than auto_now_add, so the seed generator can set history dates.
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        abstract = True

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None:
            self.updated_at = timezone.now()
        super().save(*args, **kwargs)  # type: ignore[arg-type]
