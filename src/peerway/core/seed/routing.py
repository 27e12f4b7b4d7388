"""Which peers a generated help request was offered to, decided by the matching engine's own rules.

The seed never invents a match: every offer it writes passes the engine's hard constraints
(``is_feasible``), carries the engine's score and the engine's explanation (``explain_pair``), so what an
offer says two people share is exactly the intersection of the request's and the peer's terms.

- :class:`PastRouter` serves requests made during the last 90 days. Ranking every request against every
  peer would cost minutes at the large scale, so it ranks a sample of likely peers (same community, same
  language, same region, a few from anywhere) as if they had been on shift, skipping peers whose profile
  did not exist yet or whose caseload was full.
- :class:`PresentRouter` serves the requests still open at --today exactly as ``request_route`` would: the
  engine's ``rank_peers`` over every active peer with their on-shift flag and active caseload, or the
  engine's reason (``explain_unmatched``) when nobody can take the request.

Both give each peer their whole service area for the request's county, as matching does
(:func:`peer_spec_for_request`): in person, a peer meets people anywhere in every county they serve, not only
within their radius of the first one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from peerway.core.seed.context import PeerSeed, SeedContext
from peerway.intake.services import OFFER_ROUND_SIZES
from peerway.matching.constraints import is_feasible, soft_score, with_served_county
from peerway.matching.engine import rank_peers
from peerway.matching.explain import explain_pair, explain_unmatched
from peerway.matching.features import PeerPool, encode_peers
from peerway.matching.specs import Location, PeerSpec, RequestSpec
from peerway.matching.weights import Weights, load_weights
from peerway.workforce.models import PeerStatus

# How many peers of each kind a past request's sample draws before the engine's rules rank them.
SAMPLE_SAME_COMMUNITY = 4
SAMPLE_SAME_LANGUAGE = 5
SAMPLE_SAME_REGION = 8
SAMPLE_ANYWHERE = 2
# A second, wider draw from the region when the first found nobody feasible (in person far from town).
SAMPLE_WIDER = 40


@dataclass(frozen=True)
class Ranked:
    """A peer the engine accepts for a request: its index in ``ctx.peers``, score and explanation."""

    peer: int
    score: float
    explanation: dict[str, Any]


def peer_spec(peer: PeerSeed, *, on_shift: bool, active_caseload: int) -> PeerSpec:
    """The engine's view of a generated peer, built as matching.service.peer_spec builds it from a record."""
    located = peer.latitude is not None and peer.longitude is not None
    return PeerSpec(
        id=str(peer.public_id),
        languages=peer.languages,
        communities=peer.communities,
        lived_experience=peer.lived_experience,
        pathways=peer.pathways,
        gender=peer.gender or None,
        age_band=peer.age_band or None,
        modalities=peer.modalities,
        location=Location(peer.latitude, peer.longitude) if located else None,  # type: ignore[arg-type]
        service_radius_km=float(peer.service_radius_km) if located else None,
        capacity=max(peer.caseload_limit - active_caseload, 0),
        active_caseload=active_caseload,
        active=peer.status == PeerStatus.ACTIVE,
        on_shift=on_shift,
    )


def peer_spec_for_request(peer: PeerSeed, spec: PeerSpec, request: RequestSpec, county: str | None) -> PeerSpec:
    """``spec`` (``peer``'s) for one request made from ``county``, with the peer's whole service area: the rule
    matching applies (``matching.constraints.with_served_county``), over the generated peer's county names."""
    return with_served_county(
        request,
        spec,
        request_county=county,
        served_counties=lambda: peer.service_counties,
        service_radius_km=float(peer.service_radius_km),
    )


