"""The periodic scheduler: pure period keys, registration, and exactly-once enqueueing across workers."""

from __future__ import annotations

import datetime as dt
import threading
import zoneinfo

import pytest
import time_machine
from django.db import connection
from django.utils import timezone
from django_tasks import task
from django_tasks_db.models import DBTaskResult

from peerway.core import scheduler
from peerway.core.models import ScheduledRun
from peerway.core.scheduler import PeriodicJob, period_key, periodic, scheduled_run_enqueue_once, scheduler_tick

CHICAGO = zoneinfo.ZoneInfo("America/Chicago")


@task()
def every_minute_probe() -> None:
    """A periodic job for these tests; it never runs."""


@task()
def daily_probe() -> None:
    """A periodic job for these tests; it never runs."""


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)  # type: ignore[misc]


def chicago(*args: int, fold: int = 0) -> dt.datetime:
    return dt.datetime(*args, tzinfo=CHICAGO, fold=fold)  # type: ignore[misc]


@pytest.fixture
def probe_jobs(monkeypatch: pytest.MonkeyPatch) -> None:
    """Only the two probe jobs are registered, so ticks here enqueue nothing of the app's own."""
    monkeypatch.setattr(scheduler, "_registry", {})
    monkeypatch.setattr(scheduler, "periodic_jobs", lambda: sorted(scheduler._registry.values(), key=lambda j: j.name))
    periodic(name="probe_minute", every="minute")(every_minute_probe)
    periodic(name="probe_daily", every="daily", at="03:00")(daily_probe)


def queued(probe: object) -> int:
    return DBTaskResult.objects.filter(task_path=f"{__name__}.{probe.func.__name__}").count()  # type: ignore[attr-defined]


# Period keys: pure ---------------------------------------------------------------------------------------


def test_minute_key_is_the_utc_minute_whatever_the_zone_given() -> None:
    assert period_key("minute", utc(2025, 3, 9, 8, 30, 59)) == "2025-03-09T08:30"
    assert period_key("minute", chicago(2025, 1, 15, 2, 30, 5)) == "2025-01-15T08:30"


def test_minute_key_changes_exactly_at_the_minute_boundary() -> None:
    with time_machine.travel(utc(2025, 6, 1, 12, 0, 59, 999999), tick=False):
        before = period_key("minute", timezone.now())
    with time_machine.travel(utc(2025, 6, 1, 12, 1, 0), tick=False):
        after = period_key("minute", timezone.now())
    assert (before, after) == ("2025-06-01T12:00", "2025-06-01T12:01")


def test_minute_keys_stay_distinct_through_the_repeated_hour_when_dst_ends() -> None:
    first = chicago(2025, 11, 2, 1, 30, fold=0)  # 01:30 CDT
    second = chicago(2025, 11, 2, 1, 30, fold=1)  # 01:30 CST, an hour later
    assert period_key("minute", first) != period_key("minute", second)


def test_daily_job_is_not_due_before_its_time_and_keyed_by_the_local_date_after() -> None:
    at = dt.time(3, 0)
    with time_machine.travel(chicago(2025, 1, 15, 2, 59, 59), tick=False):
        assert period_key("daily", timezone.now(), at=at, zone=CHICAGO) is None
    with time_machine.travel(chicago(2025, 1, 15, 3, 0), tick=False):
        assert period_key("daily", timezone.now(), at=at, zone=CHICAGO) == "2025-01-15"
    with time_machine.travel(chicago(2025, 1, 15, 23, 59, 59), tick=False):
        assert period_key("daily", timezone.now(), at=at, zone=CHICAGO) == "2025-01-15"
    with time_machine.travel(chicago(2025, 1, 16, 0, 0), tick=False):
        assert period_key("daily", timezone.now(), at=at, zone=CHICAGO) is None


def test_daily_key_follows_the_local_day_not_the_utc_day() -> None:
    # 04:30 UTC on 16 January is still the evening of the 15th in Chicago.
    assert period_key("daily", utc(2025, 1, 16, 4, 30), zone=CHICAGO) == "2025-01-15"
    assert period_key("daily", utc(2025, 1, 16, 6, 0), zone=CHICAGO) == "2025-01-16"


def test_a_daily_time_skipped_by_dst_still_runs_that_day() -> None:
    # On 9 March 2025 Chicago clocks jump from 02:00 to 03:00: 02:30 never happens.
    at = dt.time(2, 30)
    assert period_key("daily", chicago(2025, 3, 9, 1, 59), at=at, zone=CHICAGO) is None
    assert period_key("daily", chicago(2025, 3, 9, 3, 0), at=at, zone=CHICAGO) == "2025-03-09"


def test_period_key_refuses_a_naive_datetime() -> None:
    with pytest.raises(ValueError, match="aware"):
        period_key("minute", dt.datetime(2025, 1, 1, 0, 0))


