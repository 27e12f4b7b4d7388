"""Records about the people Peerway serves. Minimum necessary data, sensitive fields encrypted."""

from __future__ import annotations

from django.db import models
from simple_history.models import HistoricalRecords

from peerway.core.models import Community, Language, PublicIdModel, TimestampedModel
from peerway.privacy.fields import (
    EncryptedCharField,
    EncryptedDateField,
    EncryptedTextField,
    email_index,
    identifier_index,
    phone_index,
)

SUBJECT_PARTICIPANT = "participant"


class Participant(PublicIdModel, TimestampedModel):
    """A person receiving peer support. Belongs to exactly one organization.

    Identifiers are encrypted at rest; the ``*_index`` columns are keyed HMACs of their normalized form so
    staff can find duplicates by phone or Medicaid id without the database holding either in the clear.
    """

    organization = models.ForeignKey(
        "organizations.Organization", on_delete=models.PROTECT, related_name="participants"
    )
    preferred_name = EncryptedCharField(max_length=255, null=True, blank=True)
    phone = EncryptedCharField(max_length=255, null=True, blank=True)
    phone_index = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    email = EncryptedCharField(max_length=255, null=True, blank=True)
    email_index = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    medicaid_id = EncryptedCharField(max_length=255, null=True, blank=True)
    medicaid_id_index = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    date_of_birth = EncryptedDateField(null=True, blank=True)
    language = models.ForeignKey(Language, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    communities = models.ManyToManyField(Community, blank=True, related_name="+")
    communities_own_words = EncryptedTextField(null=True, blank=True)
    # A merged duplicate stays as a tombstone pointing at the record that was kept, for the audit trail.
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged_from", editable=False
    )
    merged_at = models.DateTimeField(null=True, blank=True, editable=False)

    history = HistoricalRecords(excluded_fields=["phone_index", "email_index", "medicaid_id_index"])

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["organization", "-created_at"])]

    def __str__(self) -> str:
        return f"Participant {str(self.public_id)[:8]}"

    @property
    def is_merged(self) -> bool:
        return self.merged_into_id is not None

    def refresh_blind_indexes(self) -> None:
        self.phone_index = phone_index(self.phone or "")
        self.email_index = email_index(self.email or "")
        self.medicaid_id_index = identifier_index(self.medicaid_id or "", purpose="medicaid_id")

    def save(self, *args: object, **kwargs: object) -> None:
        self.refresh_blind_indexes()
        super().save(*args, **kwargs)
