"""Changes to participants' records: one transaction each, audited inside it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import transaction

from peerway.accounts.models import User
from peerway.accounts.roles import PARTICIPANT_RECORD_ROLES
from peerway.core.access import access_events_record, acting_role
from peerway.core.models import AccessAction, Community, Language
from peerway.organizations.models import Organization
from peerway.recovery.models import SUBJECT_PARTICIPANT, Participant


@transaction.atomic
def participant_create(
    *,
    organization: Organization,
    actor: User | None,
    preferred_name: str = "",
    phone: str = "",
    email: str = "",
    medicaid_id: str = "",
    date_of_birth: dt.date | None = None,
    language: Language | None = None,
    communities: Iterable[Community] = (),
    communities_own_words: str = "",
    reason: str = "",
) -> Participant:
    """Create a participant in ``organization`` and log the creation."""
    participant = Participant(
        organization=organization,
        preferred_name=preferred_name,
        phone=phone,
        email=email,
        medicaid_id=medicaid_id,
        date_of_birth=date_of_birth,
        language=language,
        communities_own_words=communities_own_words,
    )
    participant.full_clean()
    participant.save()
    participant.communities.set(list(communities))
    access_events_record(
        actor=actor,
        role=acting_role(actor, organization, PARTICIPANT_RECORD_ROLES),
        organization=organization,
        subject_type=SUBJECT_PARTICIPANT,
        subject_ids=[participant.public_id],
        action=AccessAction.CREATED,
        reason=reason,
    )
    return participant