# Registration ------------------------------------------------------------------------------------------


def test_the_shipped_jobs_are_registered() -> None:
    jobs = {job.name: job for job in scheduler.periodic_jobs()}
    assert jobs["worker_heartbeat"].every == "minute"
    assert jobs["jobs_stalled_fail"].every == "minute"
    assert jobs["task_results_prune"].every == "daily"
    assert jobs["scheduled_runs_prune"].every == "daily"


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"name": "x", "every": "hourly"}, ValueError),
        ({"name": "x", "every": "minute", "at": "03:00"}, ValueError),
        ({"name": "x", "every": "daily", "at": "3 o'clock"}, ValueError),
        ({"name": "", "every": "minute"}, ValueError),
    ],
)
def test_a_malformed_registration_fails_at_import(kwargs: dict[str, str], error: type[Exception]) -> None:
    with pytest.raises(error):
        periodic(**kwargs)(every_minute_probe)  # type: ignore[arg-type]


def test_periodic_must_sit_above_task(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(scheduler, "_registry", {})
    with pytest.raises(TypeError, match="above @task"):
        periodic(name="plain_function", every="minute")(lambda: None)  # type: ignore[type-var]


def test_two_tasks_cannot_share_a_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(scheduler, "_registry", {})
    periodic(name="same_name", every="minute")(every_minute_probe)
    with pytest.raises(ValueError, match="same_name"):
        periodic(name="same_name", every="minute")(daily_probe)


# Ticks: the database decides -----------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.usefixtures("probe_jobs")
def test_a_tick_enqueues_each_due_job_once_per_period() -> None:
    with time_machine.travel(chicago(2025, 1, 15, 9, 0, 10), tick=False):
        assert scheduler_tick() == ["probe_daily", "probe_minute"]
        assert scheduler_tick() == []
    with time_machine.travel(chicago(2025, 1, 15, 9, 0, 59), tick=False):
        assert scheduler_tick() == []
    with time_machine.travel(chicago(2025, 1, 15, 9, 1, 0), tick=False):
        assert scheduler_tick() == ["probe_minute"]
    assert queued(every_minute_probe) == 2
    assert queued(daily_probe) == 1
    assert set(ScheduledRun.objects.values_list("name", "period_key")) == {
        ("probe_daily", "2025-01-15"),
        ("probe_minute", "2025-01-15T15:00"),
        ("probe_minute", "2025-01-15T15:01"),
    }


@pytest.mark.django_db
@pytest.mark.usefixtures("probe_jobs")
def test_a_daily_job_waits_for_its_time_and_runs_again_the_next_day() -> None:
    with time_machine.travel(chicago(2025, 1, 15, 2, 59), tick=False):
        assert "probe_daily" not in scheduler_tick()
    with time_machine.travel(chicago(2025, 1, 15, 3, 0), tick=False):
        assert "probe_daily" in scheduler_tick()
    with time_machine.travel(chicago(2025, 1, 15, 18, 0), tick=False):
        assert "probe_daily" not in scheduler_tick()
    with time_machine.travel(chicago(2025, 1, 16, 3, 0), tick=False):
        assert "probe_daily" in scheduler_tick()
    assert queued(daily_probe) == 2


@pytest.mark.django_db
def test_the_unique_constraint_lets_only_the_first_of_two_workers_enqueue() -> None:
    # Both "workers" passed the cheap read before either wrote: the constraint alone must decide.
    job = PeriodicJob(name="probe_minute", every="minute", task=every_minute_probe)
    now = utc(2025, 1, 15, 15, 0)
    assert scheduled_run_enqueue_once(job=job, period_key="2025-01-15T15:00", now=now) is True
    assert scheduled_run_enqueue_once(job=job, period_key="2025-01-15T15:00", now=now) is False
    assert ScheduledRun.objects.filter(name="probe_minute").count() == 1
    assert queued(every_minute_probe) == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("probe_jobs")
def test_concurrent_workers_on_postgresql_enqueue_each_period_once() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("Concurrent connections need PostgreSQL (the SQLite test database lives in one process).")
    workers, periods = 8, 5
    results: list[list[str]] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def worker(start: threading.Barrier, moment: dt.datetime) -> None:
        try:
            start.wait(timeout=10)
            names = scheduler_tick(moment)
            with lock:
                results.append(names)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()  # this thread's own connection

    for minute in range(periods):
        moment = chicago(2025, 1, 15, 9, minute, 30)
        start = threading.Barrier(workers)
        threads = [threading.Thread(target=worker, args=(start, moment)) for _ in range(workers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    assert not errors, errors
    enqueued = [name for names in results for name in names]
    assert enqueued.count("probe_minute") == periods
    assert enqueued.count("probe_daily") == 1
    assert queued(every_minute_probe) == periods
    assert queued(daily_probe) == 1
