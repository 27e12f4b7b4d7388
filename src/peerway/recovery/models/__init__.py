"""Records about the people Peerway serves, one module per kind of record (see ARCHITECTURE.md)."""

from peerway.recovery.models.checkups import (
    RECOVERY_CAPITAL_MAX,
    RECOVERY_CAPITAL_MIN,
    RELINK_WELLBEING,
    Checkup,
    CheckupReminder,
    CheckupStatus,
    RelinkKind,
    ReminderChannel,
    Wellbeing,
)
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
from peerway.recovery.models.referrals import OPEN_REFERRAL_STATUSES, Referral, ReferralStatus

__all__ = [
    "OPEN_REFERRAL_STATUSES",
    "PLAN_KIND_FOR_PROGRAM",
    "RECOVERY_CAPITAL_MAX",
    "RECOVERY_CAPITAL_MIN",
    "RELINK_WELLBEING",
    "SESSIONS_ALLOWED_BEFORE_PLAN",
    "SUBJECT_PARTICIPANT",
    "Checkup",
    "CheckupReminder",
    "CheckupStatus",
    "Engagement",
    "EngagementStatus",
    "GoalStatus",
    "LifeArea",
    "Participant",
    "PlanGoal",
    "PlanKind",
    "Program",
    "RecoveryPlan",
    "Referral",
    "ReferralStatus",
    "RelinkKind",
    "ReminderChannel",
    "Wellbeing",
]
