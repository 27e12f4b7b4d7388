"""Benchmark the peer's caseload page on PostgreSQL at ``--scale large``, against a naive per-row implementation.

Run from the repository root: ``.venv/bin/python bench/caseload.py`` (``--requests 10`` for a quick run).

1. The database is peerway_bench_caseload on $BENCH_POSTGRES_SERVER (default postgres://postgres@127.0.0.1:5432/).
   It is seeded once and kept: a table ``bench_caseload_seed`` records the scale, seed and anchor date it was
   seeded with and a digest of the seed generator's code and fixtures, and a later run reuses the database
   when they all match and every migration is applied. Otherwise
   (or with ``--reseed``) it is dropped, created, migrated and seeded with ``peerway seed --scale large --seed 42
   --today 2026-01-15`` (PEERWAY_MODE=test: fixed throwaway keys), which takes several minutes on a small
   machine; the seed's time is printed and kept in the report. The database is then ANALYZEd (planner
   statistics, as autovacuum would gather them in production). ``--drop`` removes the database at the end.
2. Picks, among the peers whose first engagement began five years (less a month) before the anchor date, the
   one whose caseload (engagements active or in the check-up phase) is closest to the issue's 60, the larger
   and then the longer history first among equals (the seed gives a few peers about that many), and signs in
   as them with Django's test client.
3. Requests GET /staff/caseload/ (peerway.recovery.selectors.caseload: one SELECT with subqueries) and
   GET /bench/naive-caseload/ (below: the same rows, rules and template, but a loop over the engagements
   with queries per row, as an ORM page is often first written) alternately, ``--requests`` times each after
   a warm-up, with the clock frozen at the seed's anchor date (time-machine) so that due and overdue mean
   the same as on the day the data was generated. Each request runs inside a transaction that is rolled
   back, so the access events the pages write do not pile up in the kept database.
4. Counts the queries of each page and measures p50/p95 of the whole request (view, queries, template),
   prints both and writes var/bench/caseload.json.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import time
import types
from contextlib import nullcontext
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "var" / "bench"
VAR_DIR = BENCH_DIR / "caseload"
PEERWAY = Path(sys.executable).parent / "peerway"
POSTGRES_SERVER = os.environ.get("BENCH_POSTGRES_SERVER", "postgres://postgres@127.0.0.1:5432/")
POSTGRES_DATABASE = os.environ.get("BENCH_CASELOAD_DATABASE", "peerway_bench_caseload")
MARKER_TABLE = "bench_caseload_seed"
# The caseload the issue asks to measure, and how far back the peer's history must reach.
TARGET_CASELOAD = 60
HISTORY_AT_LEAST_DAYS = 5 * 365 - 30
SEED = 42
TODAY = "2026-01-15"
STEP_TIMEOUT_SECONDS = 3600
NAIVE_PATH = "/bench/naive-caseload/"
PAGE_PATH = "/staff/caseload/"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="large", choices=["small", "medium", "large"])
    parser.add_argument("--requests", type=int, default=40, help="measured requests per page (default 40)")
    parser.add_argument("--warmup", type=int, default=3, help="unmeasured requests per page first (default 3)")
    parser.add_argument("--reseed", action="store_true", help="drop and seed the database even if it matches")
    parser.add_argument("--drop", action="store_true", help="drop the database at the end")
    args = parser.parse_args()

    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    database_url = POSTGRES_SERVER.rstrip("/") + "/" + POSTGRES_DATABASE
    try:
        seed_seconds = database_prepare(database_url, args.scale, reseed=args.reseed)
    except OSError as exc:
        sys.exit(
            f"bench/caseload.py: no PostgreSQL server reachable at {POSTGRES_SERVER} ({exc}); start one or set it."
        )
    try:
        report = measure(database_url, args)
    finally:
        if args.drop:
            postgres_drop()
    report["database"] = {"name": POSTGRES_DATABASE, "scale": args.scale, "seed": SEED, "today": TODAY}
    report["seed_seconds"] = seed_seconds
    (BENCH_DIR / "caseload.json").write_text(json.dumps(report, indent=2) + "\n")
    print_report(report)
    print(f"written to {(BENCH_DIR / 'caseload.json').relative_to(ROOT)}")
    return 0


# The database, seeded once and reused


def _admin() -> Any:
    import psycopg

    try:
        return psycopg.connect(POSTGRES_SERVER.rstrip("/") + "/postgres", autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        raise OSError(str(exc)) from None


def _environment(database_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "PEERWAY_MODE": "test",
        "DATABASE_URL": database_url,
        "PEERWAY_VAR_DIR": str(VAR_DIR),
        "LOG_LEVEL": "WARNING",
    }


def generator_fingerprint() -> str:
    """A digest of the seed generator's code and the fixtures it loads: a kept database seeded by another
    version of them is seeded again, not measured as if it were what today's code generates."""
    import hashlib

    digest = hashlib.sha256()
    sources = sorted((ROOT / "src" / "peerway" / "core" / "seed").rglob("*.py"))
    sources += sorted((ROOT / "src" / "peerway").glob("*/fixtures/**/*.json"))
    for path in sources:
        digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def marker_matches(database_url: str, scale: str) -> bool:
    """Whether the database holds the seed this run wants, from today's generator, with every migration applied."""
    import psycopg

    try:
        with psycopg.connect(database_url, connect_timeout=3) as conn:
            row = conn.execute(f"SELECT scale, seed, today, generator FROM {MARKER_TABLE}").fetchone()  # noqa: S608
    except (psycopg.OperationalError, psycopg.errors.UndefinedTable, psycopg.errors.UndefinedColumn):
        return False
    if row != (scale, SEED, TODAY, generator_fingerprint()):
        return False
    result = subprocess.run(
        [str(PEERWAY), "migrate", "--check", "--verbosity", "0"],
        env=_environment(database_url),
        capture_output=True,
        timeout=300,
    )
    return result.returncode == 0


