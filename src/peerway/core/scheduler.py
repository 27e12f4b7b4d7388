"""Periodic jobs: a small registry, pure period keys, and a tick that enqueues each due job once per period.

A job registers with one line above its ``@task()``, in its app's own ``tasks.py``::

    @periodic(name="escalation_check", every="minute")
    @task()
    def escalation_check() -> None: ...

    @periodic(name="reminders_send", every="daily", at="09:00")   # 09:00 in settings.TIME_ZONE
    @task()
    def reminders_send() -> None: ...

Every ``peerway worker`` ticks the scheduler. The unique (name, period_key) constraint on ScheduledRun decides
which worker enqueues a period's job, so it is enqueued exactly once however many workers run. Periodic tasks
take no arguments: they find their own work by querying, so nothing personal ever sits in the queue.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module
from typing import Any, Literal, TypeVar, get_args

from django.apps import apps
from django.conf import settings
from django.db import IntegrityError, close_old_connections, connection, transaction
from django.utils import timezone
from django.utils.module_loading import module_has_submodule
from django_tasks.base import Task

from peerway.core.models import ScheduledRun

logger = logging.getLogger(__name__)

Every = Literal["minute", "daily"]
TaskT = TypeVar("TaskT", bound=Task[Any, Any])

# Seconds between two ticks of a running worker's scheduler: an every-minute job starts within this many
# seconds of its minute, and a tick that finds nothing due costs one indexed read per job.
TICK_SECONDS = 5.0
# The length of ScheduledRun.name, where the job's name is recorded.
NAME_MAX_LENGTH = 64


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    every: Every
    task: Task[Any, Any]
    at: dt.time | None = None


_registry: dict[str, PeriodicJob] = {}


def periodic(*, name: str, every: Every, at: str | None = None) -> Callable[[TaskT], TaskT]:
    """Register the task below as a periodic job: every minute, or once a day from ``at`` (HH:MM) onwards.

    ``at`` is a time of day in settings.TIME_ZONE (the deployment's zone, America/Chicago by default).
    Raises at import time for a malformed registration, so a mistake fails the first test that imports it.
    """
    if every not in get_args(Every):
        raise ValueError(f"Periodic job {name!r}: every must be one of {get_args(Every)}, not {every!r}.")
    if at is not None and every != "daily":
        raise ValueError(f"Periodic job {name!r}: only daily jobs take a time of day.")
    if not 0 < len(name) <= NAME_MAX_LENGTH:
        raise ValueError(f"Periodic job name {name!r} must be 1 to {NAME_MAX_LENGTH} characters.")
    at_time = dt.time.fromisoformat(at) if at else None

    def register(task_object: TaskT) -> TaskT:
        if not isinstance(task_object, Task):
            raise TypeError(f"Periodic job {name!r}: put @periodic above @task(), so it registers a task.")
        existing = _registry.get(name)
        if existing is not None and existing.task.module_path != task_object.module_path:
            raise ValueError(
                f"Two periodic jobs are named {name!r}: {existing.task.module_path} and {task_object.module_path}."
            )
        _registry[name] = PeriodicJob(name=name, every=every, task=task_object, at=at_time)
        return task_object

    return register


def period_key(every: Every, moment: dt.datetime, *, at: dt.time | None = None, zone: dt.tzinfo = dt.UTC) -> str | None:
    """The period ``moment`` falls in: a UTC minute such as "2025-03-09T08:30", or a local date "2025-03-09".

    A daily job is keyed by its date in ``zone``. With ``at`` it has no period (None: not yet due) before that
    local time of day, and the date's key from then until midnight, so a worker that was down at ``at`` still
    runs the day's job when it comes back. Minutes are keyed in UTC, so the hour repeated when daylight saving
    time ends still gives sixty distinct minutes. Pure: the result depends on the arguments only.
    """
    if moment.tzinfo is None:
        raise ValueError("period_key needs an aware datetime.")
    if every == "minute":
        return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M")
    local = moment.astimezone(zone)
    if at is not None and local.time() < at:
        return None
    return local.date().isoformat()


def periodic_jobs() -> list[PeriodicJob]:
    """Every registered job, after importing each Peerway app's ``tasks`` module (where jobs register)."""
    for app_config in apps.get_app_configs():
        if app_config.name.startswith("peerway.") and module_has_submodule(app_config.module, "tasks"):
            import_module(f"{app_config.name}.tasks")
    return sorted(_registry.values(), key=lambda job: job.name)


def scheduled_run_enqueue_once(*, job: PeriodicJob, period_key: str, now: dt.datetime) -> bool:
    """Record the job's run for ``period_key`` and enqueue its task; False if some worker already did.

    The ScheduledRun row and the queued task are written in one transaction of the same database, so they
    commit together or not at all: a worker that dies in between neither loses the period nor doubles it.
    """
    try:
        with transaction.atomic():
            ScheduledRun.objects.create(name=job.name, period_key=period_key, enqueued_at=now)
            job.task.enqueue()
    except IntegrityError:
        return False
    return True


def scheduler_tick(now: dt.datetime | None = None) -> list[str]:
    """Enqueue every periodic job that is due in its current period and not yet enqueued by any worker.

    Returns the names of the jobs this call enqueued. Safe to call from any number of processes at once.
    """
    now = now or timezone.now()
    zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    enqueued = []
    for job in periodic_jobs():
        key = period_key(job.every, now, at=job.at, zone=zone)
        if key is None:
            continue
        # A read first, so that the usual tick (nothing new this period) writes nothing and logs no failed
        # insert; the unique constraint behind scheduled_run_enqueue_once is what guarantees once.
        if ScheduledRun.objects.filter(name=job.name, period_key=key).exists():
            continue
        if scheduled_run_enqueue_once(job=job, period_key=key, now=now):
            logger.info("Enqueued periodic job %s for %s", job.name, key)
            enqueued.append(job.name)
    return enqueued


class SchedulerThread(threading.Thread):
    """Ticks the scheduler every ``tick_seconds`` beside the worker loop, until ``stop()``."""

    def __init__(self, *, tick_seconds: float = TICK_SECONDS) -> None:
        super().__init__(name="peerway-scheduler", daemon=True)
        self.tick_seconds = tick_seconds
        self._stopping = threading.Event()

    def run(self) -> None:
        try:
            while not self._stopping.is_set():
                close_old_connections()
                try:
                    scheduler_tick()
                except Exception:
                    # A failed tick (the database restarting, say) must not end the schedule: the next tick
                    # retries the same period, so nothing is skipped while the outage is shorter than it.
                    logger.exception("Scheduler tick failed; retrying in %s seconds", self.tick_seconds)
                self._stopping.wait(self.tick_seconds)
        finally:
            # This thread's own database connection; the worker loop's connection is untouched.
            connection.close()

    def stop(self, timeout: float = 10.0) -> None:
        self._stopping.set()
        self.join(timeout)