class PastRouter:
    """Ranks a sample of peers for a request made in the past, and tracks each peer's active caseload."""

    def __init__(self, ctx: SeedContext, weights: Weights | None = None) -> None:
        self.ctx = ctx
        self.peers = ctx.peers
        self.weights = weights or load_weights()
        # On shift and with their whole caseload free: availability in the past is not recorded, and a
        # full caseload is checked against ``active`` below instead.
        self.specs = [peer_spec(peer, on_shift=True, active_caseload=0) for peer in self.peers]
        self.active = [0] * len(self.peers)
        self.everyone: list[int] = []
        self.by_region: dict[str, list[int]] = {}
        self.by_language: dict[str, list[int]] = {}
        self.by_community: dict[str, list[int]] = {}
        for index, peer in enumerate(self.peers):
            if peer.status != PeerStatus.ACTIVE:
                continue
            self.everyone.append(index)
            self.by_region.setdefault(peer.region, []).append(index)
            for language in peer.languages:
                self.by_language.setdefault(language, []).append(index)
            for community in peer.communities:
                self.by_community.setdefault(community, []).append(index)

    def rank(self, request: RequestSpec, region: str, at: dt.datetime, *, county: str | None) -> list[Ranked]:
        """The feasible peers of the sample that the first two offer rounds can reach, best score first,
        equal scores in peer-id order (as the engine); ``county`` is the request's, by name."""
        ranked = self._rank(request, county, self._sample(request, region), at)
        if not ranked:
            ranked = self._rank(request, county, self._draw(self.by_region.get(region, []), SAMPLE_WIDER), at)
        return ranked

    def engage(self, peer: int) -> None:
        """One more active engagement for ``peer``: it counts against their caseload limit from now on."""
        self.active[peer] += 1

    def _sample(self, request: RequestSpec, region: str) -> list[int]:
        drawn: list[int] = []
        if request.communities:
            drawn += self._draw(self.by_community.get(request.communities[0], []), SAMPLE_SAME_COMMUNITY)
        if request.languages and request.languages[0] != "en":
            drawn += self._draw(self.by_language.get(request.languages[0], []), SAMPLE_SAME_LANGUAGE)
        drawn += self._draw(self.by_region.get(region, []), SAMPLE_SAME_REGION)
        drawn += self._draw(self.everyone, SAMPLE_ANYWHERE)
        return list(dict.fromkeys(drawn))

    def _draw(self, population: Sequence[int], count: int) -> list[int]:
        return self.ctx.rng.sample(population, min(count, len(population)))

    def _rank(
        self, request: RequestSpec, county: str | None, candidates: Iterable[int], at: dt.datetime
    ) -> list[Ranked]:
        scored: list[tuple[float, str, int]] = []
        specs: dict[int, PeerSpec] = {}
        for index in candidates:
            peer = self.peers[index]
            if peer.created_at > at or self.active[index] >= peer.caseload_limit:
                continue
            spec = specs[index] = peer_spec_for_request(peer, self.specs[index], request, county)
            if is_feasible(request, spec):
                scored.append((-soft_score(request, spec, self.weights), spec.id, index))
        scored.sort()
        # Only the first two rounds are ever offered, so only they need an explanation.
        return [
            Ranked(peer=index, score=-negative, explanation=explain_pair(request, specs[index]).as_dict())
            for negative, _, index in scored[: sum(OFFER_ROUND_SIZES)]
        ]


class PresentRouter:
    """Routes a request at --today over every active peer as they are then, the way request_route does."""

    def __init__(self, peers: Sequence[PeerSeed], active_caseloads: Sequence[int], weights: Weights | None = None):
        self.peers = peers
        self.weights = weights or load_weights()
        # matching.service.peers_with_caseload: active peers only, each with their active caseload.
        self.index_of: dict[str, int] = {}
        self.spec_of: dict[int, PeerSpec] = {}
        self.specs: list[PeerSpec] = []
        for index, peer in enumerate(peers):
            if peer.status == PeerStatus.ACTIVE:
                spec = peer_spec(peer, on_shift=peer.on_shift, active_caseload=active_caseloads[index])
                self.specs.append(spec)
                self.index_of[spec.id] = index
                self.spec_of[index] = spec
        self.pool: PeerPool = encode_peers(self.specs)

    def route(
        self, request: RequestSpec, *, county: str | None, exclude: Iterable[int] = (), top: int = 3
    ) -> tuple[list[Ranked], dict[str, Any] | None]:
        """The best ``top`` peers not excluded, or none and the engine's reason (as ``Reason.as_dict()``);
        ``county`` is the request's, by name."""
        excluded = set(exclude)
        kept = [spec for spec in self.specs if self.index_of[spec.id] not in excluded]
        for_request = [
            peer_spec_for_request(self.peers[self.index_of[spec.id]], spec, request, county) for spec in kept
        ]
        # The pool encoded once serves every request for which no peer's service area changes anything.
        changed = any(mine is not spec for mine, spec in zip(for_request, kept, strict=True))
        specs: Sequence[PeerSpec] | PeerPool = for_request if excluded or changed else self.pool
        matches = rank_peers(request, specs, self.weights, top=top)
        if matches:
            return [
                Ranked(peer=self.index_of[m.peer_id], score=m.score, explanation=m.explanation.as_dict())
                for m in matches
            ], None
        return [], dict(explain_unmatched(request, specs).reason.as_dict())
