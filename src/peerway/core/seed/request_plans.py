"""Generated help requests as plans (what happened to each), and the rows they become.

A plan records one request's whole story: who asked, which peers were offered it in which round, who
accepted and when, whether the person was reached, and the engagement that followed. Turning plans into
rows is done here, in batches, with bulk_create only: the request (its protected FSM ``status`` is given
to the constructor, which django-fsm allows, since protection refuses only a later assignment to an
existing instance; bulk_create never assigns it again), its vocabulary links, the participant and the
engagement in the accepting peer's organization, the offers and any escalation alerts.
"""

from __future__ import annotations

import base64
import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import models

from peerway.core.seed.askers import Asker, RequestVocabulary
from peerway.core.seed.context import SeedContext, SeedError
from peerway.intake.models import EscalationAlert, HelpRequest, Offer
from peerway.intake.services import STATUS_LINK_LIFETIME, status_token_hash
from peerway.organizations.models import OrganizationKind
from peerway.privacy.fields import email_index, phone_index
from peerway.recovery.models import Engagement, Participant, Program

# The program an engagement is billed under follows from the accepting organization (as request_accept).
PROGRAM_BY_KIND: dict[str, str] = {
    OrganizationKind.RCO: Program.RCO,
    OrganizationKind.SUD_PROGRAM_245G: Program.SUD_245G,
    OrganizationKind.WITHDRAWAL_MANAGEMENT: Program.WITHDRAWAL_MANAGEMENT,
}


@dataclass
class PlannedOffer:
    peer: int  # index into ctx.peers
    round: int
    score: float
    explanation: dict[str, Any]
    offered_at: dt.datetime
    status: str = "offered"
    responded_at: dt.datetime | None = None
    seen_at: dt.datetime | None = None
    decline_reason: str = ""


@dataclass
class PlannedRequest:
    asker: Asker
    public_id: uuid.UUID
    created_at: dt.datetime
    status: str
    status_token_hash: str
    offers: list[PlannedOffer] = field(default_factory=list)
    escalation_level: int = 0
    last_offered_at: dt.datetime | None = None
    routing_note: dict[str, Any] = field(default_factory=dict)
    accepted_by: int | None = None  # index into ctx.peers
    accepted_at: dt.datetime | None = None
    connected_at: dt.datetime | None = None
    closed_at: dt.datetime | None = None
    engagement_status: str | None = None
    engagement_ended_at: dt.datetime | None = None
    engagement_checkup_since: dt.datetime | None = None
    # Organizations whose supervisors were alerted, when, and when the alert was resolved (a peer accepted
    # or the person withdrew; None while the request is still waiting).
    alerts: list[tuple[int, dt.datetime, dt.datetime | None]] = field(default_factory=list)
    # A re-link from a check-up (request_relink): a priority request preferring the previous peer (an index
    # into ctx.peers), for a participant whose record an accept continues instead of creating one.
    priority: bool = False
    preferred_peer: int | None = None
    participant_id: int | None = None


def status_token_hash_draw(ctx: SeedContext) -> str:
    """The hash of a status-link token drawn from the seed; the token itself is thrown away, as
    request_submit keeps only the hash (nobody can open a generated request's status page)."""
    token = base64.urlsafe_b64encode(ctx.rng.getrandbits(192).to_bytes(24, "big")).decode().rstrip("=")
    return status_token_hash(token)


def request_plans_insert(ctx: SeedContext, plans: Sequence[PlannedRequest], vocabulary: RequestVocabulary) -> None:
    """Write every row of ``plans``: requests, their links, participants, engagements, offers, alerts."""
    if not plans:
        return
    requests = help_requests_insert(ctx, plans, vocabulary)
    accepted = [(request, plan) for request, plan in zip(requests, plans, strict=True) if plan.accepted_by is not None]
    participants = ctx.insert(Participant, [_participant(ctx, plan, vocabulary) for _, plan in accepted])
    through: type[models.Model] = Participant.communities.through
    ctx.insert(
        through,
        [
            through(participant_id=participant.pk, community_id=vocabulary.community_ids[slug])
            for participant, (_, plan) in zip(participants, accepted, strict=True)
            for slug in plan.asker.communities
        ],
    )
    kinds = {seeded.organization.pk: str(seeded.organization.kind) for seeded in ctx.organizations}
    ctx.insert(
        Engagement,
        [
            planned_engagement(ctx, request, participant.pk, plan, kinds)
            for participant, (request, plan) in zip(participants, accepted, strict=True)
        ],
    )
    offers_insert(ctx, requests, plans)


def help_requests_insert(
    ctx: SeedContext, plans: Sequence[PlannedRequest], vocabulary: RequestVocabulary
) -> list[HelpRequest]:
    """Insert the requests of ``plans`` and their vocabulary links; the requests, with their ids, in plan order."""
    requests = ctx.insert(HelpRequest, [_help_request(ctx, plan, vocabulary) for plan in plans])
    for request in requests:
        if request.pk is None:
            raise SeedError("The database did not return ids from bulk_create; Peerway needs SQLite 3.35+.")
    _links_insert(ctx, HelpRequest, requests, plans, vocabulary)
    return requests


