"""Reads of participants' records, scoped to the acting user and audited.

Anything outside the user's organizations does not exist for them: a 404, never a 403.
"""

from __future__ import annotations

import uuid

from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.http import Http404

from peerway.accounts.models import User
from peerway.accounts.roles import ACCESS_LOG_ROLES, PARTICIPANT_RECORD_ROLES
from peerway.accounts.selectors import organization_ids_for_user
from peerway.core.access import access_events_record, acting_role
from peerway.core.models import AccessAction, AccessEvent
from peerway.privacy.fields import phone_index
from peerway.recovery.models import SUBJECT_PARTICIPANT, Engagement, Participant

PAGE_SIZE = 50


def participants_for_user(user: User) -> QuerySet[Participant]:
    """Participants of the organizations where the user holds a role that may open records.

    Lazy and unaudited: callers that show records use the functions below, which write the access log.
    """
    return Participant.objects.filter(organization_id__in=organization_ids_for_user(user, PARTICIPANT_RECORD_ROLES))


@transaction.atomic
def participant_get_for_user(user: User, public_id: uuid.UUID | str, *, reason: str = "") -> Participant:
    """One participant's record, with one ``viewed`` AccessEvent written in the same transaction."""
    try:
        participant = (
            participants_for_user(user)
            .select_related("organization", "language")
            .prefetch_related(
                "communities",
                Prefetch(
                    "engagements",
                    queryset=Engagement.objects.select_related("peer", "help_request").order_by("-started_at"),
                ),
            )
            .get(public_id=public_id)
        )
    except (Participant.DoesNotExist, ValueError, TypeError, ValidationError):
        raise Http404("No such participant.") from None
    access_events_record(
        actor=user,
        role=acting_role(user, participant.organization, PARTICIPANT_RECORD_ROLES),
        organization=participant.organization,
        subject_type=SUBJECT_PARTICIPANT,
        subject_ids=[participant.public_id],
        action=AccessAction.VIEWED,
        reason=reason,
    )
    return participant


@transaction.atomic
def participant_page_for_user(user: User, *, page_number: int | str = 1, phone: str = "") -> Page:
    """One page of the participant list; each person shown gets one ``listed`` AccessEvent.

    ``phone`` finds people by the blind index of their phone number, never by decrypting everyone.
    """
    queryset = participants_for_user(user).select_related("organization", "language")
    if phone:
        queryset = queryset.filter(phone_index=phone_index(phone))
    page = Paginator(queryset, PAGE_SIZE).get_page(page_number)
    by_org: dict[int, list[Participant]] = {}
    for participant in page.object_list:
        by_org.setdefault(participant.organization_id, []).append(participant)
    for people in by_org.values():
        organization = people[0].organization
        access_events_record(
            actor=user,
            role=acting_role(user, organization, PARTICIPANT_RECORD_ROLES),
            organization=organization,
            subject_type=SUBJECT_PARTICIPANT,
            subject_ids=[p.public_id for p in people],
            action=AccessAction.LISTED,
            reason="participant list",
        )
    return page


@transaction.atomic
def participant_access_history_for_user(
    user: User, public_id: uuid.UUID | str
) -> tuple[Participant, QuerySet[AccessEvent]]:
    """Who accessed a participant's record; for supervisors and organization administrators only.

    Reading the history shows the person's name, so it is itself a ``viewed`` access.
    """
    allowed = Participant.objects.filter(organization_id__in=organization_ids_for_user(user, ACCESS_LOG_ROLES))
    try:
        participant = allowed.select_related("organization").get(public_id=public_id)
    except (Participant.DoesNotExist, ValueError, TypeError, ValidationError):
        raise Http404("No such participant.") from None
    access_events_record(
        actor=user,
        role=acting_role(user, participant.organization, ACCESS_LOG_ROLES),
        organization=participant.organization,
        subject_type=SUBJECT_PARTICIPANT,
        subject_ids=[participant.public_id],
        action=AccessAction.VIEWED,
        reason="access history",
    )
    events = AccessEvent.objects.filter(
        subject_type=SUBJECT_PARTICIPANT, subject_id=participant.public_id
    ).select_related("actor")
    return participant, events
