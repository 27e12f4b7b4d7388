"""Reads of engagements, scoped to the acting user and audited (the subject is the participant)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.http import Http404

from peerway.accounts.models import User
from peerway.accounts.roles import PARTICIPANT_RECORD_ROLES, Role
from peerway.core.access import access_events_record, acting_role
from peerway.core.models import AccessAction
from peerway.recovery.models import (
    SUBJECT_PARTICIPANT,
    Contact,
    Engagement,
    EngagementHandoff,
    PeerAttestation,
)
from peerway.recovery.selectors.scope import record_organization_ids

# Who changes an engagement (the service further limits peers to their own engagements).
ENGAGEMENT_ACTION_ROLES = frozenset({Role.PEER, Role.SUPERVISOR, Role.ORG_ADMIN})
LEAD_ROLES = frozenset({Role.SUPERVISOR, Role.ORG_ADMIN})


def engagements_for_user(user: User, roles: Iterable[Role] = PARTICIPANT_RECORD_ROLES) -> QuerySet[Engagement]:
    """Engagements of the organizations where the user holds one of ``roles``. Lazy and unaudited."""
    return Engagement.objects.filter(organization_id__in=record_organization_ids(user, roles))


def engagement_for_action(
    user: User, public_id: uuid.UUID | str, roles: Iterable[Role] = ENGAGEMENT_ACTION_ROLES
) -> Engagement:
    """The engagement an action names, or a 404. Unaudited: the service that acts writes the event."""
    try:
        return (
            engagements_for_user(user, roles)
            .select_related("organization", "participant", "peer")
            .get(public_id=public_id)
        )
    except (Engagement.DoesNotExist, ValueError, TypeError, ValidationError):
        raise Http404("No such engagement.") from None


@transaction.atomic
def engagement_get_for_user(user: User, public_id: uuid.UUID | str, *, reason: str = "") -> Engagement:
    """One engagement with its contacts (current versions), hand-offs and attestations, and one ``viewed``
    AccessEvent for the person, in the same transaction."""
    try:
        engagement = (
            engagements_for_user(user)
            .select_related("organization", "participant", "peer", "voluntary_notice_by", "plan")
            .prefetch_related(
                Prefetch(
                    "contacts",
                    queryset=Contact.objects.select_related("current_version", "peer", "cosigned_by").order_by(
                        "-occurred_at", "-id"
                    ),
                ),
                Prefetch(
                    "handoffs",
                    queryset=EngagementHandoff.objects.select_related("from_peer", "to_peer", "handed_off_by"),
                ),
                Prefetch("attestations", queryset=PeerAttestation.objects.select_related("peer")),
            )
            .get(public_id=public_id)
        )
    except (Engagement.DoesNotExist, ValueError, TypeError, ValidationError):
        raise Http404("No such engagement.") from None
    engagement_view_record(user, engagement, reason=reason)
    return engagement


def engagement_view_record(user: User, engagement: Engagement, *, reason: str) -> None:
    """One ``viewed`` AccessEvent for the person of ``engagement``: for every page that shows part of their
    record, including one reached through ``engagement_for_action`` (e.g. the contact form lists plan goals)."""
    access_events_record(
        actor=user,
        role=acting_role(user, engagement.organization, PARTICIPANT_RECORD_ROLES),
        organization=engagement.organization,
        subject_type=SUBJECT_PARTICIPANT,
        subject_ids=[engagement.participant.public_id],
        action=AccessAction.VIEWED,
        reason=reason,
    )


def engagement_staff_to_remind(engagement: Engagement) -> list[User]:
    """Who is reminded of the engagement's follow-ups (check-ups, referrals): its own peer while they may work
    as a peer (``PeerProfile.objects.in_service``); once they cannot (their peer role or account ended, on leave),
    the organization's supervisors, or its administrators when it has none, who cover their people. A reminder
    to someone who can no longer open the page would reach nobody who can act."""
    from peerway.accounts.selectors import organization_responders
    from peerway.workforce.models import PeerProfile

    if PeerProfile.objects.in_service().filter(pk=engagement.peer_id).exists():
        return [engagement.peer.user]
    return organization_responders(engagement.organization_id)
