"""Review of Peerway's own commands other than `match solve`: `peerway seed`, `serve`, `worker`, `resources import`,
`instrument import` and the `peerway` entry point (src/peerway/cli.py). Bad arguments and files should give one
clear line and a non-zero exit, never a traceback; a failure should leave nothing half-done; output names no one."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from peerway.accounts.models import User
from peerway.organizations.models import Organization
from peerway.recovery.models import Participant

PEERWAY = Path(sys.executable).parent / "peerway"


@pytest.fixture
def var_dir(settings: Any, tmp_path: Path) -> Path:
    # The seed writes demo-accounts.json into VAR_DIR; keep it out of the repository's var/.
    settings.VAR_DIR = tmp_path
    return tmp_path


def run_peerway(*arguments: str, env: dict[str, str], timeout: int = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(PEERWAY), *arguments], capture_output=True, text=True, env=env, timeout=timeout, check=False
    )


# --- peerway seed ---------------------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("today", ["0001-01-01", "9999-12-31"])
def test_a_today_too_early_or_too_late_to_seed_from_is_a_usage_error(var_dir: Path, today: str) -> None:
    with pytest.raises(CommandError, match="--today"):
        call_command("seed", "--today", today, "--no-progress", stdout=io.StringIO(), stderr=io.StringIO())
    assert not Organization.objects.exists()


@pytest.mark.django_db
def test_a_seed_that_cannot_write_its_demo_sign_ins_leaves_the_database_empty(settings: Any, tmp_path: Path) -> None:
    """`make demo` runs `seed --if-empty` then `serve`. If writing var/demo-accounts.json fails (a var/ that is not
    writable; Ctrl-C during the ANALYZE after the commit), the database is already seeded: the next `make demo` says
    "nothing seeded", serve says "No demo accounts yet: run `peerway seed`", and that seed is refused."""
    not_a_folder = tmp_path / "var"
    not_a_folder.write_text("a file where the var folder should be")
    settings.VAR_DIR = not_a_folder

    with pytest.raises(Exception) as caught:
        call_command(
            "seed", "--today", "2026-11-23", "--seed", "5", "--no-progress", stdout=io.StringIO(), stderr=io.StringIO()
        )

    assert isinstance(caught.value, CommandError), repr(caught.value)
    message = str(caught.value)
    assert str(not_a_folder / "demo-accounts.json") in message
    assert "nothing was seeded" in message
    assert "\n" not in message
    assert not Organization.objects.exists()


@pytest.mark.django_db
def test_ctrl_c_during_the_seed_is_one_line_and_leaves_nothing(var_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from peerway.core import seed

    stages = list(seed.STAGES)

    def interrupted(ctx: Any) -> None:
        raise KeyboardInterrupt

    # Interrupted in the third stage, after two stages wrote their rows.
    monkeypatch.setattr(seed, "STAGES", [*stages[:2], type(stages[2])(stages[2].name, interrupted), *stages[3:]])
    with pytest.raises(CommandError) as caught:
        call_command(
            "seed", "--today", "2026-11-23", "--seed", "5", "--no-progress", stdout=io.StringIO(), stderr=io.StringIO()
        )
    assert str(caught.value) == "Stopped: nothing was seeded."
    assert caught.value.returncode == 130
    assert not Organization.objects.exists() and not User.objects.exists()
    assert not list(var_dir.iterdir()), "no sign-ins file, not even a temporary one"


@pytest.mark.django_db
def test_the_demo_sign_ins_are_put_in_place_whole_and_private(var_dir: Path) -> None:
    """Written to a temporary file inside the seed's transaction, moved into place after the commit."""
    call_command(
        "seed", "--today", "2026-11-23", "--seed", "5", "--no-progress", stdout=io.StringIO(), stderr=io.StringIO()
    )
    assert [path.name for path in var_dir.iterdir()] == ["demo-accounts.json"]
    assert (var_dir / "demo-accounts.json").stat().st_mode & 0o777 == 0o600
    assert json.loads((var_dir / "demo-accounts.json").read_text(encoding="utf-8"))


