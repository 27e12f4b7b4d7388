"""A participant's private link to their own space. Participants never have an account or a password.

Only the SHA-256 of the link's token is stored, so the link cannot be rebuilt from the database; creating a
new link revokes the older ones. When a code can be sent to the person's phone or email, opening the link asks
for a one-time code sent there; its keyed hash is stored with an expiry and an attempt counter, and the link
counts its wrong codes in all (too many revoke it).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from peerway.core.models import PublicIdModel


class ParticipantLink(PublicIdModel):
    participant = models.ForeignKey("recovery.Participant", on_delete=models.CASCADE, related_name="space_links")
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_opened_at = models.DateTimeField(null=True, blank=True)
    # The one-time code now outstanding (hash only), when it expires, and how many wrong tries it has had.
    code_hash = models.CharField(max_length=64, blank=True, editable=False)
    code_expires_at = models.DateTimeField(null=True, blank=True)
    code_attempts = models.PositiveSmallIntegerField(default=0)
    # Wrong codes over the link's whole life: unlike code_attempts, a new code does not reset it.
    code_failures = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Private link {str(self.public_id)[:8]}"

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()
