"""On PostgreSQL: a new help request, its history row, its vocabulary links and its routing job in one statement.

The public form is the one write in Peerway that anybody can make, many times a minute when a campaign or a
crisis line points people at it. Saving it through the ORM costs four inserts (the request, its
django-simple-history row, its vocabulary links, the django-tasks-db job) inside ``BEGIN`` … ``COMMIT``: six
round trips, and most of the view's CPU in building the history row and compiling four statements. Here the
same four inserts go to PostgreSQL as one statement of data-modifying CTEs, in autocommit: one round trip, and
PostgreSQL runs a statement all or nothing, so a request is never stored without its history row, its links
or its routing job (docs/decisions/0002-one-statement-intake.md).

What each row holds is what the ORM path writes (tests/intake/test_one_statement.py compares the two on
PostgreSQL, row by row):

- the request: each field's value prepared as Django's insert compiler prepares it (defaults, ``pre_save``,
  encryption), after the model's blind indexes and ``pre_save`` signal;
- the history row: copied from the row just inserted, with the same ``history_date``, ``history_type`` "+",
  user and change reason that django-simple-history records (its pre/post-create signals are not sent, so
  ``supported()`` is false while anything listens to them);
- the links: one ``INSERT … SELECT`` per vocabulary;
- the job: the row django-tasks-db's backend would write, with its ``pre_save``/``post_save`` and
  ``task_enqueued`` signals.

Every name in the SQL comes from the models' metadata, quoted; every value is a parameter or, for the job's
and the history row's constants, a literal quoted by psycopg (hence the ``noqa: S608`` where it is assembled).

Anything this module cannot stand in for (another receiver of a request's ``post_save``, a history column it
does not know how to fill, a task backend other than django-tasks-db's or one with an ``id_function``)
makes ``supported()`` false and the caller takes the ORM path.
"""

from __future__ import annotations

import datetime
import functools
import uuid
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections, models
from django.db.models import Field, Model
from django.db.models.signals import post_save, pre_save
from django.utils import timezone
from django_tasks.signals import task_enqueued
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.models import DBTaskResult
from simple_history.signals import post_create_historical_record, pre_create_historical_record

from peerway.intake.models import HISTORY, HelpRequest

if TYPE_CHECKING:
    from django_tasks import Task

# The columns django-simple-history adds to a historical model, and how this module fills each one.
HISTORY_OWN_COLUMNS = frozenset(
    {"history_id", "history_date", "history_change_reason", "history_type", "history_user_id"}
)


@functools.cache
def _history_model() -> type[Model]:
    # HelpRequest.history builds a manager class on every access: look the model up once.
    return HelpRequest.history.model  # type: ignore[no-any-return]


@functools.cache
def _history_columns() -> tuple[list[str], list[str]] | None:
    """(columns copied from the new request, history-only columns), or None if the history model surprises us."""
    request_columns = {field.column for field in HelpRequest._meta.concrete_fields}
    copied: list[str] = []
    own: list[str] = []
    for field in _history_model()._meta.concrete_fields:
        if field.column in HISTORY_OWN_COLUMNS:
            own.append(field.column)
        elif field.column in request_columns:
            copied.append(field.column)
        else:
            return None
    return copied, own


def _only_history_listens() -> bool:
    """True when the one receiver of a HelpRequest's post_save is django-simple-history's (which this module
    stands in for), and nothing listens to the history signals this module does not send."""
    sync_receivers, async_receivers = post_save._live_receivers(HelpRequest)  # type: ignore[attr-defined]
    history_model = _history_model()
    return (
        not async_receivers
        and all(receiver == HISTORY.post_save for receiver in sync_receivers)
        and not pre_create_historical_record.has_listeners(history_model)
        and not post_create_historical_record.has_listeners(history_model)
    )


def supported(task: Task[Any, Any]) -> bool:
    """True when the one-statement insert writes exactly what the ORM path would for this task."""
    backend = task.get_backend()
    return (
        connection.vendor == "postgresql"
        and isinstance(backend, DatabaseBackend)
        and not backend.options.get("id_function")
        and getattr(settings, "SIMPLE_HISTORY_ENABLED", True)
        and _history_columns() is not None
        and _only_history_listens()
    )


@functools.cache
def _insert_fields(model: type[Model]) -> tuple[Field[Any, Any], ...]:
    """The fields a save inserts (every concrete field but an automatic primary key), as Django's save does."""
    meta = model._meta
    return tuple(field for field in meta.local_concrete_fields if field is not meta.auto_field and not field.generated)


