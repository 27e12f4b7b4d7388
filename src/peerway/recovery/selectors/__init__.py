"""Audited, tenancy-scoped reads of recovery records, one module per kind of record."""

from peerway.recovery.selectors.contacts import (
    contact_for_action,
    contact_get_for_user,
    contacts_awaiting_cosign_for_user,
    contacts_for_user,
)
from peerway.recovery.selectors.engagements import (
    engagement_for_action,
    engagement_get_for_user,
    engagements_for_user,
)
from peerway.recovery.selectors.participants import (
    participant_access_history_for_user,
    participant_compare_for_user,
    participant_duplicates,
    participant_duplicates_of,
    participant_get_for_user,
    participant_page_for_user,
    participants_for_user,
)

__all__ = [
    "contact_for_action",
    "contact_get_for_user",
    "contacts_awaiting_cosign_for_user",
    "contacts_for_user",
    "engagement_for_action",
    "engagement_get_for_user",
    "engagements_for_user",
    "participant_access_history_for_user",
    "participant_compare_for_user",
    "participant_duplicates",
    "participant_duplicates_of",
    "participant_get_for_user",
    "participant_page_for_user",
    "participants_for_user",
]
