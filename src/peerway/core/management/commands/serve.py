"""``peerway serve``: the web server for this mode, and optionally the worker beside it.

Demo (and test) mode runs Django's development server, by default on 127.0.0.1:8000, and prints the demo
sign-ins; production runs gunicorn. ``--with-worker`` also starts ``peerway worker`` as a child process.
Ctrl-C or SIGTERM stops everything it started; a second Ctrl-C stops it at once.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from argparse import ArgumentParser, ArgumentTypeError
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from peerway.env import SettingError

DEMO_ACCOUNTS_FILE = "demo-accounts.json"
DEMO_ACCOUNT_COLUMNS = ("username", "password", "role", "organization")
# Gunicorn's default access log line includes the query string, which can carry personal data (a phone
# number searched for, say); this format logs the path only.
GUNICORN_ACCESS_LOG_FORMAT = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms'
# Gunicorn's logs bypass Django's logging settings; this logger redacts private links from the path
# (/r/<token>/ becomes /r/[token]/) as Peerway's log filter does.
GUNICORN_LOGGER_CLASS = "peerway.core.gunicorn_logging.RedactingLogger"


def gunicorn_workers_default() -> int:
    """WEB_CONCURRENCY when set (the usual convention of hosts), else 2 x CPUs + 1, at most 8. A value that is not a
    whole number of at least 1 stops the command with one sentence (SettingError), as every setting does."""
    from_environment = os.environ.get("WEB_CONCURRENCY", "").strip()
    if from_environment:
        if not from_environment.isdigit() or int(from_environment) < 1:
            raise SettingError(
                "The environment variable WEB_CONCURRENCY must be a whole number of at least 1, "
                f"not {from_environment!r}."
            )
        return int(from_environment)
    return min(2 * (os.cpu_count() or 1) + 1, 8)


def _port(raw: str) -> int:
    """A TCP port to listen on, 1 to 65535 (port 0, "any free port", would leave nobody knowing the address)."""
    try:
        port = int(raw)
    except ValueError:
        raise ArgumentTypeError(f"must be a whole number, not {raw!r}") from None
    if not 1 <= port <= 65535:
        raise ArgumentTypeError(f"must be from 1 to 65535, not {raw!r}")
    return port


def _processes(raw: str) -> int:
    """How many gunicorn processes: at least one, or gunicorn listens and never answers."""
    try:
        count = int(raw)
    except ValueError:
        raise ArgumentTypeError(f"must be a whole number, not {raw!r}") from None
    if count < 1:
        raise ArgumentTypeError(f"must be 1 or more, not {raw!r}")
    return count


def server_command(*, production: bool, host: str, port: int, workers: int) -> list[str]:
    """The web server's command line: gunicorn in production, Django's development server otherwise."""
    address = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    if production:
        return [
            *(sys.executable, "-m", "gunicorn", "peerway.wsgi"),
            *("--bind", address, "--workers", str(workers)),
            # Restart each process now and then, staggered, so a slow leak never builds up.
            *("--max-requests", "1000", "--max-requests-jitter", "100"),
            *("--timeout", "60", "--graceful-timeout", "30"),
            *("--access-logfile", "-", "--access-logformat", GUNICORN_ACCESS_LOG_FORMAT),
            *("--logger-class", GUNICORN_LOGGER_CLASS),
            # Peerway does not use gunicorn's control socket, and two servers on one host would share its path.
            "--no-control-socket",
        ]
    # No autoreload: the reloader runs the server in a grandchild, which would outlive a SIGTERM to its parent.
    return [sys.executable, "-m", "peerway.cli", "runserver", address, "--noreload"]


def uncompiled_languages() -> list[str]:
    """The languages other than English whose catalog has not been compiled (the .mo files are built, not kept)."""
    return [
        code
        for code, _name in settings.LANGUAGES
        if code != "en"
        and not any((Path(path) / code / "LC_MESSAGES" / "django.mo").exists() for path in settings.LOCALE_PATHS)
    ]


def worker_command() -> list[str]:
    return [sys.executable, "-m", "peerway.cli", "worker"]


def demo_accounts_lines(path: Path) -> list[str]:
    """The demo sign-ins in ``path`` as aligned lines, a header then one per account; or a one-line hint."""
    hint = "No demo accounts yet: run `peerway seed --scale small --seed 42` (or `make demo`) to create them."
    try:
        accounts = json.loads(path.read_text(encoding="utf-8"))
        rows = [tuple(str(account[column]) for column in DEMO_ACCOUNT_COLUMNS) for account in accounts]
    except FileNotFoundError:
        return [hint]
    except (OSError, ValueError, TypeError, KeyError):
        return [f"Could not read the demo accounts in {path}. {hint}"]
    if not rows:
        return [hint]
    table = [DEMO_ACCOUNT_COLUMNS, *rows]
    widths = [max(len(row[index]) for row in table) for index in range(len(DEMO_ACCOUNT_COLUMNS))]
    return ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in table]


class Supervisor:
    """Runs named child processes until one exits or this process gets SIGINT/SIGTERM, then stops them all.

    Each child is sent SIGTERM and given ``grace_seconds`` to finish (the worker completes its current task);
    after that, or on a second signal, it is killed. No child outlives ``run()``. Children get ``environment``,
    or this process's environment when it is None.
    """

    def __init__(
        self,
        commands: dict[str, list[str]],
        *,
        say: Callable[[str], object],
        grace_seconds: float = 30.0,
        poll_seconds: float = 0.2,
        environment: dict[str, str] | None = None,
    ) -> None:
        self.commands = commands
        self.environment = environment
        self.say = say
        self.grace_seconds = grace_seconds
        self.poll_seconds = poll_seconds
        self.signals_received = 0

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        self.signals_received += 1

    def run(self) -> int:
        """Supervise until done; returns the exit status of the child that ended first, or 0 after a signal."""
        previous = {signum: signal.signal(signum, self._on_signal) for signum in (signal.SIGINT, signal.SIGTERM)}
        children: dict[str, subprocess.Popen[bytes]] = {}
        try:
            for name, command in self.commands.items():
                # A process group of its own, so a terminal's Ctrl-C reaches only this process, which then sends
                # each child one SIGTERM: a second, direct Ctrl-C would make the worker abandon its task.
                children[name] = subprocess.Popen(command, process_group=0, env=self.environment)  # noqa: S603
            while not self.signals_received:
                for name, child in children.items():
                    if child.poll() is not None:
                        self.say(f"The {name} stopped (exit status {child.returncode}); stopping the rest.")
                        return child.returncode
                time.sleep(self.poll_seconds)
            self.say("Stopping…")
            return 0
        finally:
            self._stop(children)
            for signum, handler in previous.items():
                signal.signal(signum, handler)

    def _stop(self, children: dict[str, subprocess.Popen[bytes]]) -> None:
        running = [child for child in children.values() if child.poll() is None]
        for child in running:
            child.terminate()
        patience_ends = time.monotonic() + self.grace_seconds
        signals_before = self.signals_received
        while any(child.poll() is None for child in running):
            if time.monotonic() > patience_ends or self.signals_received > signals_before:
                for child in running:
                    if child.poll() is None:
                        child.kill()
                        child.wait()
                break
            time.sleep(self.poll_seconds)


class Command(BaseCommand):
    help = (
        "Serve Peerway: Django's development server in demo mode (127.0.0.1:8000), gunicorn in production. "
        "--with-worker also runs the background worker."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="Address to listen on (default: %(default)s).")
        parser.add_argument("--port", type=_port, default=8000, help="Port to listen on (default: %(default)s).")
        parser.add_argument(
            "--workers",
            type=_processes,
            default=gunicorn_workers_default(),
            help="Gunicorn processes in production (default: WEB_CONCURRENCY, else 2 x CPUs + 1, at most 8).",
        )
        parser.add_argument(
            "--with-worker", action="store_true", help="Also run `peerway worker`, and stop it when the server stops."
        )

    def handle(self, *args: Any, host: str, port: int, workers: int, with_worker: bool, **options: Any) -> None:
        production = settings.MODE == "production"
        commands = {"web server": server_command(production=production, host=host, port=port, workers=workers)}
        if with_worker:
            commands["worker"] = worker_command()
        environment = None
        if production:
            self.stdout.write(f"Peerway: gunicorn on {host}:{port} with {workers} processes.")
        else:
            url = self._demo_banner(host=host, port=port, with_worker=with_worker)
            if not os.environ.get("SITE_URL"):
                # The private links the demo shows and texts, and the worker's reminders, lead to this server
                # whatever port it was asked to use (the settings' default says port 8000).
                environment = {**os.environ, "SITE_URL": url.rstrip("/")}
        self.stdout.flush()
        status = Supervisor(commands, say=self.stdout.write, environment=environment).run()
        if status:
            raise CommandError(f"Stopped because a child process exited with status {status}.", returncode=status)

    def _demo_banner(self, *, host: str, port: int, with_worker: bool) -> str:
        """Print where the demo is and how to sign in; returns its address."""
        shown_host = "127.0.0.1" if host in ("0.0.0.0", "::") else host  # noqa: S104
        url = f"http://[{shown_host}]:{port}/" if ":" in shown_host else f"http://{shown_host}:{port}/"
        self.stdout.write(self.style.SUCCESS(f"Peerway ({settings.MODE} mode) at {url}"))
        self.stdout.write("Demo sign-ins, all synthetic:")
        for line in demo_accounts_lines(Path(settings.VAR_DIR) / DEMO_ACCOUNTS_FILE):
            self.stdout.write(f"  {line}")
        if host not in ("127.0.0.1", "::1", "localhost"):
            # The sign-ins above are printed to everyone who runs the demo, and demo mode asks no second factor.
            self.stdout.write(
                self.style.WARNING(
                    f"Listening on {host}: other machines can reach this demo, whose sign-ins are the same on every "
                    "install and need no second factor. Use it only on a network you trust."
                )
            )
        if with_worker:
            self.stdout.write("The background worker runs beside the server.")
        missing = uncompiled_languages()
        if missing:
            self.stdout.write(
                self.style.WARNING(
                    f"Translations are not compiled ({', '.join(missing)}): those pages show in English. "
                    "Run `make messages` (or `make demo`, which does it) first."
                )
            )
        self.stdout.write("Press Ctrl-C to stop.")
        return url
