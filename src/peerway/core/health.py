"""The health check: is the database reachable, is the task queue's table readable, when did a worker last run."""

from __future__ import annotations

import datetime as dt

from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from peerway.core.models import WorkerHeartbeat

# A worker silent for longer than this is reported as "not seen" (the heartbeat job runs every minute).
WORKER_SILENCE_LIMIT = dt.timedelta(minutes=5)


def health_report() -> tuple[bool, dict[str, object]]:
    """(healthy, checks): healthy when the database answers and the queue table is readable.

    The checks always hold "database", and when the database answers also "queue", "queue_ready" (tasks
    waiting), "worker" and "worker_last_seen_seconds" (None when no worker has ever run).
    """
    checks: dict[str, object] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except DatabaseError:
        checks["database"] = "unreachable"
        return False, checks
    healthy = True
    try:
        # Each check in a savepoint of its own, so one failed query cannot spoil the next where a
        # transaction is already open (PostgreSQL refuses every statement after an error until rollback).
        with transaction.atomic():
            checks["queue_ready"] = DBTaskResult.objects.ready().count()
        checks["queue"] = "ok"
    except DatabaseError:
        checks["queue"] = "unreachable"
        checks["queue_ready"] = None
        healthy = False
    try:
        with transaction.atomic():
            last = WorkerHeartbeat.objects.order_by("-seen_at").values_list("seen_at", flat=True).first()
        age = timezone.now() - last if last else None
        checks["worker_last_seen_seconds"] = int(age.total_seconds()) if age is not None else None
        # A silent worker is reported but does not fail the check: the web tier still works, and the
        # operator's monitor decides how to alert on this number.
        checks["worker"] = "ok" if age is not None and age < WORKER_SILENCE_LIMIT else "not seen"
    except DatabaseError:
        checks["worker"] = "unknown"
        checks["worker_last_seen_seconds"] = None
    return healthy, checks
