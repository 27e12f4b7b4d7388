"""Records about the people Peerway serves, one module per kind of record (see ARCHITECTURE.md)."""

from peerway.recovery.models.contacts import (
    MAX_CONTACT_MINUTES,
    Contact,
    ContactKind,
    ContactModality,
    ContactVersion,
)
from peerway.recovery.models.engagements import (
    SUBJECT_ENGAGEMENT,
    Engagement,
    EngagementHandoff,
    EngagementStatus,
    PeerAttestation,
    Program,
)
from peerway.recovery.models.participants import SUBJECT_PARTICIPANT, Participant
from peerway.recovery.models.plans import (
    PLAN_KIND_FOR_PROGRAM,
    SESSIONS_ALLOWED_BEFORE_PLAN,
    GoalStatus,
    LifeArea,
    PlanGoal,
    PlanKind,
    RecoveryPlan,
)

__all__ = [
    "MAX_CONTACT_MINUTES",
    "PLAN_KIND_FOR_PROGRAM",
    "SESSIONS_ALLOWED_BEFORE_PLAN",
    "SUBJECT_ENGAGEMENT",
    "SUBJECT_PARTICIPANT",
    "Contact",
    "ContactKind",
    "ContactModality",
    "ContactVersion",
    "Engagement",
    "EngagementHandoff",
    "EngagementStatus",
    "GoalStatus",
    "LifeArea",
    "Participant",
    "PeerAttestation",
    "PlanGoal",
    "PlanKind",
    "Program",
    "RecoveryPlan",
]
