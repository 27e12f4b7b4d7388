"""`peerway seed`: fill an empty database with deterministic synthetic data (see peerway.core.seed)."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from peerway.core.seed import SCALES, SeedError, StageReport, seed_run
from peerway.organizations.models import Organization


def _whole_number(raw: str) -> int:
    try:
        return int(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, not {raw!r}") from None


# The --today the seed can date its history back from and its schedules forward from: it goes back six years and
# two months (organizations) and eighty years (birth dates), and forward ten years (check-ups); the bounds keep a
# wide margin inside Python's years 1 to 9999.
EARLIEST_TODAY = dt.date(1970, 1, 1)
LATEST_TODAY = dt.date(9000, 12, 31)


def _iso_date(raw: str) -> dt.date:
    try:
        day = dt.date.fromisoformat(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a date as YYYY-MM-DD, not {raw!r}") from None
    if not EARLIEST_TODAY <= day <= LATEST_TODAY:
        raise argparse.ArgumentTypeError(
            f"must be a date from {EARLIEST_TODAY.isoformat()} to {LATEST_TODAY.isoformat()}, not {raw!r}"
        )
    return day


class Command(BaseCommand):
    help = (
        "Fill an empty database with synthetic organizations, staff, peers with their profiles and shifts, "
        "participants, 90 days of first-call requests with offers and engagements, a resource directory and "
        "referrals with follow-ups, the engagements' recovery check-ups (schedules and what the check-ups already "
        "due found). The same --seed and "
        "--today always give the same data. Writes the demo sign-ins to var/demo-accounts.json."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scale", choices=list(SCALES), default="small", help="how much to generate")
        parser.add_argument("--seed", type=_whole_number, default=42, help="random seed (default 42)")
        parser.add_argument(
            "--today",
            type=_iso_date,
            default=None,
            help="anchor date YYYY-MM-DD for every generated timestamp (default: today in Minnesota)",
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="do nothing, successfully, when the database already has organizations",
        )
        parser.add_argument("--no-progress", action="store_true", help="no progress bars on stderr")

    def handle(self, *args: Any, **options: Any) -> None:
        if _has_unapplied_migrations():
            raise CommandError("The database is not fully migrated: run `peerway migrate` first.")
        if options["if_empty"] and Organization.objects.exists():
            self.stdout.write("Organizations already exist; nothing seeded (--if-empty).")
            return
        # Today in Minnesota (TIME_ZONE), the same calendar the anchor midnight is taken in.
        today: dt.date = options["today"] or timezone.localdate()
        self.stderr.write(f"Seeding scale {options['scale']} with seed {options['seed']}, anchored at {today}.")
        try:
            report = seed_run(
                scale=options["scale"],
                seed=options["seed"],
                today=today,
                progress=not options["no_progress"],
                on_stage_done=self._stage_line,
            )
        except SeedError as exc:
            raise CommandError(str(exc)) from exc
        except KeyboardInterrupt:
            # Ctrl-C: one line, not a traceback. The stages are one transaction, so an interrupted run left nothing,
            # unless it was stopped after the commit (while the sign-ins were put in place or statistics gathered).
            if _seeded():
                raise CommandError(
                    "Stopped after the data was saved; the demo sign-ins may be missing: `peerway flush` and seed "
                    "again.",
                    returncode=130,
                ) from None
            raise CommandError("Stopped: nothing was seeded.", returncode=130) from None

        self.stdout.write(f"{'table':<40} {'rows':>10}")
        for table, rows in sorted(report.rows_by_table.items()):
            self.stdout.write(f"{table:<40} {rows:>10,}")
        rate = report.total_rows / report.seconds if report.seconds else 0.0
        self.stdout.write(f"{'total':<40} {report.total_rows:>10,}  in {report.seconds:.1f} s ({rate:,.0f} rows/s)")
        self.stdout.write(f"{len(report.demo_accounts)} demo sign-ins written to {report.demo_accounts_file}")

    def _stage_line(self, stage: StageReport) -> None:
        rows = sum(stage.rows.values())
        self.stderr.write(f"  {stage.name:<14} {rows:>9,} rows  {stage.seconds:6.1f} s")
        sys.stderr.flush()


def _seeded() -> bool:
    try:
        return Organization.objects.exists()
    except DatabaseError:
        return True  # cannot tell: say what is safe to do either way


def _has_unapplied_migrations() -> bool:
    executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
    return bool(executor.migration_plan(executor.loader.graph.leaf_nodes()))
