"""Case-insensitive text lookups that fold every letter, not only ASCII, on SQLite as well as PostgreSQL.

Django's ``iexact`` and ``icontains`` compile to ``LIKE`` on SQLite, and SQLite's ``LIKE`` (like its
``UPPER``/``LOWER``) folds only the ASCII letters: "ANA NÚÑEZ" does not find "Ana Núñez" there, while
PostgreSQL's ``UPPER`` (with a UTF-8 ``LC_CTYPE`` such as ``C.UTF-8``) is Unicode-aware and does.
``UnicodeIExact`` and ``UnicodeIContains`` are those two lookups with one change on SQLite: both sides go through
``peerway_casefold``, a deterministic SQL function running Python's ``str.casefold``, registered on every new
SQLite connection by ``sqlite_casefold_register`` (connected to ``connection_created`` in the core app's
``ready()``). Everything else, the ``LIKE`` operator and the escaping of ``%``, ``_`` and ``\\`` in the searched
text, is Django's own; on PostgreSQL the SQL is exactly Django's.

They are used as expressions, not registered under a new name, because Django's backends pick their SQL by
``lookup_name`` and these must keep ``iexact`` and ``icontains``::

    Credential.objects.filter(UnicodeIExact(F("holder__last_name"), "NÚÑEZ"))

Small differences between the databases remain for a few letters: ``str.casefold`` is Unicode's full case
folding ("ß" matches "ss"), PostgreSQL's ``UPPER`` maps one character at a time ("ß" matches only "ß", while the
dotless i, U+0131, matches "i"). Neither normalizes composed and decomposed accents.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models.lookups import BuiltinLookup, IContains, IExact
from django.db.models.sql.compiler import SQLCompiler

SQLITE_FUNCTION = "peerway_casefold"

if TYPE_CHECKING:
    _IExact = IExact[str]
else:  # Django's lookups are generic only in django-stubs.
    _IExact = IExact


def casefold(value: object) -> object:
    """``str.casefold`` for text; any other value (NULL, a number, bytes) is returned unchanged."""
    return value.casefold() if isinstance(value, str) else value


def sqlite_casefold_register(sender: object, connection: BaseDatabaseWrapper, **kwargs: object) -> None:
    """Receiver of ``connection_created``: adds ``peerway_casefold(text)`` to each new SQLite connection."""
    if connection.vendor == "sqlite":
        # Deterministic, as Django registers its own SQLite functions: SQLite may then fold the searched text once
        # per query rather than once per row, and would allow the function in an index.
        connection.connection.create_function(SQLITE_FUNCTION, 1, casefold, deterministic=True)


def _folded_on_sqlite(
    lookup: BuiltinLookup[str], compiler: SQLCompiler, connection: BaseDatabaseWrapper
) -> tuple[str, tuple[Any, ...]]:
    # Django's own SQL for the lookup (``lhs LIKE %s ESCAPE '\'`` with an escaped pattern), both sides folded.
    lhs_sql, lhs_params = lookup.process_lhs(compiler, connection)
    rhs_sql, rhs_params = lookup.process_rhs(compiler, connection)
    rhs_op = lookup.get_rhs_op(connection, f"{SQLITE_FUNCTION}({rhs_sql})")
    return f"{SQLITE_FUNCTION}({lhs_sql}) {rhs_op}", (*lhs_params, *rhs_params)


class UnicodeIExact(_IExact):
    """``iexact`` that also folds non-ASCII letters on SQLite."""

    def as_sqlite(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper) -> tuple[str, tuple[Any, ...]]:
        return _folded_on_sqlite(self, compiler, connection)


class UnicodeIContains(IContains):
    """``icontains`` that also folds non-ASCII letters on SQLite."""

    def as_sqlite(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper) -> tuple[str, tuple[Any, ...]]:
        return _folded_on_sqlite(self, compiler, connection)