def marker_write(database_url: str, scale: str) -> None:
    import psycopg

    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(f"DROP TABLE IF EXISTS {MARKER_TABLE}")
        conn.execute(f"CREATE TABLE {MARKER_TABLE} (scale text, seed integer, today text, generator text)")
        conn.execute(
            f"INSERT INTO {MARKER_TABLE} VALUES (%s, %s, %s, %s)",  # noqa: S608
            (scale, SEED, TODAY, generator_fingerprint()),
        )


def postgres_drop() -> None:
    from psycopg import sql

    with _admin() as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(POSTGRES_DATABASE)))


def database_prepare(database_url: str, scale: str, *, reseed: bool) -> float | None:
    """Reuse the seeded database, or create and seed it; the seed's seconds, or None when reused."""
    from psycopg import sql

    with _admin():
        pass  # the server answers
    if not reseed and marker_matches(database_url, scale):
        print(
            f"== reusing {POSTGRES_DATABASE} (seeded at --scale {scale} --seed {SEED} --today {TODAY})", file=sys.stderr
        )
        return None
    with _admin() as conn:
        name = sql.Identifier(POSTGRES_DATABASE)
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(name))
    env = _environment(database_url)
    print("== migrate", file=sys.stderr)
    subprocess.run([str(PEERWAY), "migrate", "--noinput", "--verbosity", "0"], env=env, check=True, timeout=600)
    print(f"== peerway seed --scale {scale} --seed {SEED} --today {TODAY} (minutes at large)", file=sys.stderr)
    started = time.perf_counter()
    command = [str(PEERWAY), "seed", "--scale", scale, "--seed", str(SEED), "--today", TODAY, "--no-progress"]
    subprocess.run(command, env=env, check=True, timeout=STEP_TIMEOUT_SECONDS, stdout=subprocess.DEVNULL)
    seconds = round(time.perf_counter() - started, 1)
    # Planner statistics, as autovacuum would gather them in production: straight after a bulk load the
    # estimates are so far off that PostgreSQL scans the whole check-up status index per engagement (7 s
    # instead of 50 ms for the caseload's one SELECT at large scale).
    import psycopg

    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("ANALYZE")
    marker_write(database_url, scale)
    return seconds


# The naive page: the same rows, rules and template, with queries per engagement