def insert_sql(
    instance: Model, *, sql_for: Mapping[str, str] | None = None, literal: Callable[[str], bool] | None = None
) -> tuple[str, list[Any]]:
    """The INSERT of one unsaved instance, its values prepared as Django's insert compiler prepares them
    (``pre_save`` with ``add=True``, then ``get_db_prep_save``), without compiling a query on every call.

    ``sql_for`` gives SQL to use instead of a parameter for some fields (by attribute name); the fields for
    which ``literal(attname)`` is true have their value quoted into the SQL (by psycopg) instead of passed
    as a parameter. tests/intake/test_one_statement.py checks the result against Django's own compiler.
    """
    if sql_for is None and literal is None:
        return _plain_insert_sql(type(instance)), insert_values(instance)
    quote = connection.ops.quote_name
    sql_for = sql_for or {}
    columns: list[str] = []
    values: list[str] = []
    params: list[Any] = []
    for field in _insert_fields(type(instance)):
        columns.append(quote(field.column))
        if field.attname in sql_for:
            values.append(sql_for[field.attname])
            continue
        value = field.get_db_prep_save(field.pre_save(instance, True), connection=connection)
        if literal is not None and literal(field.attname):
            values.append(connection.ops.compose_sql("%s", [value]).replace("%", "%%"))
        else:
            values.append("%s")
            params.append(value)
    table = quote(instance._meta.db_table)
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(values)})", params  # noqa: S608


def insert_values(instance: Model) -> list[Any]:
    """The parameters of ``insert_sql(instance)`` without ``sql_for`` or ``literal``: every inserted field's value."""
    db = connections[DEFAULT_DB_ALIAS]
    state = instance.__dict__
    values = []
    for field, passes in _value_plan(type(instance), db.vendor):
        value = state.get(field.attname, _MISSING)
        if passes is None or not passes(value):
            value = field.get_db_prep_save(field.pre_save(instance, True), connection=db)
        values.append(value)
    return values


_MISSING = object()


def _python_type(kind: type) -> Callable[[Any], bool]:
    return lambda value: value is None or type(value) is kind


def _aware_datetime(value: Any) -> bool:
    return value is None or (type(value) is datetime.datetime and value.utcoffset() is not None)


# On PostgreSQL, Django's ``pre_save`` and ``get_db_prep_save`` of these exact field classes (not subclasses,
# which may encrypt or convert) return a value unchanged when it already has the Python type the field
# cleans to (full_clean leaves every value so): such a value goes to psycopg as it is, saving two or three
# calls per field on every submit. Any other value, field class or database takes Django's own calls.
# tests/intake/test_one_statement.py compares the result with Django's insert compiler.
_PASSES_UNCHANGED: dict[type[Field[Any, Any]], Callable[[Any], bool]] = {
    models.CharField: _python_type(str),
    models.TextField: _python_type(str),
    models.BooleanField: _python_type(bool),
    models.IntegerField: _python_type(int),
    models.BigIntegerField: _python_type(int),
    models.SmallIntegerField: _python_type(int),
    models.PositiveIntegerField: _python_type(int),
    models.PositiveSmallIntegerField: _python_type(int),
    models.FloatField: _python_type(float),
    models.UUIDField: _python_type(uuid.UUID),
    models.DateTimeField: _aware_datetime,
}

_INTEGER_KEYS = (models.AutoField, models.BigAutoField, models.SmallAutoField)


@functools.cache
def _value_plan(model: type[Model], vendor: str) -> tuple[tuple[Field[Any, Any], Callable[[Any], bool] | None], ...]:
    """Each inserted field with the test that lets its value skip Django's preparation (None: never)."""
    plan = []
    for field in _insert_fields(model):
        passes = _PASSES_UNCHANGED.get(type(field)) if vendor == "postgresql" else None
        if isinstance(field, models.ForeignKey):
            # A key's value is its target's: an integer primary key passes as the integer.
            target = type(field.target_field)
            passes = _python_type(int) if vendor == "postgresql" and target in _INTEGER_KEYS else None
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            passes = None  # pre_save stamps the time
        plan.append((field, passes))
    return tuple(plan)


@functools.cache
def _plain_insert_sql(model: type[Model]) -> str:
    # The text depends only on the model: built once per process rather than quoting every name on every submit.
    quote = connection.ops.quote_name
    fields = _insert_fields(model)
    columns = ", ".join(quote(field.column) for field in fields)
    values = ", ".join("%s" for _ in fields)
    return f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({values})"  # noqa: S608


# The job's INSERT for each task: every value but the job's id and enqueue time is the same for every job of
# a task, so it is written into the SQL once. With them out of the parameters, the whole statement has
# fewer than psycopg's 50 and its text repeats, so psycopg reuses its parsing of the statement.
_job_sql: dict[tuple[Any, ...], str] = {}
JOB_PARAMETERS = ("id", "enqueued_at")


