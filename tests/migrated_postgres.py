"""A migrated, empty PostgreSQL database that the PostgreSQL suite's test database is copied from.

Migrating the test database took the PostgreSQL suite 20-45 seconds on every run. PostgreSQL copies a database
with `CREATE DATABASE … TEMPLATE …` in well under a second, so the suite's test database is made that way (Django's
TEST["TEMPLATE"] setting) from a database `peerway migrate` really migrated, in a process of its own, once per set of
migrations and locked packages (the key of tests/migrated_sqlite.py). The template is named after that key, so a
change to a migration or a dependency makes a new one and the old one is dropped. A lock on the server (an advisory
lock) makes a second suite starting at the same moment wait while the first makes it.
"""

from __future__ import annotations

import contextlib
import os
from typing import Any
from urllib.parse import quote

import psycopg
from psycopg import sql

from tests.migrated_sqlite import key, migrate

TEMPLATE_PREFIX = "peerway_test_template_"
PARTIAL_PREFIX = "peerway_test_partial_"
# Any number no other code takes an advisory lock on: "peerway" in ASCII.
LOCK = 0x70656572776179


def _connection_params(settings: dict[str, Any], name: str) -> dict[str, Any]:
    params = {"dbname": name, "host": settings.get("HOST") or None, "port": settings.get("PORT") or None}
    params |= {"user": settings.get("USER") or None, "password": settings.get("PASSWORD") or None}
    return {key: value for key, value in params.items() if value is not None}


def _url(settings: dict[str, Any], name: str) -> str:
    user, password = settings.get("USER") or "", settings.get("PASSWORD") or ""
    credentials = f"{quote(user, safe='')}:{quote(password, safe='')}@" if password else f"{quote(user, safe='')}@"
    host = quote(settings.get("HOST") or "", safe="")  # a socket directory is written %2F…, as dj-database-url reads it
    port = f":{settings['PORT']}" if settings.get("PORT") else ""
    return f"postgres://{credentials if user else ''}{host}{port}/{name}"


def _drop(admin: psycopg.Connection[Any], name: str) -> None:
    with contextlib.suppress(psycopg.Error):  # in use by a run still copying it: left for the next run to drop
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))


def migrated_postgres(settings: dict[str, Any]) -> str:
    """The name of a migrated, empty database on the server of Django's ``settings`` dict, made if missing."""
    name = f"{TEMPLATE_PREFIX}{key()}"
    with psycopg.connect(**_connection_params(settings, "postgres"), autocommit=True) as admin:
        admin.execute("SELECT pg_advisory_lock(%s)", [LOCK])
        try:
            # Under the lock no other run is making one: a partial database is what an interrupted run left.
            for (partial,) in admin.execute(
                "SELECT datname FROM pg_database WHERE starts_with(datname, %s)", [PARTIAL_PREFIX]
            ).fetchall():
                _drop(admin, partial)
            if admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
                return name
            for (other,) in admin.execute(
                "SELECT datname FROM pg_database WHERE starts_with(datname, %s)", [TEMPLATE_PREFIX]
            ).fetchall():  # other migrations' templates
                _drop(admin, other)
            partial = f"{PARTIAL_PREFIX}{os.getpid()}"
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(partial)))
            try:
                migrate(_url(settings, partial))
                # Renamed only once fully migrated: a template that exists is a whole one.
                admin.execute(sql.SQL("ALTER DATABASE {} RENAME TO {}").format(*map(sql.Identifier, (partial, name))))
            except BaseException:
                _drop(admin, partial)
                raise
            return name
        finally:
            admin.execute("SELECT pg_advisory_unlock(%s)", [LOCK])
