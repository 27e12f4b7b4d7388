"""The matching engine's inputs: a request for a peer and a peer's matching profile, as plain frozen data.

These mirror the JSON contract of ``peerway match solve`` (see docs/matching.md). The Django layer adapts its
records to them; nothing here knows about the database. Lists of terms are normalized on construction to
tuples without duplicates, in the order first given, so two specs built from the same data are equal and hash
alike, and every output that lists shared terms is deterministic.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

PHONE: Final = "phone"
TEXT: Final = "text"
VIDEO: Final = "video"
IN_PERSON: Final = "in_person"
MODALITIES: Final[tuple[str, ...]] = (PHONE, TEXT, VIDEO, IN_PERSON)


def _terms(values: Iterable[str]) -> tuple[str, ...]:
    """The values as a tuple without duplicates, in first-seen order (a plain string is rejected, not split)."""
    if isinstance(values, str):
        raise TypeError(f"expected a list of strings, got the string {values!r}")
    return tuple(dict.fromkeys(values))


def _modalities(values: Iterable[str]) -> tuple[str, ...]:
    terms = _terms(values)
    unknown = [term for term in terms if term not in MODALITIES]
    if unknown:
        raise ValueError(f"unknown modality {unknown[0]!r}; expected one of {', '.join(MODALITIES)}")
    # Canonical order, so that equal sets compare equal whatever order they were given in.
    return tuple(modality for modality in MODALITIES if modality in terms)


@dataclass(frozen=True, slots=True)
class Location:
    """A point on Earth in decimal degrees (WGS 84): for Peerway, a ZIP code's centroid or a peer's base."""

    lat: float
    lon: float

    def __post_init__(self) -> None:
        if not (math.isfinite(self.lat) and -90.0 <= self.lat <= 90.0):
            raise ValueError(f"latitude must be between -90 and 90, got {self.lat!r}")
        if not (math.isfinite(self.lon) and -180.0 <= self.lon <= 180.0):
            raise ValueError(f"longitude must be between -180 and 180, got {self.lon!r}")


@dataclass(frozen=True, slots=True)
class RequestSpec:
    """A person's request for a peer: what they need (hard) and what they would like to share (soft).

    ``language_required`` with an empty ``languages`` list requires nothing: a request is never made
    impossible by a language field left blank.
    """

    id: str
    languages: tuple[str, ...] = ()
    language_required: bool = False
    communities: tuple[str, ...] = ()
    lived_experience: tuple[str, ...] = ()
    pathways: tuple[str, ...] = ()
    gender_preference: str | None = None
    modalities: tuple[str, ...] = ()
    location: Location | None = None
    age_band_preference: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "languages", _terms(self.languages))
        object.__setattr__(self, "communities", _terms(self.communities))
        object.__setattr__(self, "lived_experience", _terms(self.lived_experience))
        object.__setattr__(self, "pathways", _terms(self.pathways))
        object.__setattr__(self, "modalities", _modalities(self.modalities))


@dataclass(frozen=True, slots=True)
class PeerSpec:
    """A peer's matching profile and their availability right now.

    ``capacity`` is how many new people the peer can take now (caseload limit minus active caseload);
    ``active_caseload`` is how many they already carry, used only by the fairness term. ``active`` is the
    peer's status (not suspended, credential current) and ``on_shift`` whether they are available for this
    kind of offer: on shift for an immediate offer, available at all for a waitlist batch. Both are hard
    constraints, so a caller may pass every peer and let the engine explain who was excluded and why.
    ``service_radius_km`` of ``None`` means the peer does not travel to meet anyone in person.
    """

    id: str
    languages: tuple[str, ...] = ()
    communities: tuple[str, ...] = ()
    lived_experience: tuple[str, ...] = ()
    pathways: tuple[str, ...] = ()
    gender: str | None = None
    age_band: str | None = None
    modalities: tuple[str, ...] = ()
    location: Location | None = None
    service_radius_km: float | None = None
    capacity: int = 0
    active_caseload: int = 0
    active: bool = True
    on_shift: bool = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "languages", _terms(self.languages))
        object.__setattr__(self, "communities", _terms(self.communities))
        object.__setattr__(self, "lived_experience", _terms(self.lived_experience))
        object.__setattr__(self, "pathways", _terms(self.pathways))
        object.__setattr__(self, "modalities", _modalities(self.modalities))
        if self.capacity < 0:
            raise ValueError(f"peer {self.id!r}: capacity must not be negative, got {self.capacity}")
        if self.active_caseload < 0:
            raise ValueError(f"peer {self.id!r}: active_caseload must not be negative, got {self.active_caseload}")
        radius = self.service_radius_km
        if radius is not None and not (math.isfinite(radius) and radius >= 0.0):
            raise ValueError(f"peer {self.id!r}: service_radius_km must be a non-negative number, got {radius!r}")
