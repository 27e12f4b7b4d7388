"""Secure messages between a person and their peer, inside one engagement. Bodies are encrypted."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from peerway.core.models import PublicIdModel, TimestampedModel
from peerway.privacy.fields import EncryptedTextField
from peerway.recovery.models.engagements import Engagement


class MessageSender(models.TextChoices):
    PARTICIPANT = "participant", _("The person")
    STAFF = "staff", _("Peer")


class Message(PublicIdModel, TimestampedModel):
    """One message. ``sender_user`` is the staff member who wrote it (None when the person wrote it);
    ``read_at`` is when the other side first saw it."""

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="messages")
    sender = models.CharField(max_length=16, choices=MessageSender.choices)
    sender_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    body = EncryptedTextField()
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["engagement", "sender", "read_at"])]

    def __str__(self) -> str:
        return f"Message {str(self.public_id)[:8]} from {self.sender}"

    @property
    def from_participant(self) -> bool:
        return self.sender == MessageSender.PARTICIPANT
