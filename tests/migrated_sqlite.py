"""A migrated, empty SQLite database for the tests that run Peerway in a process of their own.

`peerway migrate` takes 45 seconds on SQLite on a slow machine, and several tests (a served request's log line,
the seed's determinism across processes, the database cache) each need a freshly migrated file. They copy this
one instead: it is migrated once per set of migrations and locked dependencies, by `peerway migrate` in a process of
its own exactly as before, and kept in var/test-templates/ for the next run (the SQLite and PostgreSQL suites, which
run side by side, share it; a lock makes one of them wait while the other makes it).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "var" / "test-templates"


def key() -> str:
    """Changes whenever a migration could: Peerway's migration files, and the locked third-party packages."""
    digest = hashlib.sha256()
    paths = [*sorted((ROOT / "src" / "peerway").glob("*/migrations/*.py")), ROOT / "uv.lock"]
    for path in paths:
        digest.update(path.relative_to(ROOT).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:20]


def migrate(database_url: str) -> None:
    """Run `PEERWAY_MODE=test peerway migrate` on ``database_url`` in a process of its own."""
    with tempfile.TemporaryDirectory() as var_dir:
        env = {
            **{key: value for key, value in os.environ.items() if not key.startswith(("PEERWAY_", "DATABASE_URL"))},
            "PEERWAY_MODE": "test",
            "PEERWAY_VAR_DIR": var_dir,
            "DATABASE_URL": database_url,
        }
        subprocess.run(
            [sys.executable, "-m", "peerway.cli", "migrate", "--noinput", "--verbosity", "0"],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            timeout=600,
        )


def _migrate(database: Path) -> None:
    migrate(f"sqlite:///{database}")
    # One self-contained file: what the write-ahead log holds goes into the database, and the log goes.
    with contextlib.closing(sqlite3.connect(database)) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        connection.execute("PRAGMA journal_mode=DELETE")


def migrated_sqlite(destination: Path) -> Path:
    """Write a migrated, empty SQLite database (as `PEERWAY_MODE=test peerway migrate` leaves it) at ``destination``."""
    TEMPLATES.mkdir(parents=True, exist_ok=True)
    template = TEMPLATES / f"migrated-{key()}.sqlite3"
    with (TEMPLATES / "lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not template.exists():
            for stale in [*TEMPLATES.glob("migrated-*"), *TEMPLATES.glob("partial-*")]:
                stale.unlink()  # other migrations' templates, and what an interrupted run left
            partial = TEMPLATES / f"partial-{os.getpid()}.sqlite3"
            partial.unlink(missing_ok=True)
            _migrate(partial)
            os.replace(partial, template)
    shutil.copyfile(template, destination)
    return destination
