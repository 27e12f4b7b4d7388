"""Use cases that change recovery records, one module per kind of record; one transaction each."""

from peerway.recovery.services.contacts import (
    contact_correct,
    contact_cosign,
    contact_cosign_own_work,
    contact_lock_for_billing,
    contact_may_correct,
    contact_record,
)
from peerway.recovery.services.engagements import (
    engagement_attest,
    engagement_end_for_request,
    engagement_handoff,
    engagement_start,
    engagement_transition,
    engagement_voluntary_notice_record,
)
from peerway.recovery.services.participants import participant_create, participant_merge, participant_update
from peerway.recovery.services.refusals import ActionRefused

__all__ = [
    "ActionRefused",
    "contact_correct",
    "contact_cosign",
    "contact_cosign_own_work",
    "contact_lock_for_billing",
    "contact_may_correct",
    "contact_record",
    "engagement_attest",
    "engagement_end_for_request",
    "engagement_handoff",
    "engagement_start",
    "engagement_transition",
    "engagement_voluntary_notice_record",
    "participant_create",
    "participant_merge",
    "participant_update",
]
