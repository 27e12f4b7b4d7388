from peerway.core.models.access import AccessAction, AccessEvent
from peerway.core.models.base import PublicIdModel, TimestampedModel
from peerway.core.models.jobs import Job, JobStatus, ScheduledRun, WorkerHeartbeat
from peerway.core.models.submissions import FormSubmission
from peerway.core.models.vocabulary import Community, Language, LivedExperience, RecoveryPathway

__all__ = [
    "AccessAction",
    "AccessEvent",
    "Community",
    "FormSubmission",
    "Job",
    "JobStatus",
    "Language",
    "LivedExperience",
    "PublicIdModel",
    "RecoveryPathway",
    "ScheduledRun",
    "TimestampedModel",
    "WorkerHeartbeat",
]
