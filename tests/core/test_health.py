"""/healthz: 200 with its checks when the database and the queue answer, 503 when either does not."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
import time_machine
from django.db import OperationalError, connection
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from peerway.core.models import WorkerHeartbeat
from peerway.core.tasks import worker_heartbeat

pytestmark = pytest.mark.django_db

CHECK_KEYS = {"database", "queue", "queue_ready", "worker", "worker_last_seen_seconds"}


def test_it_returns_200_with_every_check() -> None:
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("max-age=0")
    assert response.json() == {
        "status": "ok",
        "checks": {
            "database": "ok",
            "queue": "ok",
            "queue_ready": 0,
            "worker": "not seen",
            "worker_last_seen_seconds": None,
        },
    }


def test_it_reports_the_age_of_the_newest_worker_heartbeat() -> None:
    now = timezone.now()
    WorkerHeartbeat.objects.create(worker_id="host-a-1", seen_at=now - dt.timedelta(minutes=30))
    WorkerHeartbeat.objects.create(worker_id="host-b-2", seen_at=now - dt.timedelta(seconds=42))
    with time_machine.travel(now, tick=False):
        checks = Client().get("/healthz").json()["checks"]
    assert (checks["worker"], checks["worker_last_seen_seconds"]) == ("ok", 42)


def test_a_silent_worker_is_reported_but_does_not_fail_the_check() -> None:
    WorkerHeartbeat.objects.create(worker_id="host-a-1", seen_at=timezone.now() - dt.timedelta(minutes=10))
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json()["checks"]["worker"] == "not seen"


def test_it_counts_tasks_waiting_in_the_queue() -> None:
    worker_heartbeat.enqueue()
    assert Client().get("/healthz").json()["checks"]["queue_ready"] == 1


def test_it_returns_503_when_the_database_is_unreachable() -> None:
    # What a dropped or refused connection raises when Django asks for a cursor.
    refused = OperationalError("connection to server at 127.0.0.1, port 5432 failed: Connection refused")
    with mock.patch.object(connection, "cursor", side_effect=refused):
        response = Client().get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "checks": {"database": "unreachable"}}


def test_it_returns_503_when_the_task_table_is_unreachable() -> None:
    # Really take the table away, inside this test's transaction (both databases roll DDL back with it).
    table = connection.ops.quote_name(DBTaskResult._meta.db_table)
    hidden = connection.ops.quote_name(f"{DBTaskResult._meta.db_table}_hidden")
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE {table} RENAME TO {hidden}")
    response = Client().get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert (body["checks"]["database"], body["checks"]["queue"]) == ("ok", "unreachable")
    assert set(body["checks"]) == CHECK_KEYS
    assert body["checks"]["worker"] == "not seen", "later checks still run after the queue check fails"


def test_it_answers_get_only() -> None:
    assert Client().post("/healthz").status_code == 405
