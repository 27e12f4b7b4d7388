"""Django glue for the matching engine: records in, specs out, proposals back as records.

The engine itself (specs, constraints, features, engine, explain, assignment) never imports Django.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from django.db.models import Count, Q

from peerway.intake.models import HelpRequest, RequestSource
from peerway.matching.constraints import with_served_county
from peerway.matching.engine import ProposedMatch, feasible_peer_ids, rank_peers
from peerway.matching.explain import Unmatched, explain_unmatched
from peerway.matching.features import encode_peers
from peerway.matching.specs import Location, PeerSpec, RequestSpec
from peerway.matching.weights import Weights, load_weights
from peerway.recovery.models import EngagementStatus
from peerway.workforce.models import PeerProfile, PeerStatus

# Engagements that count against a peer's caseload limit.
CASELOAD_STATUSES = (EngagementStatus.ACTIVE,)


@lru_cache(maxsize=1)
def current_weights() -> Weights:
    return load_weights()


def request_spec(request: HelpRequest) -> RequestSpec:
    location = Location(request.latitude, request.longitude) if request.latitude is not None else None
    return RequestSpec(
        id=str(request.public_id),
        languages=(request.language.slug,),
        language_required=request.language_required,
        communities=tuple(c.slug for c in request.communities.all()),
        lived_experience=tuple(e.slug for e in request.lived_experience.all()),
        pathways=tuple(p.slug for p in request.pathways.all()),
        gender_preference=request.gender_preference or None,
        modalities=tuple(request.modalities),
        location=location,
    )


def engagements_closed_by_accepting(request: HelpRequest) -> list[int]:
    """The engagements that end when ``request`` is accepted, so they hold no place in a caseload against it.

    A re-link request from a check-up closes the engagement it came from when a peer of that organization accepts
    it (``intake.services.request_accept``). For that engagement's own peer, taking the person back is no new
    place: a peer at their limit only because of this person's still-active engagement can be offered the re-link
    and accept it. Caseloads are counted per peer, so leaving the engagement out changes no other peer's count.
    """
    if request.source != RequestSource.RELINK:
        return []
    from peerway.recovery.models import Checkup

    return list(Checkup.objects.filter(relink_request_id=request.pk).values_list("engagement_id", flat=True))


def peers_with_caseload(*, not_counting: Iterable[int] = ()) -> Iterable[PeerProfile]:
    """Every peer in service, with their active caseload counted and their vocabularies prefetched.

    Only people who may work as peers now are offered anything (``PeerProfile.objects.in_service``): a
    deactivated account, an ended peer role or an inactive profile or organization is never offered a request,
    whether by routing, escalation, a re-link or a person choosing their peer. The engagements ``not_counting``
    hold no place (``engagements_closed_by_accepting``).
    """
    counted = Q(engagements__status__in=CASELOAD_STATUSES)
    not_counting = list(not_counting)
    if not_counting:
        counted &= ~Q(engagements__pk__in=not_counting)
    return (
        PeerProfile.objects.in_service()
        .select_related("organization", "user")
        .annotate(active_caseload=Count("engagements", filter=counted))
        .prefetch_related("languages", "communities", "lived_experience", "pathways", "service_counties")
        .order_by("id")
    )


def peer_spec(
    peer: PeerProfile,
    *,
    immediate: bool = True,
    request: RequestSpec | None = None,
    request_county_id: int | None = None,
) -> PeerSpec:
    """The engine's view of ``peer``; for one request (``request`` and its county), with the peer's whole service
    area: every county they serve as well as their radius of their home point (``with_served_county``)."""
    caseload = getattr(peer, "active_caseload", 0)
    location = (
        Location(peer.latitude, peer.longitude) if peer.latitude is not None and peer.longitude is not None else None
    )
    spec = PeerSpec(
        id=str(peer.public_id),
        languages=tuple(term.slug for term in peer.languages.all()),
        communities=tuple(term.slug for term in peer.communities.all()),
        lived_experience=tuple(term.slug for term in peer.lived_experience.all()),
        pathways=tuple(term.slug for term in peer.pathways.all()),
        gender=peer.gender or None,
        age_band=peer.age_band or None,
        modalities=tuple(peer.modalities),
        location=location,
        service_radius_km=float(peer.service_radius_km) if location else None,
        capacity=max(peer.caseload_limit - caseload, 0),
        active_caseload=caseload,
        active=peer.status == PeerStatus.ACTIVE,
        on_shift=peer.on_shift if immediate else True,
    )
    if request is None:
        return spec
    return with_served_county(
        request,
        spec,
        request_county=request_county_id,
        served_counties=lambda: {county.pk for county in peer.service_counties.all()},
        service_radius_km=float(peer.service_radius_km),
    )


@dataclass(frozen=True)
class Proposal:
    peer: PeerProfile
    match: ProposedMatch


def proposals_for_request(
    request: HelpRequest, *, exclude_peer_ids: Iterable[int] = (), outside: Iterable[int] = (), top: int = 3
) -> tuple[list[Proposal], Unmatched | None]:
    """The best ``top`` on-shift peers for ``request`` (never those excluded), or why there is none.

    ``exclude_peer_ids`` are peers left out of this round (they declined, or hold the offer): when only they could
    take the request, the reason says the peers who could are taken. ``outside`` are peers who are never
    candidates for it (another organization's, for a re-link): the reason is worked out without them.

    A peer who works for two organizations has a profile in each but is one person: they are proposed once, with
    their best-matching profile, so ``top`` proposals are ``top`` different people.
    """
    excluded = set(exclude_peer_ids)
    freed = engagements_closed_by_accepting(request)
    never = set(outside)
    everyone = [peer for peer in peers_with_caseload(not_counting=freed) if peer.pk not in never]
    peers = [peer for peer in everyone if peer.pk not in excluded]
    by_public_id = {str(peer.public_id): peer for peer in peers}
    spec = request_spec(request)
    # Encoded once and shared by ranking and, when nobody fits, by the explanation.
    pool = encode_peers([peer_spec(peer, request=spec, request_county_id=request.county_id) for peer in peers])
    # One more ranked per second profile, so that ``top`` different people remain once each keeps their best.
    second_profiles = len(peers) - len({peer.user_id for peer in peers})
    matches = rank_peers(spec, pool, current_weights(), top=top + second_profiles)
    if not matches and len(peers) < len(everyone):
        # The reason is true of every peer, the excluded too: when the only Hmong speaker on shift declined, the
        # person is not told that nobody on shift speaks Hmong, but that the peers who could are taken.
        specs = [peer_spec(peer, request=spec, request_county_id=request.county_id) for peer in everyone]
        return [], explain_unmatched(spec, encode_peers(specs))
    if not matches:
        return [], explain_unmatched(spec, pool)
    proposals: list[Proposal] = []
    people: set[int] = set()
    for match in matches:
        peer = by_public_id[match.peer_id]
        if peer.user_id not in people and len(proposals) < top:
            people.add(peer.user_id)
            proposals.append(Proposal(peer=peer, match=match))
    return proposals, None


def peers_who_could_take_later(request: HelpRequest, *, exclude_peer_ids: Iterable[int] = ()) -> list[int]:
    """The peers in service (never those excluded) who meet every hard constraint of ``request`` but being on shift
    now: whose next shift is worth telling the person about."""
    excluded = set(exclude_peer_ids)
    freed = engagements_closed_by_accepting(request)
    peers = [peer for peer in peers_with_caseload(not_counting=freed) if peer.pk not in excluded]
    spec = request_spec(request)
    specs = [peer_spec(peer, immediate=False, request=spec, request_county_id=request.county_id) for peer in peers]
    feasible = set(feasible_peer_ids(spec, encode_peers(specs), current_weights()))
    return [peer.pk for peer in peers if str(peer.public_id) in feasible]


def with_their_other_profiles(profile_ids: Iterable[int]) -> set[int]:
    """``profile_ids`` and every other peer profile of the same people (a peer may work for two organizations)."""
    profile_ids = set(profile_ids)
    if not profile_ids:
        return set()
    people = PeerProfile.objects.filter(pk__in=profile_ids).values("user_id")
    return set(PeerProfile.objects.filter(user_id__in=people).values_list("pk", flat=True))
