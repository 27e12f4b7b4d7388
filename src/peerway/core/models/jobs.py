"""Progress of long work run on the worker, readable by the page that started it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from peerway.core.models.base import PublicIdModel


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class Job(PublicIdModel):
    """A unit of long work a person is waiting on; the worker updates ``done``/``total`` as it goes."""

    kind = models.CharField(max_length=64)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="jobs")
    organization = models.ForeignKey("organizations.Organization", on_delete=models.PROTECT, related_name="jobs")
    status = models.CharField(max_length=16, choices=JobStatus.choices, default=JobStatus.QUEUED)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    message = models.CharField(max_length=255, blank=True)
    result_file = models.FileField(upload_to="jobs/", blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # When the worker started the job or last reported progress: a running job silent for long has lost its
    # worker (core.services.jobs_stalled_fail).
    progress_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    @property
    def percent(self) -> int:
        if self.status == JobStatus.DONE:
            return 100
        return int(100 * self.done / self.total) if self.total else 0

    @property
    def finished(self) -> bool:
        return self.status in (JobStatus.DONE, JobStatus.FAILED)


class ScheduledRun(models.Model):
    """One row per periodic job per period: the unique key makes each period run once across workers."""

    name = models.CharField(max_length=64)
    period_key = models.CharField(max_length=32)
    enqueued_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["name", "period_key"], name="scheduled_run_once_per_period")]

    def __str__(self) -> str:
        return f"{self.name} for {self.period_key}"


class WorkerHeartbeat(models.Model):
    worker_id = models.CharField(max_length=64, unique=True)
    seen_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.worker_id} at {self.seen_at:%Y-%m-%d %H:%M:%S}"
