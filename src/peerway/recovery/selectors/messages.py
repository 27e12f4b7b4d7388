"""Reads of secure messages: the engagement's own peer, and supervisors/administrators covering, see them."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404

from peerway.accounts.models import User
from peerway.accounts.roles import MESSAGE_COVER_ROLES, Role
from peerway.accounts.selectors import organization_responders
from peerway.core.access import access_events_record, acting_role
from peerway.core.models import AccessAction
from peerway.recovery.models import SUBJECT_PARTICIPANT, Engagement, EngagementStatus, Message, MessageSender
from peerway.recovery.selectors.scope import record_organization_ids
from peerway.workforce.models import PeerProfile

MESSAGE_ROLES = frozenset({Role.PEER, *MESSAGE_COVER_ROLES})


def message_engagements_for_user(user: User) -> QuerySet[Engagement]:
    """Engagements whose messages the user may read: their own as the peer (in an organization where they are
    still a peer), or any in an organization where they supervise or administer."""
    return Engagement.objects.filter(
        Q(peer__user=user, organization_id__in=record_organization_ids(user, {Role.PEER}))
        | Q(organization_id__in=record_organization_ids(user, MESSAGE_COVER_ROLES))
    ).select_related("participant", "participant__language", "organization", "peer", "peer__user")


def message_engagement_ids(user: User, engagements: Iterable[Engagement]) -> set[int]:
    """Which of ``engagements`` (by pk) the user may open the messages of, by ``message_engagements_for_user``."""
    pks = [engagement.pk for engagement in engagements]
    return set(message_engagements_for_user(user).filter(pk__in=pks).values_list("pk", flat=True))


def peer_answers_messages(engagement: Engagement) -> bool:
    """Whether the engagement's own peer is there to answer the person: the engagement is open and the peer may
    work as a peer now (``PeerProfile.objects.in_service``), so can open the thread."""
    if engagement.status == EngagementStatus.CLOSED:
        return False
    return PeerProfile.objects.in_service().filter(pk=engagement.peer_id).exists()


def message_team_for_engagement(engagement: Engagement) -> list[User]:
    """Who reads the person's messages when their peer cannot: the organization's active supervisors, or its
    active administrators when it has no supervisor, so a message never lands where nobody reads it."""
    return organization_responders(engagement.organization_id)


@transaction.atomic
def engagement_messages_for_user(user: User, public_id: uuid.UUID | str) -> tuple[Engagement, list[Message]]:
    """The engagement and its messages, oldest first; a ``viewed`` AccessEvent."""
    try:
        engagement = message_engagements_for_user(user).get(public_id=public_id)
    except (Engagement.DoesNotExist, ValueError, TypeError, ValidationError):
        raise Http404("No such engagement.") from None
    messages = list(engagement.messages.select_related("sender_user"))
    access_events_record(
        actor=user,
        role=acting_role(user, engagement.organization, MESSAGE_ROLES),
        organization=engagement.organization,
        subject_type=SUBJECT_PARTICIPANT,
        subject_ids=[engagement.participant.public_id],
        action=AccessAction.VIEWED,
        reason="secure messages",
    )
    return engagement, messages


def unread_message_count_for_user(user: User) -> int:
    """Messages from the people a peer supports that the peer has not opened yet (for a badge; no names). Only
    those the peer is there to answer (``peer_answers_messages``): the ones of closed engagements, or of an
    organization where the peer no longer works as one, are the covering team's (``messages_mark_read_by_staff``)."""
    return (
        Message.objects.filter(
            engagement__peer__user=user,
            engagement__peer__in=PeerProfile.objects.in_service(),
            sender=MessageSender.PARTICIPANT,
            read_at__isnull=True,
        )
        .exclude(engagement__status=EngagementStatus.CLOSED)
        .count()
    )


def unread_message_count(engagement: Engagement, *, for_side: str = MessageSender.STAFF) -> int:
    """Unread messages in one engagement waiting for ``for_side`` (staff by default)."""
    other = MessageSender.PARTICIPANT if for_side == MessageSender.STAFF else MessageSender.STAFF
    return Message.objects.filter(engagement=engagement, sender=other, read_at__isnull=True).count()
