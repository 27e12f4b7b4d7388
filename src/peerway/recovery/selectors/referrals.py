"""Reads of referrals, scoped to the acting user and audited (a referral is part of a person's record).

Reading an engagement's referrals writes one ``viewed`` AccessEvent for the person; the follow-up list
writes one ``listed`` event per person shown. Anything outside the user's organizations is a 404.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404

from peerway.accounts.models import User
from peerway.accounts.roles import PARTICIPANT_RECORD_ROLES, Role
from peerway.core.access import access_events_record, acting_role
from peerway.core.models import AccessAction
from peerway.organizations.models import Organization, ServiceArea
from peerway.recovery.models import (
    OPEN_REFERRAL_STATUSES,
    SUBJECT_PARTICIPANT,
    Engagement,
    EngagementStatus,
    Referral,
)
from peerway.recovery.selectors.scope import record_organization_ids
from peerway.resources.models import Resource

# Who may refer and record what came of a referral (billing staff read records but change none).
REFERRAL_WRITE_ROLES = frozenset({Role.PEER, Role.SUPERVISOR, Role.ORG_ADMIN})
# Who has a follow-up list: peers (their own engagements) and supervisors (their organization's).
FOLLOW_UP_ROLES = frozenset({Role.PEER, Role.SUPERVISOR})


def _engagement_get(user: User, public_id: uuid.UUID | str, roles: frozenset[Role]) -> Engagement:
    try:
        return (
            Engagement.objects.filter(organization_id__in=record_organization_ids(user, roles))
            .select_related("participant", "organization", "peer")
            .get(public_id=public_id)
        )
    except (Engagement.DoesNotExist, ValueError, TypeError, ValidationError):
        raise Http404("No such engagement.") from None


@transaction.atomic
def engagement_referrals_for_user(
    user: User, public_id: uuid.UUID | str, *, reason: str = "referrals"
) -> tuple[Engagement, list[Referral]]:
    """An engagement and its referrals, with one ``viewed`` AccessEvent for the person."""
    engagement = _engagement_get(user, public_id, PARTICIPANT_RECORD_ROLES)
    referrals = list(
        engagement.referrals.select_related("resource", "resource__county", "created_by").order_by("-sent_at", "-id")
    )
    access_events_record(
        actor=user,
        role=acting_role(user, engagement.organization, PARTICIPANT_RECORD_ROLES),
        organization=engagement.organization,
        subject_type=SUBJECT_PARTICIPANT,
        subject_ids=[engagement.participant.public_id],
        action=AccessAction.VIEWED,
        reason=reason,
    )
    return engagement, referrals


def engagement_for_referral_change(user: User, public_id: uuid.UUID | str) -> Engagement:
    """The engagement a user may add a referral to (peer, supervisor or administrator of its organization)."""
    return _engagement_get(user, public_id, REFERRAL_WRITE_ROLES)


def referral_for_change(user: User, public_id: uuid.UUID | str) -> Referral:
    """A referral the user may move along its lifecycle; 404 outside their organizations or roles."""
    try:
        return (
            Referral.objects.filter(engagement__organization_id__in=record_organization_ids(user, REFERRAL_WRITE_ROLES))
            .select_related("engagement", "engagement__organization", "engagement__participant", "resource")
            .get(public_id=public_id)
        )
    except (Referral.DoesNotExist, ValueError, TypeError, ValidationError):
        raise Http404("No such referral.") from None


def resources_for_engagement(engagement: Engagement, *, nearby: bool = False) -> QuerySet[Resource]:
    """Resources a person in ``engagement`` may be referred to: shared ones and its organization's.

    ``nearby``: only those without a county (statewide, by phone or online) and those in the counties the
    organization serves, when it has a service area; a state's directory holds thousands of resources."""
    resources = Resource.objects.filter(
        Q(organization__isnull=True) | Q(organization_id=engagement.organization_id), active=True
    )
    if nearby and organization_serves_counties(engagement.organization_id):
        served = ServiceArea.objects.filter(organization_id=engagement.organization_id).values("county_id")
        resources = resources.filter(Q(county__isnull=True) | Q(county_id__in=served))
    return resources.order_by("category", "name", "id")


def organization_serves_counties(organization_id: int) -> bool:
    """Whether the organization has a service area (counties it serves) to narrow resources by."""
    return ServiceArea.objects.filter(organization_id=organization_id).exists()


def referrals_due_queryset(today: dt.date) -> QuerySet[Referral]:
    """Open referrals whose follow-up date has come, of engagements that are not closed (they return on reopening)."""
    return Referral.objects.filter(status__in=OPEN_REFERRAL_STATUSES, follow_up_on__lte=today).exclude(
        engagement__status=EngagementStatus.CLOSED
    )


@transaction.atomic
def referrals_due_for_user(user: User, *, today: dt.date) -> list[Referral]:
    """Open referrals due for follow-up: a peer's own engagements, and a supervisor's or administrator's whole
    organization (they are reminded of those whose peer can no longer follow them up).

    A 404 for anyone who is neither. Each person shown gets one ``listed`` AccessEvent.
    """
    supervised = record_organization_ids(user, {Role.SUPERVISOR, Role.ORG_ADMIN})
    as_peer = record_organization_ids(user, {Role.PEER})
    if not (supervised.exists() or as_peer.exists()):
        raise Http404("No follow-up list for this account.")
    referrals = list(
        referrals_due_queryset(today)
        .filter(
            Q(engagement__organization_id__in=supervised)
            | Q(engagement__organization_id__in=as_peer, engagement__peer__user=user)
        )
        .select_related("engagement", "engagement__participant", "engagement__organization", "engagement__peer")
        .select_related("resource")
        .order_by("follow_up_on", "id")[:500]
    )
    by_org: dict[int, tuple[Organization, list[uuid.UUID]]] = {}
    for referral in referrals:
        organization = referral.engagement.organization
        people = by_org.setdefault(organization.pk, (organization, []))[1]
        if referral.engagement.participant.public_id not in people:
            people.append(referral.engagement.participant.public_id)
    for organization, people in by_org.values():
        access_events_record(
            actor=user,
            role=acting_role(user, organization, PARTICIPANT_RECORD_ROLES),
            organization=organization,
            subject_type=SUBJECT_PARTICIPANT,
            subject_ids=people,
            action=AccessAction.LISTED,
            reason="referrals due for follow-up",
        )
    return referrals
