"""Unicode case folding in case-insensitive lookups: the same matches on SQLite as on PostgreSQL."""

from __future__ import annotations

import pytest
from django.db import connection, connections
from django.db.models import F, Q

from peerway.accounts.models import User
from peerway.core.casefold import SQLITE_FUNCTION, UnicodeIContains, UnicodeIExact
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def ana() -> User:
    return UserFactory(username="ana.n", first_name="Ana", last_name="Núñez")  # type: ignore[no-any-return]


def last_names(condition: Q | UnicodeIExact | UnicodeIContains) -> list[str]:
    return sorted(User.objects.filter(condition).values_list("last_name", flat=True))


@pytest.mark.parametrize("searched", ["Núñez", "NÚÑEZ", "núñez", "nÚñEz"])
def test_iexact_folds_non_ascii_letters(ana: User, searched: str) -> None:
    assert last_names(UnicodeIExact(F("last_name"), searched)) == ["Núñez"]


def test_iexact_is_still_the_whole_value(ana: User) -> None:
    for searched in ("Núñe", "Núñez ", "N_ñez", "N%", "%"):
        assert last_names(UnicodeIExact(F("last_name"), searched)) == [], searched


@pytest.mark.parametrize("searched", ["ÚÑ", "úñ", "Núñez", "NÚÑEZ", "z"])
def test_icontains_folds_non_ascii_letters(ana: User, searched: str) -> None:
    assert last_names(UnicodeIContains(F("last_name"), searched)) == ["Núñez"]


def test_icontains_takes_like_wildcards_and_backslashes_literally(ana: User) -> None:
    UserFactory(username="pct", last_name="100% Öztürk_x\\y")
    assert last_names(UnicodeIContains(F("last_name"), "%")) == ["100% Öztürk_x\\y"]
    assert last_names(UnicodeIContains(F("last_name"), "_")) == ["100% Öztürk_x\\y"]
    assert last_names(UnicodeIContains(F("last_name"), "ÖZTÜRK_X\\")) == ["100% Öztürk_x\\y"]
    assert last_names(UnicodeIContains(F("last_name"), "n_ñ")) == []
    assert last_names(UnicodeIContains(F("last_name"), "\\")) == ["100% Öztürk_x\\y"]


def test_ascii_matches_as_before(ana: User) -> None:
    UserFactory(username="lee", first_name="Mary Ann", last_name="Lee")
    assert last_names(UnicodeIExact(F("last_name"), "LEE")) == ["Lee"]
    assert last_names(UnicodeIContains(F("first_name"), "ARY a")) == ["Lee"]
    assert last_names(UnicodeIContains(F("first_name"), "an")) == ["Lee", "Núñez"]


def test_a_related_field_and_or_combinations_work(ana: User) -> None:
    UserFactory(username="sukru", first_name="Şükrü", last_name="Öztürk")
    either = Q(UnicodeIContains(F("first_name"), "ŞÜK")) | Q(UnicodeIExact(F("last_name"), "NÚÑEZ"))
    assert last_names(either) == ["Núñez", "Öztürk"]


def test_postgresql_gets_djangos_own_sql_and_sqlite_the_folding_function() -> None:
    for ours, django_lookup in ((UnicodeIExact, "iexact"), (UnicodeIContains, "icontains")):
        folded = str(User.objects.filter(ours(F("last_name"), "x")).query)
        builtin = str(User.objects.filter(**{f"last_name__{django_lookup}": "x"}).query)
        if connection.vendor == "sqlite":
            assert folded.count(f"{SQLITE_FUNCTION}(") == 2 and SQLITE_FUNCTION not in builtin
        else:
            assert folded == builtin


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the folding function exists only on SQLite")
def test_every_new_sqlite_connection_has_the_folding_function() -> None:
    fresh = connections.create_connection("default")
    try:
        with fresh.cursor() as cursor:
            cursor.execute(f"SELECT {SQLITE_FUNCTION}(%s), {SQLITE_FUNCTION}(NULL), {SQLITE_FUNCTION}(7)", ["ŞÜKRÜ"])
            assert cursor.fetchone() == ("şükrü", None, 7)
    finally:
        fresh.close()
