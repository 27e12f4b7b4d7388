"""The deterministic synthetic-data generator behind `peerway seed`: demo, test and benchmark data.

Same seed, same --today, same code: the same rows, byte for byte in `dumpdata`. Every name, number and
address is invented (see names.py, places.py, participants.py). Stages run in order, in one
transaction, each with its own random source derived from the seed; a later issue adds a stage by writing
``<area>_seed(ctx)`` in a new module, appending it to ``STAGES`` and adding its sizes to ``SCALES``.

Rows are written with bulk_create, never save(): that is what makes the large scale take minutes, and
it also means no change-history rows or access events are written for generated records.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction

from peerway.core.seed.checkins import checkins_seed
from peerway.core.seed.checkups import checkups_seed
from peerway.core.seed.context import SeedContext, SeedError, SeedReport, StageReport
from peerway.core.seed.credentials import credentials_seed
from peerway.core.seed.engagements import engagements_seed
from peerway.core.seed.organizations import organizations_seed
from peerway.core.seed.participants import participants_seed
from peerway.core.seed.peers import peers_seed
from peerway.core.seed.people import demo_accounts_write, people_seed
from peerway.core.seed.plans import plans_seed
from peerway.core.seed.requests import requests_seed
from peerway.core.seed.resources import resources_seed
from peerway.core.seed.scales import SCALES, Scale
from peerway.organizations.models import Organization

__all__ = ["SCALES", "STAGES", "Scale", "SeedContext", "SeedError", "SeedReport", "Stage", "StageReport", "seed_run"]

DEMO_ACCOUNTS_FILENAME = "demo-accounts.json"


@dataclass(frozen=True)
class Stage:
    name: str
    run: Callable[[SeedContext], None]


STAGES: tuple[Stage, ...] = (
    Stage("organizations", organizations_seed),
    Stage("people", people_seed),
    Stage("participants", participants_seed),
    Stage("peers", peers_seed),
    Stage("requests", requests_seed),
    Stage("engagements", engagements_seed),
    # Before plans and resources: a check-up's re-link may begin a new engagement, which gets its plan and
    # referrals there like any other.
    Stage("checkups", checkups_seed),
    Stage("plans", plans_seed),
    Stage("resources", resources_seed),
    Stage("checkins", checkins_seed),
    Stage("credentials", credentials_seed),
)


def seed_run(
    *,
    scale: str,
    seed: int,
    today: dt.date,
    progress: bool,
    on_stage_done: Callable[[StageReport], None] | None = None,
) -> SeedReport:
    """Fill an empty database with synthetic data and write settings.VAR_DIR/demo-accounts.json.

    Guarantees: the same ``scale``, ``seed`` and ``today`` give the same rows (ids included, when the
    database's sequences start fresh); nothing is timestamped after midnight starting ``today`` in
    Minnesota; all stages commit together, so a failure leaves nothing behind; the demo sign-ins are written
    to a temporary file inside the transaction and moved into place after the commit, so a seed that
    cannot write them seeds nothing.
    Raises SeedError when the scale is unknown, any organization already exists or the sign-ins cannot be
    written.
    """
    if scale not in SCALES:
        raise SeedError(f"Unknown scale {scale!r}; choose one of {', '.join(SCALES)}.")
    if Organization.objects.exists():
        raise SeedError("The database already has organizations; seed an empty database (`peerway flush` first).")
    ctx = SeedContext(seed=seed, scale_name=scale, scale=SCALES[scale], today=today, progress=progress)
    reports: list[StageReport] = []
    demo_accounts_file = Path(settings.VAR_DIR) / DEMO_ACCOUNTS_FILENAME
    written: Path | None = None
    try:
        # One transaction for the whole run: a failure in any stage leaves the database as empty as it was.
        with transaction.atomic():
            for stage in STAGES:
                ctx.rng = ctx.stage_rng(stage.name)
                ctx.rows = {}
                started = time.perf_counter()
                stage.run(ctx)
                report = StageReport(name=stage.name, rows=dict(ctx.rows), seconds=time.perf_counter() - started)
                reports.append(report)
                if on_stage_done is not None:
                    on_stage_done(report)
            # The sign-ins last, still inside the transaction: when they cannot be written nothing is seeded,
            # rather than a seeded database without them, which every later seed would refuse.
            try:
                written = demo_accounts_write(demo_accounts_file, ctx.demo_accounts)
            except OSError as exc:
                raise SeedError(
                    f"Could not write the demo sign-ins to {demo_accounts_file} ({_reason(exc)}); nothing was seeded."
                ) from exc
    except BaseException:
        # The commit failed or was interrupted: nobody can sign in with the accounts in the temporary file.
        if written is not None:
            with contextlib.suppress(OSError):
                written.unlink(missing_ok=True)
        raise
    # Committed: put the sign-ins in place, a rename within their folder.
    _demo_accounts_publish(written, demo_accounts_file)
    if connection.vendor in ("postgresql", "sqlite"):
        # A bulk load leaves the planner's statistics empty (SQLite gathers none by itself): without them the
        # planner picks plans fit for empty tables. On PostgreSQL the caseload page went from ~50 ms to 7.5 s at
        # --scale large; on SQLite, the demo's database, a caseload read its check-ups through (status, due_on),
        # the whole state's per row.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return SeedReport(
        scale=scale,
        seed=seed,
        today=today,
        stages=reports,
        demo_accounts=list(ctx.demo_accounts),
        demo_accounts_file=demo_accounts_file,
    )


def _demo_accounts_publish(written: Path | None, path: Path) -> None:
    """Move the committed seed's sign-ins from their temporary file onto ``path``."""
    if written is None:
        return
    try:
        os.replace(written, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            written.unlink(missing_ok=True)
        raise SeedError(
            f"The database was seeded, but its demo sign-ins could not be moved to {path} ({_reason(exc)}); "
            "`peerway flush` and seed again."
        ) from exc


def _reason(exc: OSError) -> str:
    """The operating system's reason, with the file it concerns: "File exists: /srv/peerway/var"."""
    reason = exc.strerror or str(exc)
    return f"{reason}: {exc.filename}" if exc.filename and exc.strerror else reason