def naive_caseload_view(request: Any) -> Any:
    """A deliberately naive caseload: one query for the engagements, then several per engagement, and one
    access event INSERT per person. Kept here, not in src: it exists to be measured against."""
    import datetime as dt

    from django.db import transaction
    from django.db.models import Q
    from django.shortcuts import render
    from django.utils import timezone

    from peerway.core.access import access_events_record, acting_role
    from peerway.core.models import AccessAction
    from peerway.recovery import caseload_rules as rules
    from peerway.recovery.models import (
        SUBJECT_PARTICIPANT,
        CheckIn,
        Checkup,
        CheckupStatus,
        Contact,
        Engagement,
        EngagementStatus,
        Message,
        MessageSender,
        RecoveryPlan,
    )
    from peerway.recovery.selectors.caseload import CASELOAD_STATUSES, PEER_ROLES, CaseloadRow
    from peerway.recovery.views.caseload import _rules

    today = timezone.localdate()
    rows = []
    with transaction.atomic():
        for engagement in Engagement.objects.filter(peer__user=request.user, status__in=CASELOAD_STATUSES):
            contacts = Contact.objects.filter(engagement=engagement)
            last = contacts.order_by("-occurred_at").first()
            sessions = contacts.filter(current_version__person_present=True).count()
            upcoming = Checkup.objects.filter(engagement=engagement, status=CheckupStatus.SCHEDULED)
            next_checkup = upcoming.order_by("due_on", "sequence").first()
            recorded = Checkup.objects.filter(engagement=engagement, status=CheckupStatus.RECORDED)
            latest = recorded.order_by("-recorded_at", "-pk").first()
            scores = [
                (c.recorded_at, c.recovery_capital)
                for c in recorded.filter(recovery_capital__isnull=False)
                .filter(
                    Q(recovery_capital_checkin__isnull=True)
                    | Q(recovery_capital_checkin__instrument__organization__isnull=False)
                )
                .order_by("-recorded_at", "-pk")[:2]
            ]
            checkins = CheckIn.objects.filter(participant=engagement.participant, instrument__organization=None)
            scores += [(c.answered_at, c.score) for c in checkins.order_by("-answered_at", "-pk")[:2]]
            plan = RecoveryPlan.objects.filter(engagement=engagement).first()
            unread = Message.objects.filter(
                engagement=engagement, sender=MessageSender.PARTICIPANT, read_at__isnull=True
            ).count()
            started: dt.datetime = engagement.reopened_at or engagement.started_at
            contact, days = rules.contact_urgency(
                active=engagement.status == EngagementStatus.ACTIVE,
                last_contact_on=last.occurred_at.date() if last else None,
                started_on=started.date(),
                today=today,
            )
            due_on = next_checkup.due_on if next_checkup else None
            rows.append(
                CaseloadRow(
                    engagement=engagement,
                    last_contact_at=last.occurred_at if last else None,
                    days_since_contact=days,
                    contact=contact,
                    next_checkup_on=due_on,
                    checkup=rules.checkup_urgency(next_due_on=due_on, today=today),
                    next_step=(latest.next_steps or "") if latest else "",
                    plan=rules.plan_state(sessions_done=sessions, plan_complete=bool(plan and plan.completed_at)),
                    sessions=sessions,
                    trend=rules.recovery_capital_trend(scores),
                    unread=unread,
                )
            )
            access_events_record(
                actor=request.user,
                role=acting_role(request.user, engagement.organization, PEER_ROLES),
                organization=engagement.organization,
                subject_type=SUBJECT_PARTICIPANT,
                subject_ids=[engagement.participant.public_id],
                action=AccessAction.LISTED,
                reason="caseload (naive bench)",
            )
    rows.sort(
        key=lambda row: (
            *rules.sort_key(
                contact=row.contact, checkup=row.checkup, plan=row.plan, days_since_contact=row.days_since_contact
            ),
            row.engagement.pk,
        )
    )
    filters = {"due": "", "status": ""}
    context = {"rows": rows, "filters": filters, "today": today, "rules": _rules()}
    return render(request, "recovery/caseload.html", context)


def _bench_urlconf() -> str:
    """Peerway's URLs plus the naive page (i18n_patterns cannot be include()d, so the list is extended)."""
    import importlib

    from django.conf import settings
    from django.urls import path

    module = types.ModuleType("bench_caseload_urls")
    module.urlpatterns = [  # type: ignore[attr-defined]
        path(NAIVE_PATH.strip("/") + "/", naive_caseload_view),
        *importlib.import_module(settings.ROOT_URLCONF).urlpatterns,
    ]
    sys.modules[module.__name__] = module
    return module.__name__


# Measuring


