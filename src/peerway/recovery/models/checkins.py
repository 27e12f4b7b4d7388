"""Recovery capital check-ins: instruments (FHIR Questionnaire JSON), responses and private check-in links.

An instrument is data: its items, answer values and scoring rules live in ``fhir`` (a FHIR R4B
Questionnaire, see peerway.recovery.instruments). Global instruments (organization empty) are offered to
every organization; an organization licensed for an official instrument loads its own.
"""

from __future__ import annotations

import copy
import json
import threading
from collections import OrderedDict
from functools import cached_property
from typing import Any

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from peerway.core.models import PublicIdModel, TimestampedModel
from peerway.privacy.fields import EncryptedTextField
from peerway.recovery.instruments import engine
from peerway.recovery.instruments.fhir import questionnaire_parse
from peerway.recovery.models.engagements import Engagement
from peerway.recovery.models.participants import Participant

SUBJECT_CHECKIN = "checkin"

# Parsing and validating a definition takes ~0.15 s (Peerway's check-in is 60 kB of FHIR), and a list of check-ins
# has a new Instrument instance per row (select_related): each process keeps the parsed definitions of its most
# recently used instruments, by primary key, with a copy of the FHIR they came from. An instrument whose FHIR
# changed is parsed again: comparing the JSON (~0.1 ms) is what makes a definition safe to reuse.
DEFINITIONS_KEPT = 16
_definitions: OrderedDict[int, tuple[Any, engine.Instrument]] = OrderedDict()
_definitions_lock = threading.Lock()


def _definition_of(pk: int | None, fhir: Any) -> engine.Instrument:
    if pk is None:
        return questionnaire_parse(fhir)
    with _definitions_lock:
        kept = _definitions.get(pk)
        if kept is not None and kept[0] == fhir:
            _definitions.move_to_end(pk)
            return kept[1]
    # Parsed outside the lock: two threads may both parse a new definition, and both results are the same.
    definition = questionnaire_parse(fhir)
    with _definitions_lock:
        _definitions[pk] = (copy.deepcopy(fhir), definition)
        _definitions.move_to_end(pk)
        while len(_definitions) > DEFINITIONS_KEPT:
            _definitions.popitem(last=False)
    return definition


class Instrument(PublicIdModel):
    """Reference data rather than a record: Peerway's own instruments are loaded after every migrate and
    flush with an id derived from their url and version, so seeded databases stay identical."""

    organization = models.ForeignKey(
        "organizations.Organization", null=True, blank=True, on_delete=models.PROTECT, related_name="instruments"
    )
    # The engine refuses a definition that does not fit these columns (and a score that would not fit CheckIn's).
    url = models.CharField(max_length=engine.URL_MAX_LENGTH)
    version = models.CharField(max_length=engine.VERSION_MAX_LENGTH)
    title = models.CharField(max_length=255)
    fhir = models.JSONField()
    active = models.BooleanField(default=True)
    loaded_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # When an organization loaded it; empty for Peerway's own.
    loaded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["title", "version"]
        constraints = [
            models.UniqueConstraint(
                fields=["url", "version"], condition=models.Q(organization=None), name="instrument_global_unique"
            ),
            models.UniqueConstraint(fields=["organization", "url", "version"], name="instrument_org_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.title_shown} (v{self.version})"

    @property
    def title_shown(self) -> str:
        """The title in the active language, from the definition's translations (``title`` is the default)."""
        return self.definition.title.in_language(get_language() or engine.DEFAULT_LANGUAGE)

    @cached_property
    def definition(self) -> engine.Instrument:
        """The parsed FHIR Questionnaire (immutable): parsed once per process while the FHIR stays the same."""
        return _definition_of(self.pk, self.fhir)


class CheckInSource(models.TextChoices):
    LINK = "link", _("Private link")
    STAFF = "staff", _("Entered by staff")


class CheckInLink(PublicIdModel, TimestampedModel):
    """An expiring private link to answer one check-in. Only the token's hash is stored."""

    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="checkin_links")
    engagement = models.ForeignKey(
        Engagement, null=True, blank=True, on_delete=models.SET_NULL, related_name="checkin_links"
    )
    instrument = models.ForeignKey(Instrument, on_delete=models.PROTECT, related_name="+")
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    expires_at = models.DateTimeField()
    created_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Check-in link {str(self.public_id)[:8]}"


class CheckIn(PublicIdModel, TimestampedModel):
    """One response to an instrument. Answers are encrypted; the score is kept for charts and caseloads."""

    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="checkins")
    engagement = models.ForeignKey(
        Engagement, null=True, blank=True, on_delete=models.SET_NULL, related_name="checkins"
    )
    instrument = models.ForeignKey(Instrument, on_delete=models.PROTECT, related_name="checkins")
    # One response per link: answering again through the same link replaces it, and history keeps the first.
    link = models.OneToOneField(CheckInLink, null=True, blank=True, on_delete=models.SET_NULL, related_name="checkin")
    answers_json = EncryptedTextField()
    score = models.PositiveSmallIntegerField()
    flagged = models.BooleanField(default=False)
    answered_at = models.DateTimeField()
    source = models.CharField(max_length=8, choices=CheckInSource.choices)
    entered_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    history = HistoricalRecords()

    class Meta:
        ordering = ["-answered_at"]
        indexes = [models.Index(fields=["participant", "answered_at"])]

    def __str__(self) -> str:
        return f"Check-in {str(self.public_id)[:8]} ({self.score})"

    @property
    def answers(self) -> dict[str, str]:
        data: Any = json.loads(self.answers_json or "{}")
        return {str(key): str(value) for key, value in data.items()}
