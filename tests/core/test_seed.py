"""`peerway seed`: deterministic, all or nothing, --if-empty, clean usage errors (what the small scale contains:
test_seed_contents.py)."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction

from peerway.accounts.models import User
from peerway.core.seed import SeedReport, seed_run
from peerway.organizations.models import Organization
from peerway.recovery.models import Participant
from tests.migrated_sqlite import migrated_sqlite

TODAY = dt.date(2026, 11, 23)


@pytest.fixture
def var_dir(settings: Any, tmp_path: Path) -> Path:
    # The seed writes demo-accounts.json into VAR_DIR; keep it out of the repository's var/.
    settings.VAR_DIR = tmp_path
    return tmp_path


def seed_small(seed: int = 42) -> SeedReport:
    return seed_run(scale="small", seed=seed, today=TODAY, progress=False)


def dump_every_table() -> list[dict[str, Any]]:
    out = io.StringIO()
    call_command("dumpdata", format="json", stdout=out)
    return json.loads(out.getvalue())


def first_difference(first: list[dict[str, Any]], second: list[dict[str, Any]]) -> str:
    for left, right in zip(first, second, strict=False):
        if left != right:
            return f"{left} != {right}"
    return f"{len(first)} objects != {len(second)} objects"


@pytest.mark.django_db(transaction=True)
def test_the_same_seed_gives_identical_rows_in_every_table(var_dir: Path) -> None:
    # Flush before the first run too: PostgreSQL does not roll sequences back with the transactions of
    # earlier tests, so only a flush (TRUNCATE ... RESTART IDENTITY; on SQLite it clears sqlite_sequence)
    # gives both runs the same starting ids. Ids are compared as they are, not stripped.
    call_command("flush", interactive=False, verbosity=0)
    seed_small()
    first = dump_every_table()
    first_accounts = (var_dir / "demo-accounts.json").read_text()

    call_command("flush", interactive=False, verbosity=0)
    seed_small()
    second = dump_every_table()

    assert {row["model"] for row in first} >= {"organizations.organization", "accounts.user", "recovery.participant"}
    assert first == second, first_difference(first, second)
    assert (var_dir / "demo-accounts.json").read_text() == first_accounts


@pytest.mark.django_db
def test_a_different_seed_gives_different_data(var_dir: Path) -> None:
    def fingerprint(seed: int) -> tuple[list[str], list[str], list[str]]:
        with transaction.atomic():
            report = seed_small(seed)
            result = (
                sorted(str(public_id) for public_id in Participant.objects.values_list("public_id", flat=True)),
                sorted(User.objects.values_list("first_name", flat=True)),
                [account.password for account in report.demo_accounts],
            )
            transaction.set_rollback(True)
        return result

    first, second = fingerprint(42), fingerprint(43)
    assert first[0] != second[0]
    assert first[1] != second[1]
    assert first[2] != second[2]


@pytest.mark.django_db
def test_if_empty_does_nothing_the_second_time(var_dir: Path) -> None:
    arguments = ["seed", "--scale", "small", "--seed", "7", "--today", "2026-11-23", "--if-empty", "--no-progress"]
    call_command(*arguments, stdout=io.StringIO(), stderr=io.StringIO())
    counts = (Organization.objects.count(), User.objects.count(), Participant.objects.count())

    out = io.StringIO()
    call_command(*arguments, stdout=out, stderr=io.StringIO())

    assert out.getvalue().strip().count("\n") == 0
    assert "nothing seeded" in out.getvalue()
    assert (Organization.objects.count(), User.objects.count(), Participant.objects.count()) == counts


@pytest.mark.django_db
def test_the_command_prints_rows_per_table(var_dir: Path) -> None:
    out = io.StringIO()
    call_command("seed", "--today", "2026-11-23", "--no-progress", stdout=out, stderr=io.StringIO())

    for table in ("recovery_participant", "workforce_peerprofile", "intake_helprequest", "intake_offer"):
        assert re.search(rf"^{table}\s+[1-9][\d,]*$", out.getvalue(), re.MULTILINE), table
    assert "demo sign-ins written to" in out.getvalue()


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--scale", "huge"], "invalid choice: 'huge'"),
        (["--seed", "abc"], "must be a whole number"),
        (["--today", "23/11/2026"], "must be a date as YYYY-MM-DD"),
    ],
)
def test_bad_arguments_are_usage_errors(arguments: list[str], message: str) -> None:
    with pytest.raises(CommandError, match=re.escape(message)):
        call_command("seed", *arguments)


@pytest.mark.parametrize("arguments", [["--scale", "huge"], ["--seed", "abc"]])
def test_bad_arguments_exit_2_with_usage_and_no_traceback(arguments: list[str]) -> None:
    peerway = Path(sys.executable).parent / "peerway"
    result = subprocess.run(
        [str(peerway), "seed", *arguments],
        capture_output=True,
        text=True,
        env={**os.environ, "PEERWAY_MODE": "test"},
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "usage: peerway seed" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


SEED_AND_DUMP = """
import sys, django
django.setup()
from django.core.management import call_command
call_command("seed", "--scale", "small", "--seed", "42", "--today", "2026-11-23", "--no-progress")
call_command("dumpdata", "--format", "json", "--output", sys.argv[1])
"""


def seed_and_dump_in_own_process(directory: Path, hash_seed: str) -> list[dict[str, Any]]:
    """Seed the migrated SQLite file in ``directory`` and dump it, in a new Python process."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "peerway.settings",
        "PEERWAY_MODE": "test",
        "PEERWAY_VAR_DIR": str(directory),
        "DATABASE_URL": f"sqlite:///{directory / 'db.sqlite3'}",
        "PYTHONHASHSEED": hash_seed,
    }
    dump = directory / "dump.json"
    subprocess.run(
        [sys.executable, "-c", SEED_AND_DUMP, str(dump)], env=env, check=True, capture_output=True, timeout=300
    )
    return json.loads(dump.read_text())


