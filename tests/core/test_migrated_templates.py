"""The migrated database the PostgreSQL suite copies its test database from (tests/migrated_postgres.py): migrated
by every migration on disk, with nothing an interrupted run left beside it."""

from __future__ import annotations

import psycopg
import pytest
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from psycopg import sql

from tests.migrated_postgres import PARTIAL_PREFIX, TEMPLATE_PREFIX, _connection_params, migrated_postgres

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's template database")


def test_the_postgresql_template_is_migrated_by_every_migration_and_partial_ones_are_dropped(db: None) -> None:
    settings = connection.settings_dict
    leftover = f"{PARTIAL_PREFIX}0"
    with psycopg.connect(**_connection_params(settings, "postgres"), autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(leftover)))
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(leftover)))
        name = migrated_postgres(settings)
        names = {row[0] for row in admin.execute("SELECT datname FROM pg_database").fetchall()}
    assert name.startswith(TEMPLATE_PREFIX) and name in names
    assert leftover not in names, "what an interrupted run left is dropped"
    assert connection.settings_dict["TEST"]["TEMPLATE"] == name, "the test database was copied from it"
    on_disk = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    with psycopg.connect(**_connection_params(settings, name)) as template:
        applied = set(template.execute("SELECT app, name FROM django_migrations").fetchall())
    assert applied == on_disk
