"""Records about the people Peerway serves, one module per kind of record (see ARCHITECTURE.md)."""

from peerway.recovery.models.checkins import SUBJECT_CHECKIN, CheckIn, CheckInLink, CheckInSource, Instrument
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
from peerway.recovery.models.contacts import (
    MAX_CONTACT_MINUTES,
    Contact,
    ContactCosign,
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
from peerway.recovery.models.referrals import OPEN_REFERRAL_STATUSES, Referral, ReferralStatus

__all__ = [
    "MAX_CONTACT_MINUTES",
    "OPEN_REFERRAL_STATUSES",
    "PLAN_KIND_FOR_PROGRAM",
    "RECOVERY_CAPITAL_MAX",
    "RECOVERY_CAPITAL_MIN",
    "RELINK_WELLBEING",
    "SESSIONS_ALLOWED_BEFORE_PLAN",
    "SUBJECT_CHECKIN",
    "SUBJECT_ENGAGEMENT",
    "SUBJECT_PARTICIPANT",
    "CheckIn",
    "CheckInLink",
    "CheckInSource",
    "Checkup",
    "CheckupReminder",
    "CheckupStatus",
    "Contact",
    "ContactCosign",
    "ContactKind",
    "ContactModality",
    "ContactVersion",
    "Engagement",
    "EngagementHandoff",
    "EngagementStatus",
    "GoalStatus",
    "Instrument",
    "LifeArea",
    "Message",
    "MessageSender",
    "Participant",
    "PeerAttestation",
    "PlanGoal",
    "PlanKind",
    "PlanStep",
    "Program",
    "ProgressNote",
    "RecoveryPlan",
    "Referral",
    "ReferralStatus",
    "RelinkKind",
    "ReminderChannel",
    "Wellbeing",
]