def test_two_processes_with_different_hash_seeds_write_identical_dumps(tmp_path: Path) -> None:
    # The in-process test above cannot see nondeterminism that differs between processes, such as the
    # iteration order of a set of strings, which follows PYTHONHASHSEED. Both processes get a copy of the same
    # migrated, empty database (tests/migrated_sqlite.py).
    if connection.vendor != "sqlite":
        pytest.skip("uses its own SQLite files whatever the suite's database, so it runs in the SQLite suite only")
    first_dir, second_dir = tmp_path / "first", tmp_path / "second"
    first_dir.mkdir()
    second_dir.mkdir()
    migrated_sqlite(first_dir / "db.sqlite3")
    migrated_sqlite(second_dir / "db.sqlite3")
    with ThreadPoolExecutor(max_workers=2) as pool:
        first, second = pool.map(seed_and_dump_in_own_process, [first_dir, second_dir], ["1", "2"])

    assert any(row["model"] == "recovery.participant" for row in first)
    assert first == second, first_difference(first, second)


@pytest.mark.django_db(transaction=True)
def test_a_failing_stage_leaves_nothing_behind(var_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import peerway.core.seed as seed_module

    def broken(ctx: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(seed_module, "STAGES", (*seed_module.STAGES, seed_module.Stage("broken", broken)))
    with pytest.raises(RuntimeError, match="disk full"):
        seed_small()
    assert (Organization.objects.count(), User.objects.count(), Participant.objects.count()) == (0, 0, 0)


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's planner statistics")
def test_the_seed_leaves_planner_statistics_on_sqlite_too(var_dir: Path) -> None:
    # As on PostgreSQL: a bulk load leaves none, and without them SQLite read a caseload's check-ups through the
    # (status, due_on) index, every scheduled check-up of the state per row (25 s at --scale medium).
    seed_small()
    with connection.cursor() as cursor:
        cursor.execute("SELECT idx FROM sqlite_stat1 WHERE tbl = 'recovery_checkup'")
        indexes = {row[0] for row in cursor.fetchall()}
    assert "checkup_engagement_status_due" in indexes
