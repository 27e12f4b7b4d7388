"""The help requests still open at --today, routed the way request_route would route them then.

Three situations, all computed by the matching engine over the peers as they are at --today (on shift
or not, with their active caseloads), so what the live queues and the matching report show is true of
the data:

- **Waiting in live queues**: asked a few minutes ago and offered to the best three on-shift peers. Two
  of them are shaped by what the demo peer ("riverbend-peer") shares, so that the peer `make demo` signs
  in as finds one or two offers in their queue.
- **Escalated**: asked in a language only one to three on-shift peers speak, offered to them, widened
  after five minutes to nobody new, and after five more the supervisors of those peers' organizations
  were alerted.
- **Unmet demand**: asked in a language that no peer on shift speaks (Karen, Oromo, Amharic, Ojibwe…),
  still "received", with the engine's reason as the routing note (``no_peer_speaks_language``) and when
  the next shift starts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from peerway.core.seed.askers import Asker, asker_build
from peerway.core.seed.communities import PROFILES, profile_weights
from peerway.core.seed.context import OrganizationSeed, PeerSeed, SeedContext, StaffSeed
from peerway.core.seed.names import NAME_POOLS
from peerway.core.seed.past_requests import ROUTING_DELAY_SECONDS, escalated_at
from peerway.core.seed.peers import DEMO_PEER_USERNAME
from peerway.core.seed.request_plans import PlannedOffer, PlannedRequest, status_token_hash_draw
from peerway.core.seed.routing import PresentRouter, Ranked
from peerway.intake.models import OfferStatus, RequestStatus
from peerway.intake.services import OFFER_ROUND_SIZES, next_shift_start
from peerway.workforce.models import Modality

DEMO_OFFERS = 2
DEMO_REDRAWS = 20
# Languages Minnesotans ask for that few peers speak, weighted by how often they are asked for.
RARE_LANGUAGES: tuple[tuple[str, float], ...] = (
    ("ksw", 6),
    ("om", 5),
    ("am", 4),
    ("oj", 3),
    ("dak", 2),
    ("ase", 3),
    ("vi", 2),
    ("ar", 2),
    ("hmn", 1),
    ("so", 1),
    ("es", 1),
)
LANGUAGE_PROFILES: dict[str, str] = {
    "ksw": "karen",
    "om": "oromo",
    "am": "ethiopian",
    "oj": "ojibwe",
    "dak": "dakota",
    "ase": "deaf",
    "vi": "vietnamese",
    "ar": "arab",
    "hmn": "hmong",
    "so": "somali",
    "es": "latino",
}
# How long ago each kind of open request was made, in seconds before --today.
WAITING_AGO = (30, 270)
ESCALATED_AGO = (15 * 60, 40 * 60)
UNMET_AGO = (20 * 60, 20 * 3_600)
SEEN_SHARE = 0.5
REMOTE_MODALITIES = (Modality.PHONE, Modality.TEXT, Modality.VIDEO)


class OpenRequestPlanner:
    """Plans the requests open at --today over the peers as they are then (on shift, caseloads)."""

    def __init__(
        self,
        ctx: SeedContext,
        active_caseloads: Sequence[int],
        homes: Sequence[OrganizationSeed],
        home_weights: Sequence[float],
        staff_by_org: Mapping[int, Sequence[StaffSeed]],
    ) -> None:
        self.ctx = ctx
        self.router = PresentRouter(ctx.peers, active_caseloads)
        self.homes = homes
        self.home_weights = home_weights
        self.staff_by_org = staff_by_org
        next_shift = next_shift_start(now=ctx.anchor)
        self.next_shift_at = next_shift.isoformat() if next_shift else None
        self.on_shift = [peer for index, peer in enumerate(ctx.peers) if index in self.router.spec_of and peer.on_shift]
        self.demo = next(
            (index for index, peer in enumerate(ctx.peers) if peer.demo_username == DEMO_PEER_USERNAME), None
        )

    def plans(self) -> list[PlannedRequest]:
        """Every open request: unmet, escalated and waiting first, then the demo peer's offers."""
        count = self.ctx.scale.open_help_requests
        unmet, escalated = max(2, count // 4), max(1, count // 8)
        waiting = max(0, count - unmet - escalated - DEMO_OFFERS)
        plans: list[PlannedRequest] = []
        for make, times in ((self._unmet, unmet), (self._escalated, escalated), (self._waiting, waiting)):
            for _ in range(times):
                plans.append(self._sparing_the_demo_queue(make, plans))
        plans += self._demo(plans)
        return plans

    def _sparing_the_demo_queue(
        self, make: Callable[[], PlannedRequest], plans: Sequence[PlannedRequest]
    ) -> PlannedRequest:
        """A request from ``make``; drawn again (a different person asking) while routing it would give the
        demo peer more than DEMO_OFFERS open offers, so their queue stays readable. Routing is never bent."""
        plan = make()
        for _ in range(DEMO_REDRAWS):
            if self._demo_offers([*plans, plan]) <= DEMO_OFFERS:
                break
            plan = make()
        return plan

    def _demo_offers(self, plans: Sequence[PlannedRequest]) -> int:
        return sum(1 for plan in plans for offer in plan.offers if offer.peer == self.demo)

    def _waiting(self) -> PlannedRequest:
        return self._routed(self._asker(self._home()), WAITING_AGO)

    def _home(self, profile: str | None = None) -> OrganizationSeed:
        if profile is None:
            return self.ctx.rng.choices(list(self.homes), self.home_weights)[0]
        # Where people of this community live: organizations weighted by the profile's share of their people.
        weights = []
        for home in self.homes:
            keys, profile_shares = profile_weights(home.region, home.focus_profile)
            weights.append(profile_shares[keys.index(profile)] if profile in keys else 0.0)
        if not any(weights):
            return self._home()
        return self.ctx.rng.choices(list(self.homes), weights)[0]

    def _asker(self, home: OrganizationSeed, **kwargs: Any) -> Asker:
        asker = asker_build(self.ctx, home, self.staff_by_org, **kwargs)
        # Open requests are routed by Peerway; people choosing their own peer are shown in the past data.
        asker.wants_to_choose = False
        return asker

    def _unmet(self) -> PlannedRequest:
        spoken = {language for peer in self.on_shift for language in peer.languages}
        rare = [(language, weight) for language, weight in RARE_LANGUAGES if language not in spoken]
        if rare:
            language = self.ctx.rng.choices(*zip(*rare, strict=True))[0]
            profile = LANGUAGE_PROFILES[language]
            asker = self._asker(self._home(profile), profile=profile, language=language, language_required=True)
        else:
            # Every language has a speaker on shift (the larger scales): ask to meet in person instead,
            # which the engine refuses when no peer on shift serves the place.
            asker = self._asker(self._home())
            if asker.latitude is not None:
                asker.modalities = (Modality.IN_PERSON,)
        return self._routed(asker, UNMET_AGO)

    def _escalated(self) -> PlannedRequest:
        speakers: dict[str, int] = {}
        for peer in self.on_shift:
            for language in peer.languages:
                if language != "en":
                    speakers[language] = speakers.get(language, 0) + 1
        few = [language for language, count in speakers.items() if count <= 3] or list(speakers)
        if not few:
            return self._routed(self._asker(self._home()), ESCALATED_AGO)
        language = self.ctx.rng.choice(sorted(few))
        profile = LANGUAGE_PROFILES.get(language)
        asker = self._asker(self._home(profile), profile=profile, language=language, language_required=True)
        # Reachable by phone too, so that it is the language, not the distance, that few peers can meet.
        asker.modalities = tuple(sorted({*asker.modalities, Modality.PHONE}))
        return self._routed(asker, ESCALATED_AGO)

    def _routed(self, asker: Asker, ago: tuple[int, int]) -> PlannedRequest:
        """Route a request made ``ago`` seconds before --today, and escalate it as far as the worker would
        have by then (widened after one window without an accept, supervisors alerted after two)."""
        ctx = self.ctx
        created_at = ctx.anchor - dt.timedelta(seconds=ctx.rng.randint(*ago))
        plan = PlannedRequest(
            asker=asker,
            public_id=ctx.public_id(),
            created_at=created_at,
            status=RequestStatus.RECEIVED,
            status_token_hash=status_token_hash_draw(ctx),
        )
        spec = asker.spec(str(plan.public_id))
        first, wider = OFFER_ROUND_SIZES
        ranked, reason = self.router.route(spec, county=asker.county, top=first)
        if not ranked:
            plan.routing_note = self._note(reason)
            return plan

        def wider_round() -> Sequence[Ranked]:
            more, reason = self.router.route(
                spec, county=asker.county, exclude=[offer.peer for offer in plan.offers], top=wider
            )
            if not more:
                # request_route records why the widened round found nobody, while the first offers stand.
                plan.routing_note = self._note(reason)
            return more

        alerted_at = open_rounds(ctx, plan, ranked, self._routed_at(created_at), wider_round)
        if alerted_at is not None:
            organizations = sorted({ctx.peers[offer.peer].organization_id for offer in plan.offers})
            plan.alerts = [(organization_id, alerted_at, None) for organization_id in organizations]
        return plan

    def _routed_at(self, created_at: dt.datetime) -> dt.datetime:
        """When the worker routed a request made at ``created_at``: seconds later, and never after --today."""
        return min(created_at + dt.timedelta(seconds=self.ctx.rng.randint(*ROUTING_DELAY_SECONDS)), self.ctx.anchor)

    def _note(self, reason: dict[str, Any] | None) -> dict[str, Any]:
        return {**(reason or {"code": "no_peers"}), "next_shift_at": self.next_shift_at}

    def _demo(self, plans: Sequence[PlannedRequest]) -> list[PlannedRequest]:
        """Requests shaped by what the demo peer shares, until their queue holds DEMO_OFFERS offers."""
        if self.demo is None or self.demo not in self.router.spec_of:
            return []
        held = self._demo_offers(plans)
        return [self._for_demo_peer(self.demo, number) for number in range(max(0, DEMO_OFFERS - held))]

    def _for_demo_peer(self, demo: int, number: int) -> PlannedRequest:
        ctx, peer = self.ctx, self.ctx.peers[demo]
        staff = next(member for member in ctx.staff if member.user_id == peer.user_id)
        home = next(seeded for seeded in ctx.organizations if seeded.organization.pk == peer.organization_id)
        others = [language for language in peer.languages if language != "en"]
        # The first asks in the peer's other language when they have one; the second in English.
        language = others[0] if others and number == 0 else "en"
        asker = self._asker(home, profile=staff.profile, language=language, language_required=language != "en")
        _shaped_by(ctx, asker, peer)
        # Routed like any other: shaped by what the demo peer shares, it reaches them among the best three.
        return self._routed(asker, WAITING_AGO)


def open_rounds(
    ctx: SeedContext,
    plan: PlannedRequest,
    first_round: Sequence[Ranked],
    offered_at: dt.datetime,
    wider_round: Callable[[], Sequence[Ranked]],
) -> dt.datetime | None:
    """The offers of a request still open at --today, as the worker would have made them by then: the first round
    at ``offered_at``, the wider one (``wider_round()``, asked only once it is reached) one escalation window later;
    returns when the supervisors were alerted after another window, or None when --today came first."""
    plan.status = RequestStatus.OFFERED
    plan.offers = [open_offer(ctx, item, 0, offered_at) for item in first_round]
    plan.last_offered_at = offered_at
    widened_at = escalated_at(ctx, offered_at)
    if widened_at > ctx.anchor:
        return None
    plan.escalation_level = 1
    plan.last_offered_at = widened_at
    plan.offers += [open_offer(ctx, item, 1, widened_at) for item in wider_round()]
    alerted_at = escalated_at(ctx, widened_at)
    if alerted_at > ctx.anchor:
        return None
    plan.escalation_level = 2
    plan.last_offered_at = alerted_at
    return alerted_at


def open_offer(ctx: SeedContext, item: Ranked, round_number: int, offered_at: dt.datetime) -> PlannedOffer:
    """An offer still open at --today, made at ``offered_at`` in round ``round_number``; seen by its peer or not."""
    offer = PlannedOffer(
        peer=item.peer, round=round_number, score=item.score, explanation=item.explanation, offered_at=offered_at
    )
    offer.status = OfferStatus.OFFERED
    demo = ctx.peers[item.peer].demo_username is not None
    # The demo peer has not looked at their queue yet, so its first view is a real access event.
    if not demo and ctx.rng.random() < SEEN_SHARE:
        offer.seen_at = ctx.moment_between(offered_at, ctx.anchor)
    return offer


def _shaped_by(ctx: SeedContext, asker: Asker, peer: PeerSeed) -> None:
    """Make ``asker`` want what ``peer`` shares: their communities, some of their experience, how they meet."""
    rng = ctx.rng
    if peer.communities:
        asker.communities = peer.communities[:2]
    if peer.lived_experience:
        asker.lived_experience = tuple(rng.sample(peer.lived_experience, min(2, len(peer.lived_experience))))
    if peer.pathways:
        asker.pathways = peer.pathways[:1]
    asker.gender_preference = peer.gender if peer.gender and rng.random() < 0.5 else ""
    remote = tuple(modality for modality in peer.modalities if modality in REMOTE_MODALITIES)
    asker.modalities = tuple(sorted(remote or peer.modalities))
    if asker.first_name is None:
        asker.first_name = rng.choice(NAME_POOLS[PROFILES[asker.profile].name_pool].first_names)
