"""Background work of the core app. Each task is a thin call into a service; arguments are ids only."""

from __future__ import annotations

from django_tasks import TaskContext, task

from peerway.core import services
from peerway.core.scheduler import periodic


@task()
def access_log_export_run(job_id: int) -> None:
    """Write the CSV file of an access log export job (see services.access_log_export_write)."""
    services.access_log_export_write(job_id=job_id)


@periodic(name="worker_heartbeat", every="minute")
@task(takes_context=True)
def worker_heartbeat(context: TaskContext) -> None:
    """Record the worker that ran this task; /healthz reports the age of the newest beat.

    The beat goes through the queue, so a fresh one proves both that a scheduler enqueues and that a worker runs.
    """
    worker_ids = context.task_result.worker_ids
    # A backend that runs tasks in the calling process (tests, say) records no worker id.
    services.worker_heartbeat_record(worker_id=worker_ids[-1] if worker_ids else "in-process")


@periodic(name="jobs_stalled_fail", every="minute")
@task()
def jobs_stalled_fail() -> int:
    """Give up on long jobs whose worker died mid-way, so their page says so (services.jobs_stalled_fail)."""
    return services.jobs_stalled_fail()


@periodic(name="task_results_prune", every="daily", at="03:00")
@task()
def task_results_prune() -> int:
    return services.task_results_prune()


@periodic(name="scheduled_runs_prune", every="daily", at="03:10")
@task()
def scheduled_runs_prune() -> int:
    return services.scheduled_runs_prune()


@periodic(name="worker_heartbeats_prune", every="daily", at="03:20")
@task()
def worker_heartbeats_prune() -> int:
    return services.worker_heartbeats_prune()


@periodic(name="form_submissions_prune", every="daily", at="03:30")
@task()
def form_submissions_prune() -> int:
    return services.form_submissions_prune()
