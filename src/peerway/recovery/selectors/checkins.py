"""Reads of check-ins, scoped to the acting user and audited like every read of a person's record."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from peerway.accounts.models import User
from peerway.accounts.roles import PARTICIPANT_RECORD_ROLES, SERVICE_ORG_KINDS, Role
from peerway.core.access import access_events_record, acting_role
from peerway.core.models import AccessAction
from peerway.organizations.models import Organization
from peerway.recovery.models import SUBJECT_PARTICIPANT, CheckIn, CheckInLink, Instrument, Participant
from peerway.recovery.selectors.participants import participants_for_user
from peerway.recovery.selectors.scope import record_organization_ids
from peerway.recovery.services.checkins import CHECKIN_ENTRY_ROLES, checkin_token_hash


@dataclass(frozen=True)
class LinkLookup:
    """What a private link leads to: the link, or why it leads nowhere (unknown or expired)."""

    link: CheckInLink | None
    expired: bool = False


def instruments_for_organization(organization: Organization) -> QuerySet[Instrument]:
    """The instruments an organization may use: Peerway's own and those it loaded."""
    return Instrument.objects.filter(Q(organization=None) | Q(organization=organization), active=True)


def _participant_for_user(user: User, public_id: uuid.UUID | str) -> Participant:
    try:
        return participants_for_user(user).select_related("organization", "language").get(public_id=public_id)
    except (Participant.DoesNotExist, ValueError, TypeError, ValidationError):
        raise Http404("No such participant.") from None


@transaction.atomic
def participant_checkins_for_user(
    user: User, public_id: uuid.UUID | str, *, reason: str = "check-ins"
) -> tuple[Participant, list[CheckIn]]:
    """A participant and their check-ins, oldest first, with one ``viewed`` AccessEvent."""
    participant = _participant_for_user(user, public_id)
    checkins = list(
        CheckIn.objects.filter(participant=participant).select_related("instrument").order_by("answered_at", "pk")
    )
    access_events_record(
        actor=user,
        role=acting_role(user, participant.organization, PARTICIPANT_RECORD_ROLES),
        organization=participant.organization,
        subject_type=SUBJECT_PARTICIPANT,
        subject_ids=[participant.public_id],
        action=AccessAction.VIEWED,
        reason=reason,
    )
    return participant, checkins


@transaction.atomic
def checkin_get_for_user(user: User, public_id: uuid.UUID | str, *, reason: str = "check-in export") -> CheckIn:
    """One check-in of a participant the user may see; the read is logged as an export of their record."""
    try:
        checkin = (
            CheckIn.objects.filter(participant__in=participants_for_user(user))
            .select_related("participant__organization", "instrument")
            .get(public_id=public_id)
        )
    except (CheckIn.DoesNotExist, ValueError, TypeError, ValidationError):
        raise Http404("No such check-in.") from None
    participant = checkin.participant
    access_events_record(
        actor=user,
        role=acting_role(user, participant.organization, PARTICIPANT_RECORD_ROLES),
        organization=participant.organization,
        subject_type=SUBJECT_PARTICIPANT,
        subject_ids=[participant.public_id],
        action=AccessAction.EXPORTED,
        reason=reason,
    )
    return checkin


def checkin_link_get_by_token(token: str) -> LinkLookup:
    link = (
        CheckInLink.objects.select_related("participant__language", "instrument", "engagement")
        .filter(token_hash=checkin_token_hash(token))
        .first()
    )
    if link is None:
        return LinkLookup(link=None)
    if link.expires_at <= timezone.now():
        return LinkLookup(link=None, expired=True)
    return LinkLookup(link=link)


# Who may record answers and send links: the people who work with participants, not billing staff.
INSTRUMENT_ADMIN_ROLES = frozenset({Role.ORG_ADMIN})


def checkin_entry_participant_for_user(user: User, public_id: uuid.UUID | str) -> Participant:
    """A participant for whom the user may record a check-in or create a link (no read is logged here:
    the service that records the change logs it). A merged record is a 404: its check-ins belong on the
    record that was kept."""
    allowed = Participant.objects.filter(
        organization_id__in=record_organization_ids(user, CHECKIN_ENTRY_ROLES), merged_into__isnull=True
    )
    try:
        return allowed.select_related("organization", "language").get(public_id=public_id)
    except (Participant.DoesNotExist, ValueError, TypeError, ValidationError):
        raise Http404("No such participant.") from None


def instrument_admin_organizations(user: User) -> list[Organization]:
    """The service organizations in which the user may load instruments."""
    ids = record_organization_ids(user, INSTRUMENT_ADMIN_ROLES)
    return list(Organization.objects.filter(pk__in=ids, kind__in=SERVICE_ORG_KINDS).order_by("name"))
