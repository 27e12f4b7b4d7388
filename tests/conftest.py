from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection, connections
from django.utils import translation
from pytest_django import DjangoDbBlocker

from peerway.core import sms
from peerway.core.models import Community, Language, LivedExperience
from peerway.intake.models import HelpRequest
from peerway.intake.services import RequestInput, request_submit
from tests.helpers import Cast, make_cast
from tests.migrated_postgres import migrated_postgres
from tests.migrated_sqlite import migrated_sqlite


# The test database is not migrated on every run (45 seconds on a slow machine, paid by each suite). It is copied from
# a database `peerway migrate` really migrated, made once per set of migrations and locked packages, so the suite runs
# on exactly the schema and rows migrations give, with Django's record of the applied migrations. On PostgreSQL the
# copy is the test database itself, made with CREATE DATABASE … TEMPLATE (tests/migrated_postgres.py). On SQLite its
# tables are first made straight from the models, which takes seconds, and then its whole content is replaced by a
# copy of the migrated file (tests/migrated_sqlite.py, and django_db_setup below). Either way Django's own
# "migrate" step only finds every table already there.
@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix: None) -> None:
    settings = connections["default"].settings_dict
    test_settings = settings.setdefault("TEST", {})
    if connections["default"].vendor == "postgresql":
        test_settings["TEMPLATE"] = migrated_postgres(settings)
    test_settings["MIGRATE"] = False


@pytest.fixture(scope="session")
def django_db_setup(
    django_db_setup: None, django_db_blocker: DjangoDbBlocker, tmp_path_factory: pytest.TempPathFactory
) -> None:
    if connection.vendor != "sqlite":
        return
    with django_db_blocker.unblock():
        migrated = migrated_sqlite(tmp_path_factory.mktemp("migrated") / "db.sqlite3")
        connection.ensure_connection()
        with contextlib.closing(sqlite3.connect(migrated)) as source:
            source.backup(connection.connection)


@pytest.fixture
def cast(db: None) -> Cast:
    return make_cast()


@pytest.fixture(autouse=True)
def _fresh_cache_and_language() -> Iterator[None]:
    # allauth's sign-in rate limits and the public form's limits count in the cache; every test starts at zero. A
    # request to /hmn/... leaves Hmong active in this thread, where later tests' reverse() and messages would use it.
    cache.clear()
    yield
    cache.clear()
    translation.deactivate()


@pytest.fixture(autouse=True)
def _empty_text_outbox() -> Iterator[list[sms.TextMessage]]:
    # The test text-message backend keeps messages in memory; every test starts with none.
    sms.outbox.clear()
    yield sms.outbox
    sms.outbox.clear()


@pytest.fixture
def text_outbox(_empty_text_outbox: list[sms.TextMessage]) -> list[sms.TextMessage]:
    """Text messages "sent" during the test (settings.SMS_BACKEND is the in-memory backend in tests)."""
    return _empty_text_outbox


@pytest.fixture
def submit(db: None) -> Callable[..., tuple[HelpRequest, str]]:
    """Submit a request as the public form would; its routing task is queued, not run. For intake, routing,
    shifts, engagements begun by a first call and the matching report alike."""

    def _submit(
        *,
        language: str = "en",
        language_required: bool = False,
        communities: tuple[str, ...] = (),
        lived_experience: tuple[str, ...] = (),
        modalities: tuple[str, ...] = ("phone",),
        **extra: Any,
    ) -> tuple[HelpRequest, str]:
        data = RequestInput(
            contact_method=extra.pop("contact_method", "call"),
            language=Language.objects.get(slug=language),
            language_required=language_required,
            consent_to_contact=True,
            first_name=extra.pop("first_name", "Sample"),
            phone=extra.pop("phone", "(612) 555-0101"),
            communities=list(Community.objects.filter(slug__in=communities)),
            lived_experience=list(LivedExperience.objects.filter(slug__in=lived_experience)),
            modalities=modalities,
            **extra,
        )
        return request_submit(data=data)

    return _submit
