"""The public form's one-statement insert (PostgreSQL) writes exactly what the ORM path writes, or nothing."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest
import time_machine
from django.db import IntegrityError, connection
from django.db.models.sql import InsertQuery
from django.test.utils import CaptureQueriesContext
from django_tasks_db.models import DBTaskResult

from peerway.core.models import Community, Language
from peerway.intake import one_statement
from peerway.intake.models import HISTORY, HelpRequest
from peerway.intake.services import RequestInput, request_submit
from peerway.intake.tasks import request_route_task
from tests.factories import UserFactory

Submit = Callable[..., tuple[HelpRequest, str]]
on_postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="the one-statement insert is PostgreSQL's")
# Differ between any two submits by design: row ids, random ids, the private link, and the clock.
ALWAYS_DIFFERENT = {"id", "public_id", "status_token_hash", "status_token_expires_at", "created_at"}
ANSWERS: dict[str, Any] = {
    "language": "so",
    "language_required": True,
    "communities": ("somali", "faith-muslim"),
    "lived_experience": ("opioids", "medication-recovery"),
    "modalities": ("in_person", "phone"),
    "zip_code": "55404",
    "email": "sample@example.org",
    "communities_own_words": "Cedar-Riverside",
}


def _jsonable(value: Any) -> Any:
    return getattr(value, "obj", value)  # psycopg's Jsonb wrapper holds the Python value in .obj


def _django_insert(instance: Any) -> tuple[str, list[Any]]:
    fields = [field for field in instance._meta.local_concrete_fields if field is not instance._meta.auto_field]
    query = InsertQuery(type(instance))
    query.insert_values(fields, [instance])
    [(sql, params)] = query.get_compiler(connection=connection).as_sql()
    return sql, [_jsonable(param) for param in params]


@pytest.mark.django_db
def test_insert_sql_is_what_djangos_compiler_writes(submit: Submit, monkeypatch: pytest.MonkeyPatch) -> None:
    request, _ = submit(**ANSWERS)
    # Fernet draws a fresh IV for every encryption: the same one for both, so that ciphertexts compare.
    monkeypatch.setattr("cryptography.fernet.os.urandom", lambda size: bytes(size))
    fresh = HelpRequest(**_row(request, ignore={"id"}))
    job = DBTaskResult.objects.get(args_kwargs__args=[request.pk])
    job.pk = DBTaskResult._meta.pk.get_default()  # type: ignore[union-attr]
    job._state.adding = True
    with time_machine.travel(job.enqueued_at, tick=False):  # auto_now_add stamps "now" in both
        for instance in (fresh, job):
            sql, params = one_statement.insert_sql(instance)
            assert (sql, [_jsonable(param) for param in params]) == _django_insert(instance)


@pytest.mark.django_db
def test_values_not_already_of_their_fields_type_are_prepared_as_django_does(submit: Submit) -> None:
    # insert_values lets a value skip Django's preparation only when it already has the type the field cleans
    # to (on PostgreSQL). These do not, so each must come out exactly as Django's compiler writes it.
    request, _ = submit(**ANSWERS)
    fresh = HelpRequest(**_row(request, ignore={"id", "first_name", "phone", "email", "communities_own_words"}))
    fresh.escalation_level = "2"  # type: ignore[assignment]  # a string for an integer
    fresh.latitude = 45  # type: ignore[assignment]  # an integer for a float
    fresh.language_required = 1  # type: ignore[assignment]  # an integer for a boolean
    fresh.last_offered_at = datetime.datetime(2026, 1, 2, 3, 4, 5)  # naive: Django makes it aware, with a warning
    fresh.public_id = str(fresh.public_id)  # type: ignore[assignment]
    with pytest.warns(RuntimeWarning, match="naive datetime"):
        expected = _django_insert(fresh)[1]
    with pytest.warns(RuntimeWarning, match="naive datetime"):
        values = [_jsonable(value) for value in one_statement.insert_values(fresh)]
    assert values == expected
    by_column = dict(zip([f.attname for f in one_statement._insert_fields(HelpRequest)], values, strict=True))
    assert by_column["escalation_level"] == 2 and by_column["latitude"] == 45.0
    assert by_column["language_required"] is True


def _row(instance: Any, *, ignore: set[str]) -> dict[str, Any]:
    return {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields if f.attname not in ignore}


def _everything_written(request: HelpRequest) -> dict[str, Any]:
    """The request, its history rows, its links and its routing job, without what differs between any two."""
    history = [
        _row(row, ignore=ALWAYS_DIFFERENT | {"history_id", "history_date"})
        for row in HelpRequest.history.filter(id=request.pk)  # type: ignore[attr-defined]
    ]
    jobs = DBTaskResult.objects.filter(args_kwargs__args=[request.pk], task_path__endswith="request_route_task")
    return {
        "request": _row(HelpRequest.objects.get(pk=request.pk), ignore=ALWAYS_DIFFERENT),
        "history": history,
        "communities": sorted(request.communities.values_list("slug", flat=True)),
        "lived_experience": sorted(request.lived_experience.values_list("slug", flat=True)),
        "pathways": sorted(request.pathways.values_list("slug", flat=True)),
        "jobs": [_row(job, ignore={"id", "enqueued_at", "args_kwargs"}) for job in jobs],
    }


@on_postgresql
@pytest.mark.django_db
@pytest.mark.parametrize("signed_in", [False, True], ids=["anonymous", "signed-in"])
def test_the_one_statement_writes_what_the_orm_path_writes(
    submit: Submit, monkeypatch: pytest.MonkeyPatch, signed_in: bool
) -> None:
    # django-simple-history names the signed-in user of the current request (its middleware's context).
    user = UserFactory() if signed_in else None
    context_request = SimpleNamespace(user=user) if user is not None else None
    monkeypatch.setattr(HISTORY.context, "request", context_request, raising=False)
    assert one_statement.supported(request_route_task)

    fast, _ = submit(**ANSWERS)
    with monkeypatch.context() as orm_only:
        orm_only.setattr(one_statement, "supported", lambda task: False)
        orm, _ = submit(**ANSWERS)

    written = _everything_written(fast)
    assert written == _everything_written(orm)
    assert len(written["history"]) == 1 and len(written["jobs"]) == 1 and written["pathways"] == []
    assert written["history"][0]["history_type"] == "+"
    assert written["history"][0]["history_user_id"] == (user.pk if user else None)
    assert written["request"]["email"] == "sample@example.org"  # encrypted and read back like any other row


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_on_postgresql_a_submit_is_one_statement_and_nothing_is_left_when_it_fails(
    submit: Submit, monkeypatch: pytest.MonkeyPatch
) -> None:
    with CaptureQueriesContext(connection) as queries:
        request, _ = submit(**ANSWERS)
    # The fixture and the ZIP code look vocabulary and county up first; then one write, with no BEGIN/COMMIT.
    writes = [q["sql"] for q in queries.captured_queries if not q["sql"].startswith("SELECT")]
    assert len(writes) == 1 and writes[0].startswith("WITH r AS (INSERT INTO"), [sql[:60] for sql in writes]
    assert HelpRequest.history.filter(id=request.pk).count() == 1  # type: ignore[attr-defined]
    before = (HelpRequest.objects.count(), HelpRequest.history.count(), DBTaskResult.objects.count())  # type: ignore[attr-defined]

    # A link to a vocabulary term that does not exist fails the statement's foreign-key check when it ends:
    # the request, its history row, its other links and its job must go down with it.
    data = RequestInput(
        contact_method="call",
        phone="(612) 555-0102",
        language=Language.objects.get(slug="en"),
        consent_to_contact=True,
        communities=[Community.objects.get(slug="somali"), Community(pk=999_999, slug="gone")],
        modalities=("phone",),
    )
    with pytest.raises(IntegrityError):
        request_submit(data=data)
    after = (HelpRequest.objects.count(), HelpRequest.history.count(), DBTaskResult.objects.count())  # type: ignore[attr-defined]
    assert after == before
    assert not HelpRequest.communities.through.objects.exclude(helprequest__in=HelpRequest.objects.all()).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("signal_name", ["post_save", "post_create_historical_record"])
def test_when_something_else_listens_the_orm_path_is_taken_and_it_hears(submit: Submit, signal_name: str) -> None:
    from django.db.models.signals import post_save
    from simple_history.signals import post_create_historical_record

    signal, sender = {
        "post_save": (post_save, HelpRequest),
        "post_create_historical_record": (post_create_historical_record, HelpRequest.history.model),  # type: ignore[attr-defined]
    }[signal_name]
    heard: list[Any] = []

    def listener(**kwargs: Any) -> None:
        heard.append(kwargs["instance"])

    signal.connect(listener, sender=sender, weak=False)
    try:
        assert not one_statement.supported(request_route_task)
        request, _ = submit(**ANSWERS)
    finally:
        signal.disconnect(listener, sender=sender)
    assert heard == [request]
    assert HelpRequest.history.filter(id=request.pk).count() == 1  # type: ignore[attr-defined]
    assert one_statement.supported(request_route_task) == (connection.vendor == "postgresql")