def request_insert(
    *, request: HelpRequest, links: Sequence[tuple[str, Sequence[int]]], task: Task[Any, Any]
) -> DBTaskResult:
    """Insert ``request`` with its history row, ``links`` (vocabulary field name, term ids) and a job running
    ``task`` with the new request's id. Sets the request's primary key; returns the job's row.

    Call only when ``supported(task)``; inside or outside a transaction (outside, the statement is its own).
    """
    columns = _history_columns()
    assert columns is not None, "request_insert() called although supported() is false"
    request.set_indexes()
    pre_save.send(sender=HelpRequest, instance=request, raw=False, using=connection.alias, update_fields=None)
    params = insert_values(request)

    # The history row copies the columns of the row just inserted (so it holds the same ciphertexts) and adds
    # what django-simple-history adds: when, "+" for created, who (the signed-in user, if any) and why.
    user = HISTORY.get_history_user(request)
    history_values = {
        "history_date": getattr(request, "_history_date", timezone.now()),
        "history_change_reason": HISTORY.get_change_reason_for_object(request, "+", None),
        "history_user_id": user.pk if user is not None else None,
    }
    # For a person on the public form, user and reason are NULL: written in the SQL, so that they do not count
    # among the parameters.
    passed = tuple(column for column in columns[1] if history_values.get(column) is not None)
    params += [history_values[column] for column in passed]
    params += [list(term_ids) for _, term_ids in links]

    backend = task.get_backend()
    backend.validate_task(task)
    job = DBTaskResult(
        id=DBTaskResult._meta.pk.get_default(),  # type: ignore[union-attr]
        args_kwargs=None,  # {"args": [the new request's id], "kwargs": {}}, written from r below
        priority=task.priority,
        task_path=task.module_path,
        queue_name=task.queue_name,
        run_after=task.run_after,
        backend_name=backend.alias,
    )
    # As a save would: django-tasks-db's own pre_save receiver fills in run_after.
    pre_save.send(sender=DBTaskResult, instance=job, raw=False, using=connection.alias, update_fields=None)
    params += [
        field.get_db_prep_save(field.pre_save(job, True), connection=connection)
        for field in _insert_fields(DBTaskResult)
        if field.attname in JOB_PARAMETERS
    ]

    sql = _statement_sql(passed, tuple(name for name, _ in links), _job_insert_sql(job))
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        (request.pk,) = cursor.fetchone()
    request._state.adding = False
    request._state.db = connection.alias
    job.args_kwargs = {"args": [request.pk], "kwargs": {}}
    job._state.adding = False
    job._state.db = connection.alias
    post_save.send(
        sender=DBTaskResult, instance=job, created=True, update_fields=None, raw=False, using=connection.alias
    )
    task_enqueued.send(type(backend), task_result=job.task_result)
    return job


def _job_arguments_sql() -> str:
    quote = connection.ops.quote_name
    return f"(SELECT jsonb_build_object('args', jsonb_build_array(r.{quote('id')}), 'kwargs', '{{}}'::jsonb) FROM r)"  # noqa: S608


def _job_insert_sql(job: DBTaskResult) -> str:
    """The job's INSERT, its arguments taken from the request inserted by the CTE ``r``."""
    key = (job.task_path, job.priority, job.queue_name, job.backend_name, job.run_after)
    job_sql = _job_sql.get(key)
    if job_sql is None:
        job_sql = _job_sql[key] = insert_sql(
            job, sql_for={"args_kwargs": _job_arguments_sql()}, literal=lambda name: name not in JOB_PARAMETERS
        )[0]
    return job_sql


@functools.lru_cache(maxsize=256)
def _statement_sql(passed: tuple[str, ...], link_names: tuple[str, ...], job_sql: str) -> str:
    """The whole statement's text, which depends only on its shape: which history columns are parameters,
    which vocabularies have links, and the job's INSERT. Built once per shape, not on every submit; its
    parameters are, in order, the request's values, ``passed``, one array of term ids per link, the job's."""
    columns = _history_columns()
    assert columns is not None
    copied, own_columns = columns
    quote = connection.ops.quote_name
    statements = [f"r AS ({_plain_insert_sql(HelpRequest)} RETURNING *)"]

    own = [column for column in own_columns if column != "history_id"]
    selected = [f"r.{quote(column)}" for column in copied] + [
        "'+'" if column == "history_type" else "%s" if column in passed else "NULL" for column in own
    ]
    history_table = _history_model()._meta.db_table
    statements.append(
        f"h AS (INSERT INTO {quote(history_table)} ({', '.join(quote(column) for column in copied + own)}) "  # noqa: S608
        f"SELECT {', '.join(selected)} FROM r)"
    )
    for index, name in enumerate(link_names):
        m2m: Any = HelpRequest._meta.get_field(name)
        through = m2m.remote_field.through._meta.db_table
        statements.append(
            f"l{index} AS (INSERT INTO {quote(through)} ({quote(m2m.m2m_column_name())}, "  # noqa: S608
            f"{quote(m2m.m2m_reverse_name())}) SELECT r.{quote('id')}, unnest(%s::bigint[]) FROM r)"
        )
    statements.append(f"j AS ({job_sql})")
    return f"WITH {', '.join(statements)} SELECT {quote('id')} FROM r"  # noqa: S608
