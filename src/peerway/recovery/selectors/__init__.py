"""Audited, tenancy-scoped reads of recovery records, one module per kind of record."""

from peerway.recovery.selectors.participants import (
    participant_access_history_for_user,
    participant_get_for_user,
    participant_page_for_user,
    participants_for_user,
)

__all__ = [
    "participant_access_history_for_user",
    "participant_get_for_user",
    "participant_page_for_user",
    "participants_for_user",
]
