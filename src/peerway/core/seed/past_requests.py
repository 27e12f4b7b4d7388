"""What became of the help requests made during the 90 days before --today.

Each follows the lifecycle the intake services drive: routed within seconds to the best three peers the
engine allows; if nobody accepts within the escalation window the offer widens to five more, and after a
second window the supervisors of every organization offered it are alerted (as request_escalate does).
Then a peer accepts (minutes in the daytime, longer at night, when fewer peers are on shift) or, now and
then, the person withdraws. After an accept the peer reaches the person (usually within the hour) and an
engagement begins in the peer's organization; it is still active for recent requests, and older ones are
in their check-up phase or closed. A request closes when its engagement does, or when the person was never
reached.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence

from peerway.core.seed.askers import asker_build, local_moment
from peerway.core.seed.context import MINNESOTA, OrganizationSeed, SeedContext, StaffSeed
from peerway.core.seed.request_plans import PlannedOffer, PlannedRequest, status_token_hash_draw
from peerway.core.seed.routing import PastRouter, Ranked
from peerway.intake.models import OfferStatus, RequestStatus
from peerway.intake.services import DEFAULT_ESCALATION_MINUTES, OFFER_ROUND_SIZES
from peerway.recovery.models import EngagementStatus

HISTORY_DAYS = 90
# People reach out at every hour, most from late morning to evening (Minnesota time, midnight first).
HOUR_WEIGHTS = (2, 1.5, 1, 1, 1, 1.5, 2, 3, 5, 6, 6.5, 6.5, 6, 6, 6, 6, 6, 6, 6, 5.5, 5, 4.5, 3.5, 2.5)
# Shifts run from 8 in the morning to 10 at night (peers.py); a request made outside them waits, received,
# until the worker routes it when the first shift starts, within the following hour.
FIRST_SHIFT_HOUR, LAST_SHIFT_HOUR = 8, 22
# Past requests were all settled by --today: none was made in its last hours (those are still open).
SETTLED_BEFORE_ANCHOR = dt.timedelta(hours=3)
ROUTING_DELAY_SECONDS = (2, 45)
ESCALATION_WINDOW = dt.timedelta(minutes=DEFAULT_ESCALATION_MINUTES)
# The worker checks for escalations once a minute.
WORKER_TICK_SECONDS = 59
# Minutes from the first offer to an accept: log-normal with a median of three minutes, so about one in
# four requests is widened after five minutes and a few reach the supervisors.
ACCEPT_MEDIAN_SECONDS, ACCEPT_SIGMA = 180.0, 0.8
WITHDRAWN_SHARE = 0.06
WITHDRAW_MEDIAN_SECONDS, WITHDRAW_SIGMA = 900.0, 1.2
UNROUTED_GIVE_UP = (dt.timedelta(minutes=20), dt.timedelta(days=2))
DECLINE_SHARE = 0.2
SEEN_SHARE = 0.75
DECLINE_REASONS = (
    "",
    "",
    "At my caseload limit this week",
    "Ending my shift",
    "Conflict of interest",
    "Another peer is a better fit",
)
# The weight of each offered peer (best first) in who accepts: usually the best match, not always.
WINNER_WEIGHTS_FIRST_ROUND = (6, 2.5, 1.5)
WINNER_WEIGHT_WIDER_ROUND = 1.5
NEVER_REACHED_SHARE = 0.08
CONNECT_MEDIAN_SECONDS, CONNECT_SIGMA = 1_500.0, 1.2
CONNECT_AT_MOST = dt.timedelta(days=2)
NEVER_REACHED_CLOSE_AFTER = (dt.timedelta(days=3), dt.timedelta(days=7))
# Engagements begun in the last 45 days are all still active; older ones have moved on this often.
ACTIVE_FOR = dt.timedelta(days=45)
OLDER_ENGAGEMENT_WEIGHTS: tuple[tuple[str, float], ...] = (
    (EngagementStatus.ACTIVE, 60),
    (EngagementStatus.CHECKUP, 25),
    (EngagementStatus.CLOSED, 15),
)
SHORTEST_CLOSED_ENGAGEMENT = dt.timedelta(days=30)
# An engagement moves to its check-up phase no sooner than this after the peer reached the person.
CHECKUP_PHASE_AFTER = dt.timedelta(days=30)


def escalated_at(ctx: SeedContext, round_at: dt.datetime) -> dt.datetime:
    """When the worker escalates an offer round made at ``round_at`` that nobody accepted: one escalation window
    later, at its next once-a-minute tick (request_escalate). Every seeded timeline draws it here."""
    return round_at + ESCALATION_WINDOW + dt.timedelta(seconds=ctx.rng.randint(0, WORKER_TICK_SECONDS))


def past_request_moments(ctx: SeedContext, count: int) -> list[dt.datetime]:
    """When ``count`` past requests were made, oldest first."""
    moments = []
    latest = ctx.anchor - SETTLED_BEFORE_ANCHOR
    for _ in range(count):
        day = ctx.today - dt.timedelta(days=ctx.rng.randint(1, HISTORY_DAYS))
        hour = ctx.rng.choices(range(24), HOUR_WEIGHTS)[0]
        moment = local_moment(day, hour * 3_600 + ctx.rng.randint(0, 3_599))
        moments.append(min(moment, latest - dt.timedelta(seconds=ctx.rng.randint(0, 3_600))))
    return sorted(moments)


def past_request_plan(
    ctx: SeedContext,
    router: PastRouter,
    home: OrganizationSeed,
    created_at: dt.datetime,
    staff_by_org: Mapping[int, Sequence[StaffSeed]],
) -> PlannedRequest:
    """One past request and everything that followed it, up to --today."""
    asker = asker_build(ctx, home, staff_by_org, at=created_at)
    plan = PlannedRequest(
        asker=asker,
        public_id=ctx.public_id(),
        created_at=created_at,
        status=RequestStatus.RECEIVED,
        status_token_hash=status_token_hash_draw(ctx),
    )
    ranked = router.rank(asker.spec(str(plan.public_id)), home.region, created_at, county=asker.county)
    # A person who asked to choose their peer picked one of the best three; the request went to that peer.
    if ranked and asker.wants_to_choose:
        ranked = [ranked[min(len(ranked) - 1, ctx.rng.randint(0, 2))]]
    if not ranked:
        # Nobody could take it (a language or a place no peer covered); the person gave up waiting.
        plan.status = RequestStatus.WITHDRAWN
        plan.closed_at = min(ctx.anchor, created_at + duration_between(ctx, *UNROUTED_GIVE_UP))
        return plan

    first_offer_at = first_offer_moment(ctx, created_at)
    withdrawn = ctx.rng.random() < WITHDRAWN_SHARE
    median, sigma = (WITHDRAW_MEDIAN_SECONDS, WITHDRAW_SIGMA) if withdrawn else (ACCEPT_MEDIAN_SECONDS, ACCEPT_SIGMA)
    ends_at = min(first_offer_at + lognormal_seconds(ctx, median, sigma), ctx.anchor - dt.timedelta(minutes=1))
    offer_rounds_plan(ctx, plan, ranked, first_offer_at, ends_at, widen=not asker.wants_to_choose)

    if withdrawn:
        plan.status = RequestStatus.WITHDRAWN
        plan.closed_at = ends_at
        responses_plan(ctx, plan.offers, winner=None, ends_at=ends_at)
        return plan
    winner = winner_draw(ctx, plan.offers)
    responses_plan(ctx, plan.offers, winner=winner, ends_at=ends_at)
    plan.accepted_by = winner.peer
    plan.accepted_at = ends_at
    _follow_up_plan(ctx, plan)
    if plan.engagement_status == EngagementStatus.ACTIVE:
        router.engage(winner.peer)
    return plan


def offer_rounds_plan(
    ctx: SeedContext,
    plan: PlannedRequest,
    ranked: Sequence[Ranked],
    first_offer_at: dt.datetime,
    ends_at: dt.datetime,
    *,
    widen: bool = True,
    first: int = OFFER_ROUND_SIZES[0],
) -> None:
    """The offers made until ``ends_at``: the first round (the best ``first`` of ``ranked``: three, or a
    re-linking person's previous peer alone), a wider one after one escalation window, and supervisor alerts
    after a second (request_route and request_escalate, run by the worker each minute)."""
    wider = OFFER_ROUND_SIZES[1]
    plan.status = RequestStatus.OFFERED
    plan.offers = [_offer(item, 0, first_offer_at) for item in ranked[:first]]
    plan.last_offered_at = first_offer_at
    widened_at = escalated_at(ctx, first_offer_at)
    if not widen or ends_at <= widened_at:
        return
    plan.escalation_level = 1
    plan.last_offered_at = widened_at
    plan.offers += [_offer(item, 1, widened_at) for item in ranked[first : first + wider]]
    alerted_at = escalated_at(ctx, widened_at)
    if ends_at <= alerted_at:
        return
    plan.escalation_level = 2
    plan.last_offered_at = alerted_at
    organizations = sorted({ctx.peers[offer.peer].organization_id for offer in plan.offers})
    # The request was settled at ``ends_at`` (accepted or withdrawn), which resolves its alerts.
    plan.alerts = [(organization_id, alerted_at, ends_at) for organization_id in organizations]


def _offer(item: Ranked, round_number: int, offered_at: dt.datetime) -> PlannedOffer:
    return PlannedOffer(
        peer=item.peer, round=round_number, score=item.score, explanation=item.explanation, offered_at=offered_at
    )


def winner_draw(ctx: SeedContext, offers: Sequence[PlannedOffer]) -> PlannedOffer:
    weights = [
        WINNER_WEIGHTS_FIRST_ROUND[position] if offer.round == 0 else WINNER_WEIGHT_WIDER_ROUND
        for position, offer in enumerate(offers)
    ]
    return ctx.rng.choices(list(offers), weights)[0]


def responses_plan(
    ctx: SeedContext, offers: Sequence[PlannedOffer], *, winner: PlannedOffer | None, ends_at: dt.datetime
) -> None:
    """How each offered peer answered before ``ends_at``; the others' offers lapsed when it ended."""
    for offer in offers:
        if offer is winner:
            offer.status = OfferStatus.ACCEPTED
            offer.seen_at = ctx.moment_between(offer.offered_at, ends_at)
            offer.responded_at = ends_at
        elif ctx.rng.random() < DECLINE_SHARE:
            offer.status = OfferStatus.DECLINED
            offer.responded_at = ctx.moment_between(offer.offered_at, ends_at)
            offer.seen_at = ctx.moment_between(offer.offered_at, offer.responded_at)
            offer.decline_reason = ctx.rng.choice(DECLINE_REASONS)
        else:
            offer.status = OfferStatus.LAPSED
            offer.seen_at = ctx.moment_between(offer.offered_at, ends_at) if ctx.rng.random() < SEEN_SHARE else None


def _follow_up_plan(ctx: SeedContext, plan: PlannedRequest) -> None:
    """After the accept: whether and when the peer reached the person, and where the engagement stands."""
    assert plan.accepted_at is not None
    accepted_at = plan.accepted_at
    reached = ctx.rng.random() >= NEVER_REACHED_SHARE
    connected_at = None
    if reached:
        delay = min(lognormal_seconds(ctx, CONNECT_MEDIAN_SECONDS, CONNECT_SIGMA), CONNECT_AT_MOST)
        connected_at = accepted_at + delay if accepted_at + delay <= ctx.anchor else None
    plan.status = RequestStatus.ACCEPTED
    plan.engagement_status = EngagementStatus.ACTIVE
    if connected_at is None:
        give_up_at = accepted_at + duration_between(ctx, *NEVER_REACHED_CLOSE_AFTER)
        if not reached and give_up_at <= ctx.anchor:
            plan.status = RequestStatus.CLOSED
            plan.closed_at = plan.engagement_ended_at = give_up_at
            plan.engagement_status = EngagementStatus.CLOSED
        return
    plan.connected_at = connected_at
    plan.status = RequestStatus.CONNECTED
    if ctx.anchor - accepted_at < ACTIVE_FOR:
        return
    plan.engagement_status = ctx.rng.choices(*zip(*OLDER_ENGAGEMENT_WEIGHTS, strict=True))[0]
    if plan.engagement_status == EngagementStatus.CHECKUP:
        # Engagement.enter_checkup records when the phase began; the app has none without it.
        plan.engagement_checkup_since = ctx.moment_between(
            connected_at + CHECKUP_PHASE_AFTER, ctx.anchor - dt.timedelta(days=1)
        )
    if plan.engagement_status == EngagementStatus.CLOSED:
        ended_at = ctx.moment_between(accepted_at + SHORTEST_CLOSED_ENGAGEMENT, ctx.anchor)
        plan.status = RequestStatus.CLOSED
        plan.closed_at = plan.engagement_ended_at = ended_at


def first_offer_moment(ctx: SeedContext, created_at: dt.datetime) -> dt.datetime:
    """When routing first found on-shift peers: seconds after the request in shift hours, else the next
    morning's first shift."""
    local = created_at.astimezone(MINNESOTA)
    if FIRST_SHIFT_HOUR <= local.hour < LAST_SHIFT_HOUR:
        return created_at + dt.timedelta(seconds=ctx.rng.randint(*ROUTING_DELAY_SECONDS))
    morning = local.date() if local.hour < FIRST_SHIFT_HOUR else local.date() + dt.timedelta(days=1)
    return local_moment(morning, FIRST_SHIFT_HOUR * 3_600 + ctx.rng.randint(0, 3_599))


def lognormal_seconds(ctx: SeedContext, median: float, sigma: float) -> dt.timedelta:
    return dt.timedelta(seconds=int(ctx.rng.lognormvariate(math.log(median), sigma)))


def duration_between(ctx: SeedContext, shortest: dt.timedelta, longest: dt.timedelta) -> dt.timedelta:
    return dt.timedelta(seconds=ctx.rng.randint(int(shortest.total_seconds()), int(longest.total_seconds())))
