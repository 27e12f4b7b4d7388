"""``peerway serve``: which server runs in which mode, the demo sign-in table, and clean shutdown of children."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest

from peerway.core.management.commands.serve import (
    GUNICORN_ACCESS_LOG_FORMAT,
    demo_accounts_lines,
    server_command,
    worker_command,
)

ROOT = Path(__file__).resolve().parents[2]


def test_demo_mode_runs_the_development_server_without_its_reloader() -> None:
    command = server_command(production=False, host="127.0.0.1", port=8000, workers=3)
    assert command[1:] == ["-m", "peerway.cli", "runserver", "127.0.0.1:8000", "--noreload"]


def test_production_runs_gunicorn_with_the_bind_and_workers_asked_for() -> None:
    command = server_command(production=True, host="0.0.0.0", port=8080, workers=3)  # noqa: S104
    assert command[1:4] == ["-m", "gunicorn", "peerway.wsgi"]
    assert command[command.index("--bind") + 1] == "0.0.0.0:8080"
    assert command[command.index("--workers") + 1] == "3"


def test_gunicorn_logs_paths_without_query_strings() -> None:
    # %(r)s and %(q)s would log query strings, which can hold a searched-for phone number.
    assert "%(U)s" in GUNICORN_ACCESS_LOG_FORMAT
    assert "%(r)s" not in GUNICORN_ACCESS_LOG_FORMAT and "%(q)s" not in GUNICORN_ACCESS_LOG_FORMAT


def test_an_ipv6_host_is_bracketed() -> None:
    assert server_command(production=False, host="::1", port=8000, workers=1)[4] == "[::1]:8000"


def test_the_worker_runs_as_peerway_worker() -> None:
    assert worker_command()[1:] == ["-m", "peerway.cli", "worker"]


def test_demo_accounts_are_one_aligned_line_each(tmp_path: Path) -> None:
    path = tmp_path / "demo-accounts.json"
    accounts = [
        {"username": "sam", "password": "pw-one", "role": "supervisor", "organization": "Riverbend"},
        {"username": "alexandra", "password": "pw-two", "role": "peer", "organization": "Prairie Light"},
    ]
    path.write_text(json.dumps(accounts))
    lines = demo_accounts_lines(path)
    assert len(lines) == 3
    assert lines[0].split() == ["username", "password", "role", "organization"]
    assert lines[1].split() == ["sam", "pw-one", "supervisor", "Riverbend"]
    assert lines[0].index("password") == lines[1].index("pw-one") == lines[2].index("pw-two")


@pytest.mark.parametrize("content", [None, "not json", "[]", '[{"username": "sam"}]'])
def test_without_usable_demo_accounts_it_gives_a_hint(tmp_path: Path, content: str | None) -> None:
    path = tmp_path / "demo-accounts.json"
    if content is not None:
        path.write_text(content)
    lines = demo_accounts_lines(path)
    assert len(lines) == 1
    assert "peerway seed" in lines[0]


SUPERVISED = textwrap.dedent(
    """
    import sys
    from peerway.core.management.commands.serve import Supervisor

    sleeper = [sys.executable, "-c", "import time; time.sleep(60)"]
    # A child that ignores SIGTERM, as a worker finishing a long task would for a while.
    stubborn = [
        sys.executable, "-c", "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(60)"
    ]
    print("ready", flush=True)
    sys.exit(Supervisor({"server": sleeper, "worker": stubborn}, say=print, grace_seconds=1).run())
    """
)


def child_pids(parent: int) -> list[int]:
    found = []
    for status in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = status.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == parent:
            found.append(int(status.parent.name))
    return found


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.skipif(not Path("/proc").exists(), reason="reads child processes from /proc")
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_stops_every_child_even_one_that_ignores_sigterm(signum: int) -> None:
    supervisor = subprocess.Popen([sys.executable, "-c", SUPERVISED], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert supervisor.stdout is not None and supervisor.stdout.readline().strip() == "ready"
        deadline = time.monotonic() + 10
        while len(children := child_pids(supervisor.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(children) == 2, "the supervisor did not start both children"
        time.sleep(0.3)  # let the stubborn child install its handler
        supervisor.send_signal(signum)
        assert supervisor.wait(timeout=15) == 0
        deadline = time.monotonic() + 5
        while any(alive(pid) for pid in children) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not [pid for pid in children if alive(pid)], "a child outlived the supervisor"
    finally:
        if supervisor.poll() is None:
            supervisor.kill()


@pytest.mark.skipif(not Path("/proc").exists(), reason="reads child processes from /proc")
def test_when_one_child_exits_the_others_are_stopped_and_its_status_returned() -> None:
    script = textwrap.dedent(
        """
        import sys
        from peerway.core.management.commands.serve import Supervisor

        crashing = [sys.executable, "-c", "import sys; sys.exit(3)"]
        sleeper = [sys.executable, "-c", "import time; time.sleep(60)"]
        sys.exit(Supervisor({"server": crashing, "worker": sleeper}, say=print, grace_seconds=5).run())
        """
    )
    finished = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=30, check=False
    )
    assert finished.returncode == 3
    assert "The server stopped (exit status 3)" in finished.stdout


@pytest.mark.parametrize("with_worker", [False, True])
def test_the_demos_links_lead_to_the_port_it_serves(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, with_worker: bool
) -> None:
    """`peerway serve --port 8731`: the private links the demo shows and texts, and the worker's reminders, are built
    on SITE_URL, whose default says port 8000, where nothing listens. The server and the worker get the address the
    demo serves at, unless SITE_URL says otherwise."""
    from django.core.management import call_command

    from peerway.core.management.commands import serve

    def reporting(name: str, *, then_wait_for: str = "") -> list[str]:
        # Each child writes down the SITE_URL it got; the server then waits for the worker's, since the first child
        # to exit stops the other.
        script = textwrap.dedent(
            f"""
            import os, pathlib, time
            pathlib.Path({str(tmp_path / name)!r}).write_text(os.environ['SITE_URL'])
            waited_for = pathlib.Path({str(tmp_path / then_wait_for)!r})
            deadline = time.monotonic() + 30
            while {bool(then_wait_for)!r} and not waited_for.exists() and time.monotonic() < deadline:
                time.sleep(0.05)
            """
        )
        return [sys.executable, "-c", script]

    monkeypatch.setattr(
        serve, "server_command", lambda **kwargs: reporting("server", then_wait_for="worker" if with_worker else "")
    )
    monkeypatch.setattr(serve, "worker_command", lambda: reporting("worker"))
    arguments = ["--port", "8731", *(["--with-worker"] if with_worker else [])]
    monkeypatch.delenv("SITE_URL", raising=False)
    call_command("serve", *arguments, stdout=open(os.devnull, "w"))  # noqa: SIM115
    assert (tmp_path / "server").read_text() == "http://127.0.0.1:8731"
    if with_worker:
        assert (tmp_path / "worker").read_text() == "http://127.0.0.1:8731"
    assert "SITE_URL" not in os.environ

    monkeypatch.setenv("SITE_URL", "https://peerway.example.org")
    call_command("serve", *arguments, stdout=open(os.devnull, "w"))  # noqa: SIM115
    assert (tmp_path / "server").read_text() == "https://peerway.example.org"


def test_the_demo_says_when_its_translations_are_not_compiled(tmp_path: Path, settings: Any) -> None:
    # Run without `make messages`, the Spanish, Somali and Hmong pages silently showed in English.
    from peerway.core.management.commands.serve import uncompiled_languages

    assert uncompiled_languages() == []  # the test run compiles them (make setup)
    (tmp_path / "so" / "LC_MESSAGES").mkdir(parents=True)
    (tmp_path / "so" / "LC_MESSAGES" / "django.mo").write_bytes(b"")
    settings.LOCALE_PATHS = [tmp_path]
    assert uncompiled_languages() == ["es", "hmn"]


@pytest.mark.parametrize(("host", "warned"), [("127.0.0.1", False), ("0.0.0.0", True), ("192.0.2.10", True)])  # noqa: S104
def test_the_demo_warns_when_other_machines_can_reach_it(
    tmp_path: Path, settings: Any, host: str, warned: bool
) -> None:
    # The demo's sign-ins are printed and the same on every install: reachable from elsewhere, it must say so.
    import io

    from peerway.core.management.commands.serve import Command

    settings.VAR_DIR = tmp_path
    command = Command(stdout=io.StringIO())
    command._demo_banner(host=host, port=8000, with_worker=False)
    assert ("other machines can reach this demo" in command.stdout.getvalue()) is warned
