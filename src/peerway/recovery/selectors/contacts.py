"""Reads of contacts, scoped to the acting user and audited (the subject is the participant)."""

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
from peerway.recovery.models import SUBJECT_PARTICIPANT, Contact, ContactVersion, PlanGoal
from peerway.recovery.selectors.scope import record_organization_ids

COSIGN_ROLES = frozenset({Role.SUPERVISOR, Role.ORG_ADMIN})
CORRECT_ROLES = frozenset({Role.PEER, Role.SUPERVISOR, Role.ORG_ADMIN})


def contacts_for_user(user: User, roles: Iterable[Role] = PARTICIPANT_RECORD_ROLES) -> QuerySet[Contact]:
    return Contact.objects.filter(engagement__organization_id__in=record_organization_ids(user, roles))


def contact_allows(user: User, contact: Contact, roles: Iterable[Role]) -> bool:
    """Whether ``contact_for_action`` (or ``contact_get_for_user``) with ``roles`` lets the user at the contact."""
    return contacts_for_user(user, roles).filter(pk=contact.pk).exists()


def contact_for_action(user: User, public_id: uuid.UUID | str, roles: Iterable[Role]) -> Contact:
    """The contact an action names, or a 404. Unaudited: the service that acts writes the event."""
    try:
        return (
            contacts_for_user(user, roles)
            .select_related(
                "engagement__organization", "engagement__participant", "engagement__peer", "current_version"
            )
            .get(public_id=public_id)
        )
    except (Contact.DoesNotExist, ValueError, TypeError, ValidationError):
        raise Http404("No such contact.") from None


@transaction.atomic
def contact_get_for_user(
    user: User, public_id: uuid.UUID | str, *, roles: Iterable[Role] = PARTICIPANT_RECORD_ROLES, reason: str = ""
) -> Contact:
    """One contact with every version (newest first), and one ``viewed`` AccessEvent for the person."""
    roles = frozenset(roles)
    try:
        contact = (
            contacts_for_user(user, roles)
            .select_related(
                "engagement__organization",
                "engagement__participant",
                "engagement__peer",
                "current_version",
                "cosigned_by",
                "recorded_by",
            )
            .prefetch_related(
                Prefetch(
                    "versions",
                    queryset=ContactVersion.objects.select_related("created_by", "cosign__signed_by")
                    .prefetch_related("goals")
                    .order_by("-number"),
                )
            )
            .get(public_id=public_id)
        )
    except (Contact.DoesNotExist, ValueError, TypeError, ValidationError):
        raise Http404("No such contact.") from None
    access_events_record(
        actor=user,
        role=acting_role(user, contact.engagement.organization, roles),
        organization=contact.engagement.organization,
        subject_type=SUBJECT_PARTICIPANT,
        subject_ids=[contact.engagement.participant.public_id],
        action=AccessAction.VIEWED,
        reason=reason,
    )
    return contact


@transaction.atomic
def contacts_awaiting_cosign_for_user(user: User) -> list[Contact]:
    """Contacts the user's organizations ask a supervisor to co-sign, oldest first, but not those the user
    recorded or whose current version they wrote (``contact_cosign`` refuses them: they wait for another
    supervisor); each person shown gets one ``listed`` AccessEvent."""
    contacts = list(
        contacts_for_user(user, COSIGN_ROLES)
        .filter(needs_cosign=True, cosigned_at__isnull=True)
        .exclude(recorded_by=user)
        .exclude(current_version__created_by=user)
        .select_related("engagement__organization", "engagement__participant", "peer", "current_version")
        .order_by("occurred_at", "id")[:200]
    )
    by_org: dict[int, list[Contact]] = {}
    for contact in contacts:
        by_org.setdefault(contact.engagement.organization_id, []).append(contact)
    for group in by_org.values():
        organization = group[0].engagement.organization
        access_events_record(
            actor=user,
            role=acting_role(user, organization, COSIGN_ROLES),
            organization=organization,
            subject_type=SUBJECT_PARTICIPANT,
            subject_ids=sorted({c.engagement.participant.public_id for c in group}),
            action=AccessAction.LISTED,
            reason="contacts awaiting co-sign",
        )
    return contacts


def plan_goals_for_engagement(engagement_id: int) -> QuerySet[PlanGoal]:
    """The goals a contact of this engagement may name (its plan's, if it has one)."""
    return PlanGoal.objects.filter(plan__engagement_id=engagement_id).order_by("position", "created_at")


def peer_last_contact_defaults(peer_id: int) -> dict[str, str]:
    """The peer's last modality and kind, so quick entry starts where they usually are."""
    last = (
        ContactVersion.objects.filter(contact__peer_id=peer_id, number=1)
        .order_by("-created_at", "-id")
        .values("modality", "kind")
        .first()
    )
    return dict(last) if last else {}
