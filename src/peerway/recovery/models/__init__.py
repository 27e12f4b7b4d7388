"""Records about the people Peerway serves, one module per kind of record (see ARCHITECTURE.md)."""

from peerway.recovery.models.checkins import SUBJECT_CHECKIN, CheckIn, CheckInLink, CheckInSource, Instrument
from peerway.recovery.models.engagements import Engagement, EngagementStatus, Program
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
    "PLAN_KIND_FOR_PROGRAM",
    "SESSIONS_ALLOWED_BEFORE_PLAN",
    "SUBJECT_CHECKIN",
    "SUBJECT_PARTICIPANT",
    "CheckIn",
    "CheckInLink",
    "CheckInSource",
    "Engagement",
    "EngagementStatus",
    "GoalStatus",
    "Instrument",
    "LifeArea",
    "Participant",
    "PlanGoal",
    "PlanKind",
    "Program",
    "RecoveryPlan",
]