def measure(database_url: str, args: argparse.Namespace) -> dict[str, Any]:
    os.environ.update({"PEERWAY_MODE": "test", "DATABASE_URL": database_url, "PEERWAY_VAR_DIR": str(VAR_DIR)})
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peerway.settings")
    import django

    django.setup()
    import datetime as dt

    import time_machine
    from django.conf import settings
    from django.db import connection, reset_queries, transaction
    from django.db.models import Count, F, Min, Q
    from django.db.models.functions import Abs
    from django.test import Client, override_settings
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    from peerway.recovery.models import Engagement, EngagementStatus
    from peerway.workforce.models import PeerProfile

    setup_test_environment()
    history_at_least = dt.timedelta(days=HISTORY_AT_LEAST_DAYS)
    live = Q(engagements__status__in=[EngagementStatus.ACTIVE, EngagementStatus.CHECKUP])
    peer = (
        PeerProfile.objects.annotate(
            caseload=Count("engagements", filter=live), first_start=Min("engagements__started_at")
        )
        .filter(first_start__lte=dt.datetime.fromisoformat(TODAY + "T00:00:00+00:00") - history_at_least)
        .annotate(off_target=Abs(F("caseload") - TARGET_CASELOAD))
        .order_by("off_target", "-caseload", "first_start", "pk")
        .select_related("user")
        .first()
    )
    if peer is None:
        sys.exit("bench/caseload.py: the database holds no peer with five years of history.")
    first_start = Engagement.objects.filter(peer=peer).aggregate(first=Min("started_at"))["first"]
    anchor = dt.datetime.fromisoformat(TODAY + "T18:00:00+00:00")
    history_years = round((anchor - first_start).days / 365.25, 1) if first_start else 0.0

    client = Client()
    timings: dict[str, list[float]] = {"page": [], "naive": []}
    queries: dict[str, int] = {}
    sizes: dict[str, int] = {}
    paths = {"page": PAGE_PATH, "naive": NAIVE_PATH}

    def one(kind: str, *, count_queries: bool = False) -> tuple[float, int, int]:
        """One request; its queries counted only when asked, in a request not timed: logging every query costs
        the page that makes hundreds of them far more than the one that makes a dozen."""
        reset_queries()  # the query log is capped at 9,000 entries; a full one counts nothing new
        with CaptureQueriesContext(connection) if count_queries else nullcontext() as captured, transaction.atomic():
            started = time.perf_counter()
            response = client.get(paths[kind])
            elapsed = time.perf_counter() - started
            transaction.set_rollback(True)
        if response.status_code != 200:
            sys.exit(f"bench/caseload.py: {paths[kind]} answered {response.status_code}")
        cards = response.content.decode().count('class="card caseload-card"')
        return elapsed, len(captured.captured_queries) if captured is not None else 0, cards

    with (
        override_settings(ROOT_URLCONF=_bench_urlconf(), ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"]),
        time_machine.travel(anchor, tick=True),
    ):
        client.force_login(peer.user)
        for _ in range(args.warmup):
            one("page")
            one("naive")
        for _ in range(args.requests):
            for kind in ("page", "naive"):
                elapsed, _count, cards = one(kind)
                timings[kind].append(elapsed * 1000)
                sizes[kind] = cards
        for kind in ("page", "naive"):
            _elapsed, queries[kind], _cards = one(kind, count_queries=True)
    if sizes["page"] != sizes["naive"]:
        sys.exit(f"bench/caseload.py: the pages disagree ({sizes['page']} vs {sizes['naive']} people)")

    def figures(kind: str) -> dict[str, Any]:
        values = sorted(timings[kind])
        return {
            "queries": queries[kind],
            "p50_ms": round(statistics.median(values), 1),
            # The nearest-rank p95: the smallest value at or above 95 % of them (never rounded down to fewer).
            "p95_ms": round(values[max(0, math.ceil(0.95 * len(values)) - 1)], 1),
            "mean_ms": round(statistics.fmean(values), 1),
            "requests": len(values),
        }

    return {
        "peer": {"engagements_shown": sizes["page"], "history_years": history_years},
        "page": figures("page"),
        "naive": figures("naive"),
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "load_average": os.getloadavg()[0]},
    }


def print_report(report: dict[str, Any]) -> None:
    peer = report["peer"]
    print(
        f"caseload of {peer['engagements_shown']} people, {peer['history_years']} years of history "
        f"(--scale {report['database']['scale']}, database {report['database']['name']}"
        + (f", seeded in {report['seed_seconds']} s)" if report["seed_seconds"] else ", reused)")
    )
    print(f"{'page':<28}{'queries':>9}{'p50 ms':>10}{'p95 ms':>10}{'mean ms':>10}")
    for key, label in (("page", "caseload (/staff/caseload/)"), ("naive", "naive per-row loop")):
        row = report[key]
        print(f"{label:<28}{row['queries']:>9}{row['p50_ms']:>10}{row['p95_ms']:>10}{row['mean_ms']:>10}")
    page, naive = report["page"], report["naive"]
    print(
        f"naive / page: {naive['queries'] / page['queries']:.1f}x the queries, "
        f"{naive['p50_ms'] / page['p50_ms']:.1f}x the p50"
    )


if __name__ == "__main__":
    raise SystemExit(main())