@pytest.mark.django_db
def test_what_the_seed_prints_names_no_one(var_dir: Path) -> None:
    """The seed's table and stage lines carry counts only: no seeded person's name, email or phone number."""
    out, err = io.StringIO(), io.StringIO()
    call_command("seed", "--today", "2026-11-23", "--seed", "11", "--no-progress", stdout=out, stderr=err)
    printed = out.getvalue() + err.getvalue()

    names = set()
    for user in User.objects.all():
        names.update({user.first_name, user.last_name})
    for participant in Participant.objects.all():
        names.add(participant.preferred_name or "")
    names.discard("")
    assert len(names) > 50
    found = sorted(name for name in names if re.search(rf"\b{re.escape(name)}\b", printed))
    assert found == []
    assert "@" not in printed
    assert not re.search(r"\d{3}\D{0,2}\d{3}\D?\d{4}", printed)


# --- peerway serve --------------------------------------------------------------------------------------------------


@pytest.fixture
def nothing_started(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, list[str]]]:
    """Replaces the supervisor's run: records what serve would start, starts nothing, returns 0."""
    from peerway.core.management.commands import serve

    started: list[dict[str, list[str]]] = []

    def run(self: serve.Supervisor) -> int:
        started.append(self.commands)
        return 0

    monkeypatch.setattr(serve.Supervisor, "run", run)
    return started


@pytest.mark.parametrize("port", ["70000", "-1", "0"])
def test_a_port_outside_1_to_65535_is_a_usage_error_before_anything_starts(
    nothing_started: list[dict[str, list[str]]], port: str
) -> None:
    """Port 0 too: the server would take any free port, while the banner and the links point at port 0."""
    with pytest.raises(CommandError, match="port"):
        call_command("serve", "--port", port, stdout=io.StringIO())
    assert nothing_started == []


@pytest.mark.parametrize("workers", ["0", "-2"])
def test_fewer_than_one_gunicorn_process_is_a_usage_error(
    nothing_started: list[dict[str, list[str]]], settings: Any, workers: str
) -> None:
    settings.MODE = "production"
    with pytest.raises(CommandError, match="workers"):
        call_command("serve", "--workers", workers, "--port", "8731", stdout=io.StringIO())
    assert nothing_started == []


# --- the peerway entry point ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("command", [["worker", "--batch"], ["resources", "import", "resources.csv"]])
def test_a_database_that_was_never_migrated_says_to_migrate(tmp_path: Path, command: list[str]) -> None:
    """A new deployment that starts its worker before `peerway migrate` has run (or imports resources first)."""
    (tmp_path / "resources.csv").write_text("external_id,name,category\nx-1,One,food\n")
    result = subprocess.run(
        [str(PEERWAY), *command],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={
            **os.environ,
            "PEERWAY_MODE": "test",
            "PEERWAY_VAR_DIR": str(tmp_path),
            "DATABASE_URL": f"sqlite:///{tmp_path / 'never-migrated.sqlite3'}",
        },
        timeout=120,
        check=False,
    )
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert "peerway migrate" in result.stderr
    assert "server is running" not in result.stderr


def test_help_works_before_production_is_configured(tmp_path: Path) -> None:
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in {"SECRET_KEY", "FIELD_ENCRYPTION_KEY", "BLIND_INDEX_KEY", "ALLOWED_HOSTS", "SITE_URL"}
    }
    environment.update(PEERWAY_MODE="production", PEERWAY_VAR_DIR=str(tmp_path))
    result = run_peerway("seed", "--help", env=environment)
    assert result.returncode == 0, result.stderr
    assert "usage: peerway seed" in result.stdout


@pytest.mark.parametrize(
    "command",
    [["seed"], ["serve"], ["worker"], ["resources", "import"], ["instrument", "import"]],
)
def test_every_peerway_command_answers_help(command: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        call_command(*command, "--help")
    assert exited.value.code == 0
    printed = " ".join(capsys.readouterr().out.split())
    assert printed.startswith("usage:")
    assert " ".join(command) in printed


# --- resources import and instrument import -------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("command", ["resources", "instrument"])
@pytest.mark.parametrize("which", ["missing", "folder"])
def test_a_file_that_cannot_be_read_is_one_line_naming_it(tmp_path: Path, command: str, which: str) -> None:
    path = tmp_path / "nowhere.csv" if which == "missing" else tmp_path
    with pytest.raises(CommandError) as caught:
        call_command(command, "import", str(path), stdout=io.StringIO(), stderr=io.StringIO())
    message = str(caught.value)
    assert message.startswith(f"Cannot read {path}: ")
    assert "\n" not in message
