"""Seed stage "requests": first calls for help over the 90 days before --today, and what became of them.

Past requests (past_requests.py) are generated oldest first, so each peer's active caseload grows as it
would have and no peer is offered more people than their caseload limit allows. The few requests still
open at --today (open_requests.py) are then routed over the peers as they are at that moment. Every
accepted request has exactly one accepted offer, a participant and an engagement in the accepting peer's
organization; every offer's explanation is the matching engine's own (routing.py). Personal fields are
encrypted by the model fields on insert, and blind indexes computed before it (bulk_create skips save()).
"""

from __future__ import annotations

from peerway.accounts.roles import Role
from peerway.core.seed.askers import request_vocabulary_load
from peerway.core.seed.context import OrganizationSeed, SeedContext, StaffSeed
from peerway.core.seed.open_requests import OpenRequestPlanner
from peerway.core.seed.past_requests import past_request_moments, past_request_plan
from peerway.core.seed.request_plans import PlannedRequest, request_plans_insert
from peerway.core.seed.routing import PastRouter

CHUNK = 2_000


def requests_seed(ctx: SeedContext) -> None:
    """Create ``scale.help_requests`` requests with their offers, participants, engagements and alerts."""
    vocabulary = request_vocabulary_load()
    homes, home_weights = _homes(ctx)
    staff_by_org: dict[int, list[StaffSeed]] = {}
    # Who may enter a call's request for the person, in the order they joined (askers.asker_build).
    for member in sorted(ctx.staff, key=lambda member: (member.joined, member.user_id)):
        if member.role in (Role.PEER, Role.SUPERVISOR):
            staff_by_org.setdefault(member.organization_id, []).append(member)
    router = PastRouter(ctx)
    past = max(0, ctx.scale.help_requests - ctx.scale.open_help_requests)
    with ctx.progress_bar("requests", ctx.scale.help_requests) as bar:
        pending: list[PlannedRequest] = []
        for created_at in past_request_moments(ctx, past):
            home = ctx.rng.choices(homes, home_weights)[0]
            pending.append(past_request_plan(ctx, router, home, created_at, staff_by_org))
            if len(pending) == CHUNK:
                request_plans_insert(ctx, pending, vocabulary)
                bar.update(len(pending))
                pending = []
        request_plans_insert(ctx, pending, vocabulary)
        bar.update(len(pending))
        planner = OpenRequestPlanner(ctx, router.active, homes, home_weights, staff_by_org)
        open_plans = planner.plans()
        request_plans_insert(ctx, open_plans, vocabulary)
        bar.update(len(open_plans))


def _homes(ctx: SeedContext) -> tuple[list[OrganizationSeed], list[float]]:
    """Service organizations whose area a person asking lives in, weighted by how many peers they have
    (more peers where more people ask)."""
    peers_by_org: dict[int, int] = {}
    for peer in ctx.peers:
        peers_by_org[peer.organization_id] = peers_by_org.get(peer.organization_id, 0) + 1
    homes = ctx.service_organizations
    return homes, [float(peers_by_org.get(home.organization.pk, 1)) for home in homes]
