"""``peerway worker``: runs queued tasks, ticks the scheduler, writes heartbeats, prunes, stops cleanly."""

from __future__ import annotations

import datetime as dt
import io
import os
import signal
import threading
import time

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks import TaskResultStatus, task
from django_tasks_db.management.commands import db_worker
from django_tasks_db.models import DBTaskResult

from peerway.core import scheduler
from peerway.core.models import ScheduledRun, WorkerHeartbeat
from peerway.core.tasks import scheduled_runs_prune, task_results_prune, worker_heartbeat
from tests.core.batch_worker import run_worker_batch


@task()
def double(number: int) -> int:
    return number * 2


def test_it_runs_a_queued_task(db: None, monkeypatch: pytest.MonkeyPatch) -> None:
    result = double.enqueue(21)
    run_worker_batch(monkeypatch, "--no-scheduler")
    result.refresh()
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert result.return_value == 42


def test_with_no_scheduler_a_batch_run_enqueues_nothing(db: None, monkeypatch: pytest.MonkeyPatch) -> None:
    run_worker_batch(monkeypatch, "--no-scheduler")
    assert not ScheduledRun.objects.exists()
    assert not DBTaskResult.objects.exists()


def test_the_heartbeat_job_records_the_worker_that_ran_it(db: None, monkeypatch: pytest.MonkeyPatch) -> None:
    worker_heartbeat.enqueue()
    run_worker_batch(monkeypatch, "--no-scheduler", "--worker-id", "host-a-1234")
    beat = WorkerHeartbeat.objects.get()
    assert beat.worker_id == "host-a-1234"
    assert timezone.now() - beat.seen_at < dt.timedelta(minutes=1)


def test_a_batch_run_with_the_scheduler_enqueues_due_jobs_and_runs_them(
    db: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    run_worker_batch(monkeypatch, "--worker-id", "host-b-99")
    assert ScheduledRun.objects.filter(name="worker_heartbeat").count() == 1
    assert WorkerHeartbeat.objects.filter(worker_id="host-b-99").exists()
    assert not DBTaskResult.objects.ready().exists()


def test_task_results_prune_deletes_only_old_finished_results(db: None, monkeypatch: pytest.MonkeyPatch) -> None:
    old_done, recent_done, old_waiting = double.enqueue(1), double.enqueue(2), double.enqueue(3).db_result
    run_worker_batch(monkeypatch, "--no-scheduler")  # runs all three
    long_ago = timezone.now() - dt.timedelta(days=31)
    DBTaskResult.objects.filter(id=old_done.id).update(finished_at=long_ago)
    DBTaskResult.objects.filter(id=old_waiting.id).update(
        status=TaskResultStatus.READY, finished_at=None, enqueued_at=long_ago
    )
    assert task_results_prune.call() == 1
    assert set(DBTaskResult.objects.values_list("id", flat=True)) == {recent_done.db_result.id, old_waiting.id}


def test_scheduled_runs_prune_forgets_runs_older_than_a_week(db: None) -> None:
    ScheduledRun.objects.create(
        name="worker_heartbeat", period_key="old", enqueued_at=timezone.now() - dt.timedelta(days=8)
    )
    ScheduledRun.objects.create(name="worker_heartbeat", period_key="new")
    assert scheduled_runs_prune.call() == 1
    assert list(ScheduledRun.objects.values_list("period_key", flat=True)) == ["new"]


@pytest.mark.django_db(transaction=True)
def test_it_runs_outside_a_test_transaction_exactly_as_in_production() -> None:
    # No helper here: the worker checks and recycles its connection between tasks, as it does in production.
    result = double.enqueue(5)
    call_command("worker", "--batch", "--no-scheduler", stdout=io.StringIO())
    result.refresh()
    assert result.return_value == 10


def test_sigterm_stops_the_worker_and_its_scheduler_and_restores_signal_handlers(
    db: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    ticks: list[dt.datetime] = []
    monkeypatch.setattr(scheduler, "scheduler_tick", lambda now=None: ticks.append(timezone.now()) or [])
    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)
    original_handler = signal.getsignal(signal.SIGTERM)

    def terminate_once_the_worker_listens() -> None:
        # Sending before the worker has installed its handler would end the test run itself.
        deadline = time.monotonic() + 10
        while signal.getsignal(signal.SIGTERM) is original_handler and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.2)
        if signal.getsignal(signal.SIGTERM) is not original_handler:
            os.kill(os.getpid(), signal.SIGTERM)

    sender = threading.Thread(target=terminate_once_the_worker_listens)
    sender.start()
    with pytest.raises(SystemExit) as exited:
        call_command("worker", "--interval", "0.05", "--no-startup-delay", stdout=io.StringIO(), stderr=io.StringIO())
    sender.join()
    assert exited.value.code == 0
    assert ticks, "the scheduler thread never ticked"
    assert not [thread for thread in threading.enumerate() if thread.name == "peerway-scheduler"]
    assert signal.getsignal(signal.SIGTERM) is original_handler
