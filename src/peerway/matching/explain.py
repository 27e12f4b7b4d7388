"""Why a pair was proposed, and why a request could not be matched: structured, for any language.

The Django layer renders these objects in the person's language; :func:`reason_text_en` is the English
rendering, with all its words in :data:`REASON_TEXT_EN`, :data:`LANGUAGE_NAMES_EN` and
:data:`MODALITY_NAMES_EN`, so translation has one place to look.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

import numpy as np

from peerway.matching import geo
from peerway.matching.constraints import (
    Constraint,
    can_meet_in_person,
    common_modalities,
    coverage,
    distance_km,
)
from peerway.matching.features import IN_PERSON_BIT, PeerPool, encode_peers, modality_bits
from peerway.matching.specs import IN_PERSON, PeerSpec, RequestSpec


@dataclass(frozen=True, slots=True)
class PairExplanation:
    """What a request and a peer share, each list in the request's order.

    ``gender_preference_met`` and ``age_band_preference_met`` are ``None`` when the request stated no
    preference. ``distance_km`` is set only when the two could meet in person (both want to, both locations
    known, within the peer's service radius).
    """

    languages: tuple[str, ...]
    communities: tuple[str, ...]
    lived_experience: tuple[str, ...]
    pathways: tuple[str, ...]
    modalities: tuple[str, ...]
    gender_preference_met: bool | None
    age_band_preference_met: bool | None
    distance_km: float | None

    def as_dict(self) -> dict[str, Any]:
        """The JSON form used by ``result.json``'s ``shared`` object."""
        return {
            "languages": list(self.languages),
            "communities": list(self.communities),
            "lived_experience": list(self.lived_experience),
            "pathways": list(self.pathways),
            "modalities": list(self.modalities),
            "gender_preference_met": self.gender_preference_met,
            "age_band_preference_met": self.age_band_preference_met,
            "distance_km": None if self.distance_km is None else round(self.distance_km, 1),
        }


def explain_pair(request: RequestSpec, peer: PeerSpec) -> PairExplanation:
    """What ``request`` and ``peer`` share; meaningful for any pair, feasible or not."""
    return PairExplanation(
        languages=coverage(request.languages, peer.languages),
        communities=coverage(request.communities, peer.communities),
        lived_experience=coverage(request.lived_experience, peer.lived_experience),
        pathways=coverage(request.pathways, peer.pathways),
        # In person is a way they share only where they can meet: both locations known, within the radius.
        modalities=tuple(
            modality
            for modality in common_modalities(request, peer)
            if modality != IN_PERSON or can_meet_in_person(request, peer)
        ),
        gender_preference_met=None if request.gender_preference is None else request.gender_preference == peer.gender,
        age_band_preference_met=None
        if request.age_band_preference is None
        else request.age_band_preference == peer.age_band,
        distance_km=distance_km(request, peer) if can_meet_in_person(request, peer) else None,
    )


# Reason codes, one per way a request can go unmatched.
NO_PEERS: Final = "no_peers"
NO_ACTIVE_PEER: Final = "no_active_peer"
NO_PEER_ON_SHIFT: Final = "no_peer_on_shift"
NO_PEER_SPEAKS_LANGUAGE: Final = "no_peer_speaks_language"
NO_MODALITY_REQUESTED: Final = "no_modality_requested"
NO_COMMON_MODALITY: Final = "no_common_modality"
LOCATION_NEEDED: Final = "location_needed"
NO_PEER_IN_RANGE: Final = "no_peer_in_range"
NO_CAPACITY: Final = "no_capacity"
TAKEN_BY_OTHER_REQUESTS: Final = "taken_by_other_requests"


@dataclass(frozen=True, slots=True)
class Reason:
    """Why a request is unmatched: a code and its parameters.

    ``candidates`` is how many peers were still possible before the binding constraint (for
    ``taken_by_other_requests``, how many could have taken the request). ``languages`` is set for
    ``no_peer_speaks_language``, ``modalities`` (the request's) for ``no_common_modality``.
    """

    code: str
    candidates: int = 0
    languages: tuple[str, ...] = ()
    modalities: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """The JSON form: ``{"code": ..., "candidates": ...}`` plus the parameters the code uses."""
        data: dict[str, Any] = {"code": self.code, "candidates": self.candidates}
        if self.code == NO_PEER_SPEAKS_LANGUAGE:
            data["languages"] = list(self.languages)
        if self.code == NO_COMMON_MODALITY:
            data["modalities"] = list(self.modalities)
        return data


@dataclass(frozen=True, slots=True)
class FunnelStep:
    """How many peers remain after applying ``constraint`` and every constraint before it."""

    constraint: Constraint
    remaining: int


@dataclass(frozen=True, slots=True)
class Unmatched:
    """A request without a peer, the binding reason, and the funnel of peers remaining per constraint."""

    request_id: str
    reason: Reason
    funnel: tuple[FunnelStep, ...]


def constraint_funnel(request: RequestSpec, pool: PeerPool) -> tuple[FunnelStep, ...]:
    """Peers remaining after each hard constraint in :class:`Constraint` order, applied cumulatively.

    The last step's count equals the number of peers feasible for ``request``.
    """
    bits = modality_bits(request.modalities)
    reachable = np.zeros(len(pool), dtype=np.bool_)
    # Every peer who meets in person and has a location, available or not (pool.in_person_peers holds only the
    # available ones): the funnel checks range before capacity, so a full peer in range must count as in range.
    in_person = np.flatnonzero(pool.radius_chord2 >= 0.0)
    if request.location is not None and bits & IN_PERSON_BIT and in_person.size:
        peers = in_person
        here = np.array([geo.unit_vector(request.location.lat, request.location.lon)], dtype=np.float64)
        reachable[peers] = geo.chord_squared_block(here, pool.vectors[peers])[0] <= pool.radius_chord2[peers]
    if request.language_required and request.languages:
        columns = [pool.columns["languages"][t] for t in request.languages if t in pool.columns["languages"]]
        speaks = pool.speaks[columns].any(axis=0) if columns else np.zeros(len(pool), dtype=np.bool_)
    else:
        speaks = np.ones(len(pool), dtype=np.bool_)
    masks = {
        Constraint.ACTIVE: pool.active,
        Constraint.ON_SHIFT: pool.on_shift,
        Constraint.LANGUAGE: speaks,
        Constraint.MODALITY: pool.share_modality[bits],
        # Fails only where the sole common modality is in person and the peer cannot reach the person.
        Constraint.IN_RANGE: reachable | ~pool.share_only_in_person[bits],
        Constraint.CAPACITY: pool.capacity > 0,
    }
    remaining = np.ones(len(pool), dtype=np.bool_)
    steps: list[FunnelStep] = []
    for constraint in Constraint:
        remaining &= masks[constraint]
        steps.append(FunnelStep(constraint, int(remaining.sum())))
    return tuple(steps)


def explain_unmatched(request: RequestSpec, peers: Sequence[PeerSpec] | PeerPool) -> Unmatched:
    """The honest reason ``request`` has no peer: the constraint that eliminated the last candidates.

    Constraints are applied in :class:`Constraint` order; the reason names the first one after which no peer
    remains, so "no on-shift peer speaks Hmong" means there were on-shift peers and none of them speaks it.
    When some peer was feasible (a batch gave them to other requests) the reason is
    ``taken_by_other_requests`` with the number of such peers.
    """
    pool = peers if isinstance(peers, PeerPool) else encode_peers(peers)
    funnel = constraint_funnel(request, pool)
    if not len(pool):
        return Unmatched(request.id, Reason(NO_PEERS), funnel)
    before = len(pool)
    for step in funnel:
        if step.remaining == 0:
            return Unmatched(request.id, _reason_for(step.constraint, request, before), funnel)
        before = step.remaining
    return Unmatched(request.id, Reason(TAKEN_BY_OTHER_REQUESTS, candidates=before), funnel)


def _reason_for(constraint: Constraint, request: RequestSpec, candidates: int) -> Reason:
    if constraint is Constraint.ACTIVE:
        return Reason(NO_ACTIVE_PEER, candidates)
    if constraint is Constraint.ON_SHIFT:
        return Reason(NO_PEER_ON_SHIFT, candidates)
    if constraint is Constraint.LANGUAGE:
        return Reason(NO_PEER_SPEAKS_LANGUAGE, candidates, languages=request.languages)
    if constraint is Constraint.MODALITY and not request.modalities:
        return Reason(NO_MODALITY_REQUESTED, candidates)
    if constraint is Constraint.MODALITY:
        return Reason(NO_COMMON_MODALITY, candidates, modalities=request.modalities)
    if constraint is Constraint.IN_RANGE:
        return Reason(LOCATION_NEEDED if request.location is None else NO_PEER_IN_RANGE, candidates)
    return Reason(NO_CAPACITY, candidates)


LANGUAGE_NAMES_EN: Final[dict[str, str]] = {
    "en": "English",
    "es": "Spanish",
    "so": "Somali",
    "hmn": "Hmong",
    "om": "Oromo",
    "ksw": "Karen",
    "oj": "Ojibwe",
    "dak": "Dakota",
    "am": "Amharic",
    "vi": "Vietnamese",
    "ar": "Arabic",
    "ase": "American Sign Language",
}
MODALITY_NAMES_EN: Final[dict[str, str]] = {
    "phone": "phone",
    "text": "text",
    "video": "video",
    IN_PERSON: "in person",
}
# {available}: "on-shift" for an immediate offer, "available" for a waitlist batch.
REASON_TEXT_EN: Final[dict[str, str]] = {
    NO_PEERS: "There are no peers to match with.",
    NO_ACTIVE_PEER: "No peer is active.",
    NO_PEER_ON_SHIFT: "No peer is {available_now}.",
    NO_PEER_SPEAKS_LANGUAGE: "No {available} peer speaks {languages}.",
    NO_MODALITY_REQUESTED: "The request does not say how the person wants to meet (phone, text, video or in person).",
    NO_COMMON_MODALITY: "No {available} peer who could help meets by {modalities}.",
    LOCATION_NEEDED: "Meeting in person needs the person's location, such as a county or ZIP code.",
    NO_PEER_IN_RANGE: "No {available} peer who could help meets in person near the person's location.",
    NO_CAPACITY: "Every {available} peer who could help is at their caseload limit.",
    TAKEN_BY_OTHER_REQUESTS: "Every peer who could help ({candidates}) was matched with someone else first.",
}
AVAILABILITY_EN: Final[dict[bool, tuple[str, str]]] = {
    True: ("on-shift", "on shift right now"),
    False: ("available", "available"),
}


def reason_text_en(reason: Reason, *, immediate: bool = True) -> str:
    """The reason in one English sentence; ``immediate`` says "on-shift" rather than "available"."""
    available, available_now = AVAILABILITY_EN[immediate]
    return REASON_TEXT_EN[reason.code].format(
        available=available,
        available_now=available_now,
        candidates=reason.candidates,
        languages=" or ".join(LANGUAGE_NAMES_EN.get(code, code) for code in reason.languages),
        modalities=" or ".join(MODALITY_NAMES_EN.get(code, code) for code in reason.modalities),
    )
