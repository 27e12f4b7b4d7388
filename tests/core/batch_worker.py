"""Running ``peerway worker --batch`` inside a pytest-django ``db`` test."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django_tasks_db.management.commands import db_worker


def run_worker_batch(monkeypatch: pytest.MonkeyPatch, *args: str) -> str:
    """Run the worker until the queue is empty, inside this test's transaction; return what it printed.

    Between tasks the worker calls close_old_connections(), which closes a connection that is inside a
    transaction, as every ``db`` test is. A real worker never is, so the check is turned off here; the
    transactional test in test_worker.py runs the worker with it, as in production.
    """
    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)
    out = io.StringIO()
    call_command("worker", "--batch", *args, stdout=out, stderr=out)
    return out.getvalue()
