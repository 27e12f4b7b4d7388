"""Print a PostgreSQL URL for the test suite, starting a throwaway cluster if none is reachable.

Order: $TEST_DATABASE_URL; then 127.0.0.1:5432 as user postgres (trust auth); then a cluster of our own
under var/pg started with the system's initdb/pg_ctl. Exits 1 with one sentence when none works.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import psycopg

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/peerway"
THROWAWAY_PORT = 54329
ROOT = Path(__file__).resolve().parent.parent


def reachable(url: str) -> bool:
    # Connect to the maintenance database: the test runner creates its own test_* database.
    base = url.rsplit("/", 1)[0] + "/postgres"
    try:
        with psycopg.connect(base, connect_timeout=3):
            return True
    except psycopg.Error:
        return False


def find_pg_bin(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), reverse=True)
    return str(candidates[0]) if candidates else None


def start_throwaway() -> str | None:
    initdb, pg_ctl = find_pg_bin("initdb"), find_pg_bin("pg_ctl")
    if not initdb or not pg_ctl:
        return None
    data = ROOT / "var" / "pg"
    if not (data / "PG_VERSION").exists():
        data.mkdir(parents=True, exist_ok=True)
        subprocess.run([initdb, "-D", str(data), "-U", "postgres", "-A", "trust"], check=True, capture_output=True)
    options = f"-p {THROWAWAY_PORT} -k {data} -c listen_addresses=127.0.0.1"
    subprocess.run(
        [pg_ctl, "-D", str(data), "-o", options, "-l", str(data / "log"), "-w", "start"], capture_output=True
    )
    url = f"postgres://postgres@127.0.0.1:{THROWAWAY_PORT}/peerway"
    return url if reachable(url) else None


def main() -> int:
    url = os.environ.get("TEST_DATABASE_URL") or DEFAULT_URL
    if reachable(url):
        print(url)
        return 0
    if "TEST_DATABASE_URL" not in os.environ and os.geteuid() != 0:
        started = start_throwaway()
        if started:
            print(started)
            return 0
    sys.stderr.write(
        "The PostgreSQL tests need a server: set TEST_DATABASE_URL, run one at 127.0.0.1:5432 (user postgres, "
        "trust auth), or install PostgreSQL's server package so a throwaway cluster can be started.\n"
    )
    return 1


if __name__ == "__main__":
    sys.exit(main())
