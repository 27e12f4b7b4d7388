"""The hard constraints and soft terms of one request-peer pair, in plain Python: the reference semantics.

The vectorized engine (:mod:`features`) must agree with these functions: exactly on feasibility and within
floating-point rounding on scores. Tests hold it to that.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import replace
from enum import StrEnum

from peerway.matching import geo
from peerway.matching.specs import IN_PERSON, PeerSpec, RequestSpec
from peerway.matching.weights import Weights


class Constraint(StrEnum):
    """A hard constraint, in the order an explanation applies them (availability first, capacity last)."""

    ACTIVE = "active"
    ON_SHIFT = "on_shift"
    LANGUAGE = "language"
    MODALITY = "modality"
    IN_RANGE = "in_range"
    CAPACITY = "capacity"


def common_modalities(request: RequestSpec, peer: PeerSpec) -> tuple[str, ...]:
    """The ways to meet both accept, in the canonical order of :data:`~peerway.matching.specs.MODALITIES`."""
    return tuple(modality for modality in request.modalities if modality in peer.modalities)


def speaks_a_requested_language(request: RequestSpec, peer: PeerSpec) -> bool:
    """Whether the peer speaks at least one of the request's languages."""
    return any(language in peer.languages for language in request.languages)


def language_satisfied(request: RequestSpec, peer: PeerSpec) -> bool:
    """The language constraint: only when required and languages were given, the peer must speak one."""
    return not (request.language_required and request.languages) or speaks_a_requested_language(request, peer)


def distance_km(request: RequestSpec, peer: PeerSpec) -> float | None:
    """The great-circle distance between the two locations, or ``None`` when either is unknown."""
    if request.location is None or peer.location is None:
        return None
    return geo.km_from_chord_squared(_chord2(request, peer))


def _chord2(request: RequestSpec, peer: PeerSpec) -> float:
    assert request.location is not None and peer.location is not None
    return geo.chord_squared(
        geo.unit_vector(request.location.lat, request.location.lon),
        geo.unit_vector(peer.location.lat, peer.location.lon),
    )


def can_meet_in_person(request: RequestSpec, peer: PeerSpec) -> bool:
    """Both want to meet in person, both locations are known and they are within the peer's service radius."""
    if IN_PERSON not in request.modalities or IN_PERSON not in peer.modalities:
        return False
    if request.location is None or peer.location is None or peer.service_radius_km is None:
        return False
    return _chord2(request, peer) <= geo.chord_squared_for_km(peer.service_radius_km)


def with_served_county(
    request: RequestSpec,
    peer: PeerSpec,
    *,
    request_county: object | None,
    served_counties: Callable[[], Collection[object]],
    service_radius_km: float,
) -> PeerSpec:
    """``peer`` for one request, with their whole service area.

    A peer meets people in person anywhere in the counties they serve, and within their travel radius of their
    home point. The engine knows only a point and a radius, so when both meet in person and the person is in a
    county the peer serves (``request_county`` in ``served_counties()``, asked only then) but beyond that radius,
    the peer's radius is widened to reach the person for this request: the person is inside the peer's service
    area, and the proximity term still counts the real distance from the peer's home point (a peer 220 km away
    who serves the county does not outrank an otherwise equal one 12 km away). A peer with no home point is
    given the person's own point.
    """
    if (
        request_county is not None
        and request.location is not None
        and IN_PERSON in request.modalities
        and IN_PERSON in peer.modalities
        and not can_meet_in_person(request, peer)
        and request_county in served_counties()
    ):
        if peer.location is None:
            return replace(peer, location=request.location, service_radius_km=service_radius_km)
        # A metre more than the distance, so that rounding in the chord's conversion never leaves the person out.
        reach = geo.km_from_chord_squared(_chord2(request, peer)) + 0.001
        return replace(peer, service_radius_km=max(service_radius_km, reach))
    return peer


def hard_constraint_failures(request: RequestSpec, peer: PeerSpec) -> tuple[Constraint, ...]:
    """Every hard constraint the pair fails, in :class:`Constraint` order; empty when the pair is feasible.

    ``IN_RANGE`` is judged only when the two share a modality and the only one they share is in person.
    """
    failures: list[Constraint] = []
    if not peer.active:
        failures.append(Constraint.ACTIVE)
    if not peer.on_shift:
        failures.append(Constraint.ON_SHIFT)
    if not language_satisfied(request, peer):
        failures.append(Constraint.LANGUAGE)
    common = common_modalities(request, peer)
    if not common:
        failures.append(Constraint.MODALITY)
    elif common == (IN_PERSON,) and not can_meet_in_person(request, peer):
        failures.append(Constraint.IN_RANGE)
    if peer.capacity <= 0:
        failures.append(Constraint.CAPACITY)
    return tuple(failures)


def is_feasible(request: RequestSpec, peer: PeerSpec) -> bool:
    """Whether the pair meets every hard constraint."""
    return not hard_constraint_failures(request, peer)


def coverage(requested: tuple[str, ...], offered: tuple[str, ...]) -> tuple[str, ...]:
    """The requested terms the other side also has, in the request's order."""
    return tuple(term for term in requested if term in offered)


def soft_score(request: RequestSpec, peer: PeerSpec, weights: Weights) -> float:
    """The weighted sum of the soft terms (see :class:`~peerway.matching.weights.Weights`), never negative.

    Terms are added in the same order as the vectorized engine adds them.
    """
    score = 0.0
    for name in ("languages", "communities", "lived_experience", "pathways"):
        requested: tuple[str, ...] = getattr(request, name)
        if requested:
            shared = len(coverage(requested, getattr(peer, name)))
            score += shared * (getattr(weights, name) / len(requested))
    if request.gender_preference is not None and request.gender_preference == peer.gender:
        score += weights.gender_preference
    if request.age_band_preference is not None and request.age_band_preference == peer.age_band:
        score += weights.age_band_preference
    limit = peer.capacity + peer.active_caseload
    score += weights.fairness * (peer.capacity / limit if limit > 0 else 0.0)
    if weights.proximity > 0.0 and can_meet_in_person(request, peer):
        km = geo.km_from_chord_squared(_chord2(request, peer))
        score += max(1.0 - km / weights.distance_scale_km, 0.0) * weights.proximity
    return score
