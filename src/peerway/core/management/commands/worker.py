"""``peerway worker``: the django-tasks-db worker, with Peerway's periodic scheduler in the same process.

Run as many as you like against one database: queued tasks are claimed with row locks by django-tasks-db, and
each periodic job is enqueued once per period by whichever worker's scheduler gets there first.
"""

from __future__ import annotations

import os
import signal
import socket
from argparse import ArgumentParser
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.utils.autoreload import DJANGO_AUTORELOAD_ENV
from django.utils.crypto import get_random_string
from django_tasks_db.management.commands import db_worker

from peerway.core.scheduler import SchedulerThread, scheduler_tick

# The signals django-tasks-db's worker takes over (SIGQUIT only where the platform has it).
_HANDLED_SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGQUIT") if hasattr(signal, name))


def worker_id_default() -> str:
    """A worker id an operator can place: host, process id, and a random suffix (ids must be unique)."""
    return f"{socket.gethostname()[:40]}-{os.getpid()}-{get_random_string(8)}"


@contextmanager
def signal_handlers_restored() -> Iterator[None]:
    """Put back this process's signal handlers afterwards: the worker installs its own for a clean shutdown."""
    previous = {signum: signal.getsignal(signum) for signum in _HANDLED_SIGNALS}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


class Command(db_worker.Command):
    help = (
        "Run queued background tasks, and enqueue periodic jobs when they are due. SIGTERM or Ctrl-C lets the "
        "current task finish, then exits; a second one exits at once."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--no-scheduler",
            action="store_false",
            dest="scheduler",
            help="Only run queued tasks; do not enqueue periodic jobs from this process.",
        )
        # Reloading is off unless asked for: Peerway's DEBUG setting is no reason to restart workers.
        parser.set_defaults(reload=False, worker_id=worker_id_default())
        for action in parser._actions:
            if action.dest == "reload":
                action.help = "Restart the worker when code changes (default: off). For development only."

    def handle(self, *args: Any, scheduler: bool, **options: Any) -> None:  # type: ignore[override]
        if options["batch"]:
            # The random start-up delay spreads a fleet of long-running workers; a batch run has no fleet.
            options["startup_delay"] = False
        # With --reload this process only watches files and restarts a child, which runs the scheduler itself.
        is_reload_parent = options["reload"] and os.environ.get(DJANGO_AUTORELOAD_ENV) != "true"
        scheduler_thread = None
        with signal_handlers_restored():
            try:
                if scheduler and options["batch"]:
                    # One tick first, so `peerway worker --batch` from cron also runs what is due.
                    scheduler_tick()
                elif scheduler and not is_reload_parent:
                    scheduler_thread = SchedulerThread()
                    scheduler_thread.start()
                super().handle(*args, **options)
            finally:
                if scheduler_thread is not None:
                    scheduler_thread.stop()
