"""Records about the people Peerway serves, one module per kind of record (see ARCHITECTURE.md)."""

from peerway.recovery.models.engagements import Engagement, EngagementStatus, Program
from peerway.recovery.models.messages import Message, MessageSender
from peerway.recovery.models.participants import SUBJECT_PARTICIPANT, Participant
from peerway.recovery.models.plans import (
    PLAN_KIND_FOR_PROGRAM,
    SESSIONS_ALLOWED_BEFORE_PLAN,
    GoalStatus,
    LifeArea,
    PlanGoal,
    PlanKind,
    PlanStep,
    ProgressNote,
    RecoveryPlan,
)

__all__ = [
    "PLAN_KIND_FOR_PROGRAM",
    "SESSIONS_ALLOWED_BEFORE_PLAN",
    "SUBJECT_PARTICIPANT",
    "Engagement",
    "EngagementStatus",
    "GoalStatus",
    "LifeArea",
    "Message",
    "MessageSender",
    "Participant",
    "PlanGoal",
    "PlanKind",
    "PlanStep",
    "Program",
    "ProgressNote",
    "RecoveryPlan",
]