def offers_insert(ctx: SeedContext, requests: Sequence[HelpRequest], plans: Sequence[PlannedRequest]) -> None:
    """Insert the offers and escalation alerts of ``plans`` (``requests`` are their inserted requests)."""
    ctx.insert(
        Offer,
        [
            Offer(
                public_id=ctx.public_id(),
                request_id=request.pk,
                peer_id=ctx.peers[offer.peer].profile_id,
                round=offer.round,
                score=round(offer.score, 6),
                explanation=offer.explanation,
                status=offer.status,
                offered_at=offer.offered_at,
                responded_at=offer.responded_at,
                decline_reason=offer.decline_reason,
                seen_at=offer.seen_at,
            )
            for request, plan in zip(requests, plans, strict=True)
            for offer in plan.offers
        ],
    )
    ctx.insert(
        EscalationAlert,
        [
            EscalationAlert(
                public_id=ctx.public_id(),
                request_id=request.pk,
                organization_id=organization_id,
                created_at=at,
                resolved_at=resolved_at,
            )
            for request, plan in zip(requests, plans, strict=True)
            for organization_id, at, resolved_at in plan.alerts
        ],
    )


def _help_request(ctx: SeedContext, plan: PlannedRequest, vocabulary: RequestVocabulary) -> HelpRequest:
    asker = plan.asker
    peer = ctx.peers[plan.accepted_by] if plan.accepted_by is not None else None
    return HelpRequest(
        public_id=plan.public_id,
        # Given to the constructor: django-fsm's protection refuses only reassigning it afterwards.
        status=plan.status,
        source=asker.source,
        organization_id=peer.organization_id if peer else None,
        entered_by_id=asker.entered_by_id,
        status_token_hash=plan.status_token_hash,
        status_token_expires_at=plan.created_at + STATUS_LINK_LIFETIME,
        first_name=asker.first_name,
        contact_method=asker.contact_method,
        phone=asker.phone,
        # bulk_create skips HelpRequest.save(), which computes the blind indexes.
        phone_index=phone_index(asker.phone or ""),
        email=asker.email,
        email_index=email_index(asker.email or ""),
        language_id=vocabulary.language_ids[asker.language],
        language_required=asker.language_required,
        communities_own_words=asker.communities_own_words,
        gender_preference=asker.gender_preference,
        modalities=list(asker.modalities),
        county_id=vocabulary.county_ids[asker.county] if asker.county else None,
        zip_code=asker.zip_code,
        latitude=asker.latitude,
        longitude=asker.longitude,
        consent_to_contact=True,
        wants_to_choose=asker.wants_to_choose,
        created_at=plan.created_at,
        accepted_at=plan.accepted_at,
        accepted_by_id=peer.profile_id if peer else None,
        connected_at=plan.connected_at,
        closed_at=plan.closed_at,
        escalation_level=plan.escalation_level,
        last_offered_at=plan.last_offered_at,
        routing_note=plan.routing_note,
        priority=plan.priority,
        preferred_peer_id=ctx.peers[plan.preferred_peer].profile_id if plan.preferred_peer is not None else None,
    )


def _links_insert(
    ctx: SeedContext,
    model: type[models.Model],
    rows: Sequence[models.Model],
    plans: Sequence[PlannedRequest],
    vocabulary: RequestVocabulary,
) -> None:
    for name, ids in (
        ("communities", vocabulary.community_ids),
        ("lived_experience", vocabulary.experience_ids),
        ("pathways", vocabulary.pathway_ids),
    ):
        relation = getattr(model, name).field
        through: type[models.Model] = relation.remote_field.through
        source, target = relation.m2m_column_name(), relation.m2m_reverse_name()
        ctx.insert(
            through,
            [
                through(**{source: row.pk, target: ids[slug]})
                for row, plan in zip(rows, plans, strict=True)
                for slug in getattr(plan.asker, name)
            ],
        )


def _participant(ctx: SeedContext, plan: PlannedRequest, vocabulary: RequestVocabulary) -> Participant:
    """The person's record in the accepting organization, as participant_create makes it on accept."""
    asker = plan.asker
    assert plan.accepted_by is not None and plan.accepted_at is not None
    participant = Participant(
        public_id=ctx.public_id(),
        organization_id=ctx.peers[plan.accepted_by].organization_id,
        preferred_name=asker.first_name,
        phone=asker.phone,
        email=asker.email,
        language_id=vocabulary.language_ids[asker.language],
        communities_own_words=asker.communities_own_words,
        created_at=plan.accepted_at,
        updated_at=plan.accepted_at,
    )
    # bulk_create skips Participant.save(), which computes the blind indexes.
    participant.refresh_blind_indexes()
    return participant


def planned_engagement(
    ctx: SeedContext, request: HelpRequest, participant_id: int, plan: PlannedRequest, kinds: dict[int, str]
) -> Engagement:
    """The engagement an accept begins (request_accept), in the accepting peer's organization."""
    assert plan.accepted_by is not None and plan.accepted_at is not None and plan.engagement_status is not None
    peer = ctx.peers[plan.accepted_by]
    kind = kinds[peer.organization_id]
    return Engagement(
        public_id=ctx.public_id(),
        participant_id=participant_id,
        organization_id=peer.organization_id,
        peer_id=peer.profile_id,
        program=PROGRAM_BY_KIND.get(kind, Program.RCO),
        status=plan.engagement_status,
        started_at=plan.accepted_at,
        ended_at=plan.engagement_ended_at,
        checkup_since=plan.engagement_checkup_since,
        help_request_id=request.pk,
        began_from_request_id=request.pk,
        created_at=plan.accepted_at,
        updated_at=plan.engagement_ended_at or plan.engagement_checkup_since or plan.connected_at or plan.accepted_at,
    )
