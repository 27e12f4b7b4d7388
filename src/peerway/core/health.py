"""The health check: is the database reachable, and is the task queue's table readable."""

from __future__ import annotations

import datetime as dt

from django.db import DatabaseError, connection
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from peerway.core.models import WorkerHeartbeat


def health_report() -> tuple[bool, dict[str, object]]:
    checks: dict[str, object] = {}
    healthy = True
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except DatabaseError:
        checks["database"] = "unreachable"
        return False, checks
    try:
        checks["queue_ready"] = DBTaskResult.objects.ready().count()
        checks["queue"] = "ok"
    except DatabaseError:
        checks["queue"] = "unreachable"
        healthy = False
    try:
        last = WorkerHeartbeat.objects.order_by("-seen_at").values_list("seen_at", flat=True).first()
        checks["worker_last_seen_seconds"] = int((timezone.now() - last).total_seconds()) if last else None
        # A worker silent for over five minutes is reported but does not fail the check: the web tier
        # still works, and the operator's monitor decides how to alert on this number.
        checks["worker"] = "ok" if last and timezone.now() - last < dt.timedelta(minutes=5) else "not seen"
    except DatabaseError:
        checks["worker"] = "unknown"
    return healthy, checks
