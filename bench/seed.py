"""Benchmark `peerway seed` on SQLite and PostgreSQL, against inserting participants one save() at a time.

Run from the repository root: ``.venv/bin/python bench/seed.py`` (``--scale medium`` for a quick run).
For each database it creates a fresh one (SQLite: var/bench/seed.sqlite3; PostgreSQL: the database
peerway_bench_seed on $BENCH_POSTGRES_SERVER, default postgres://postgres@127.0.0.1:5432/, dropped and
created again), migrates it, then times ``peerway seed --scale large --seed 42`` in its own process and
counts the rows it added in every table. The baseline then saves 2,000 more participants into the same
database the naive way (one Participant.save() and one communities.set() each, in autocommit) and counts
its rows the same way. PostgreSQL is skipped, with a note, when the server is unreachable.
Prints a table and writes var/bench/seed.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "var" / "bench"
PEERWAY = Path(sys.executable).parent / "peerway"
SEED = 42
# A fixed anchor date, so every run of the benchmark inserts exactly the same rows.
TODAY = "2026-01-15"
BASELINE_PARTICIPANTS = 2_000
POSTGRES_SERVER = os.environ.get("BENCH_POSTGRES_SERVER", "postgres://postgres@127.0.0.1:5432/")
POSTGRES_DATABASE = "peerway_bench_seed"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="large", choices=["small", "medium", "large"])
    parser.add_argument("--baseline-worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.baseline_worker:
        print(json.dumps(baseline_run()))
        return 0

    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    results = [bench_sqlite(args.scale)]
    postgres_url = postgres_fresh_database()
    if postgres_url is None:
        print(f"PostgreSQL skipped: no server reachable at {POSTGRES_SERVER}", file=sys.stderr)
        results.append({"database": "postgresql", "skipped": f"no server reachable at {POSTGRES_SERVER}"})
    else:
        results.append(bench_database("postgresql", postgres_url, args.scale))

    report = {
        "benchmark": "seed",
        "scale": args.scale,
        "seed": SEED,
        "today": TODAY,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "results": results,
    }
    (BENCH_DIR / "seed.json").write_text(json.dumps(report, indent=2) + "\n")
    print_table(results)
    print(f"written to {(BENCH_DIR / 'seed.json').relative_to(ROOT)}")
    return 0


def bench_sqlite(scale: str) -> dict[str, Any]:
    path = BENCH_DIR / "seed.sqlite3"
    for leftover in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        leftover.unlink(missing_ok=True)
    return bench_database("sqlite", f"sqlite:///{path}", scale)


def postgres_fresh_database() -> str | None:
    """Drop and create the benchmark database; its URL, or None when no server answers."""
    import psycopg
    from psycopg import sql

    try:
        with psycopg.connect(POSTGRES_SERVER.rstrip("/") + "/postgres", autocommit=True, connect_timeout=3) as conn:
            name = sql.Identifier(POSTGRES_DATABASE)
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
            conn.execute(sql.SQL("CREATE DATABASE {}").format(name))
    except psycopg.OperationalError:
        return None
    return POSTGRES_SERVER.rstrip("/") + "/" + POSTGRES_DATABASE


def bench_database(label: str, url: str, scale: str) -> dict[str, Any]:
    env = {
        **os.environ,
        "PEERWAY_MODE": "test",
        "DATABASE_URL": url,
        # Keep the benchmark's demo-accounts.json away from the one `make demo` uses.
        "PEERWAY_VAR_DIR": str(BENCH_DIR / f"seed-{label}"),
    }
    print(f"== {label}: migrate", file=sys.stderr)
    subprocess.run([str(PEERWAY), "migrate", "--noinput", "--verbosity", "0"], env=env, check=True)
    before = table_row_counts(url)

    print(f"== {label}: peerway seed --scale {scale} --seed {SEED}", file=sys.stderr)
    started = time.perf_counter()
    subprocess.run(
        [str(PEERWAY), "seed", "--scale", scale, "--seed", str(SEED), "--today", TODAY, "--no-progress"],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    seconds = time.perf_counter() - started
    after = table_row_counts(url)
    added = {table: after[table] - before.get(table, 0) for table in after if after[table] != before.get(table, 0)}
    rows = sum(added.values())

    print(f"== {label}: baseline, {BASELINE_PARTICIPANTS:,} participants saved one at a time", file=sys.stderr)
    worker = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--baseline-worker"],
        env={**env, "DJANGO_SETTINGS_MODULE": "peerway.settings"},
        check=True,
        capture_output=True,
        text=True,
    )
    baseline = json.loads(worker.stdout.strip().splitlines()[-1])
    return {
        "database": label,
        "seed_seconds": round(seconds, 2),
        "rows_inserted": rows,
        "rows_per_second": round(rows / seconds),
        "rows_by_table": added,
        "baseline": baseline,
        "speedup": round((rows / seconds) / baseline["rows_per_second"], 1),
    }


def table_row_counts(url: str) -> dict[str, int]:
    """Rows in every table of the database at ``url`` (table names come from the database's catalog)."""
    if url.startswith("sqlite:///"):
        with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
            names = [row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
            return {
                name: conn.execute(f'SELECT COUNT(*) FROM "{name}"').fetchone()[0]  # noqa: S608 (catalog names)
                for name in names
                if not name.startswith("sqlite_")
            }
    import psycopg
    from psycopg import sql

    with psycopg.connect(url) as conn:
        names = [row[0] for row in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
        counts = {}
        for name in names:
            row = conn.execute(sql.SQL("SELECT COUNT(*) FROM {}").format(sql.Identifier(name))).fetchone()
            counts[name] = row[0] if row else 0
        return counts


def baseline_run() -> dict[str, Any]:
    """In a Django process: save BASELINE_PARTICIPANTS participants one by one and count the rows written.

    The rows are built by the generator's own participant_build, so both paths write the same kind of
    row; only the way they reach the database differs. Autocommit: each save is its own transaction, as
    it would be in a loop calling the service or the ORM without an enclosing atomic block.
    """
    import datetime as dt

    import django

    django.setup()
    from django.db import connection

    from peerway.core.seed.context import OrganizationSeed, SeedContext
    from peerway.core.seed.participants import participant_build, participant_vocabulary_load
    from peerway.core.seed.places import place_get
    from peerway.core.seed.scales import SCALES
    from peerway.organizations.models import Organization

    organization = Organization.objects.filter(kind="rco").order_by("pk").first()
    if organization is None:
        raise SystemExit("the baseline needs the seeded organizations")
    site = organization.sites.select_related("county").order_by("pk").first()
    assert site is not None
    seeded = OrganizationSeed(organization=organization, region=site.county.region, place=place_get(site.city))
    # A seed of its own, so the baseline's public ids never collide with the seeded participants'.
    ctx = SeedContext(
        seed=SEED + 1, scale_name="small", scale=SCALES["small"], today=dt.date.fromisoformat(TODAY), progress=False
    )
    ctx.rng = ctx.stage_rng("baseline")
    vocabulary = participant_vocabulary_load()
    built = [participant_build(ctx, seeded, vocabulary) for _ in range(BASELINE_PARTICIPANTS)]

    def total_rows() -> int:
        with connection.cursor() as cursor:
            total = 0
            for table in connection.introspection.table_names(cursor):
                cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608 (catalog names)
                total += cursor.fetchone()[0]
            return total

    before = total_rows()
    started = time.perf_counter()
    for item in built:
        item.participant.save()
        item.participant.communities.set(item.community_ids)
    seconds = time.perf_counter() - started
    rows = total_rows() - before
    return {
        "participants": BASELINE_PARTICIPANTS,
        "rows_inserted": rows,
        "seconds": round(seconds, 2),
        "rows_per_second": round(rows / seconds),
        "participants_per_second": round(BASELINE_PARTICIPANTS / seconds),
    }


def print_table(results: list[dict[str, Any]]) -> None:
    print(
        f"{'database':<11} {'seed s':>8} {'rows':>10} {'rows/s':>9}   "
        f"{'baseline rows/s':>15} {'baseline participants/s':>23} {'speed-up':>9}"
    )
    for result in results:
        if "skipped" in result:
            print(f"{result['database']:<11} skipped: {result['skipped']}")
            continue
        baseline = result["baseline"]
        print(
            f"{result['database']:<11} {result['seed_seconds']:>8.1f} {result['rows_inserted']:>10,} "
            f"{result['rows_per_second']:>9,}   {baseline['rows_per_second']:>15,} "
            f"{baseline['participants_per_second']:>23,} {result['speedup']:>8}x"
        )


if __name__ == "__main__":
    try:
        sys.exit(main())
    except subprocess.CalledProcessError as exc:
        # The failing command already printed its own error above.
        command = " ".join(Path(part).name if part.startswith("/") else part for part in exc.cmd)
        sys.exit(f"bench/seed.py: `{command}` failed with exit status {exc.returncode}")
