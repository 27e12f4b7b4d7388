"""PEERWAY_CACHE=database: a rate-limit window counted with incr() ends when it began plus its length."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
import time_machine
from django.core.cache import caches
from django.core.management import call_command
from django.test import override_settings

WINDOW = {"default": {"BACKEND": "peerway.core.cache.WindowDatabaseCache", "LOCATION": "peerway_cache_test"}}
START = dt.datetime(2026, 12, 6, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def window_cache(transactional_db: None) -> Iterator[None]:
    with override_settings(CACHES=WINDOW):
        call_command("createcachetable", verbosity=0)
        yield
        caches["default"].clear()


def test_counting_keeps_the_windows_end(window_cache: None) -> None:
    cache = caches["default"]
    with time_machine.travel(START, tick=False):
        assert cache.add("tries", 0, 600)
        assert cache.incr("tries") == 1
    # Django's generic incr would have set the count again for the default 5 minutes, ending the window early.
    with time_machine.travel(START + dt.timedelta(seconds=400), tick=False):
        assert cache.get("tries") == 1
        assert cache.incr("tries", 2) == 3
    with time_machine.travel(START + dt.timedelta(seconds=599), tick=False):
        assert cache.get("tries") == 3
    with time_machine.travel(START + dt.timedelta(seconds=601), tick=False):
        assert cache.get("tries") is None
        with pytest.raises(ValueError, match="not found"):
            cache.incr("tries")


def test_a_count_that_was_never_started_is_not_found(window_cache: None) -> None:
    with pytest.raises(ValueError, match="not found"):
        caches["default"].incr("never")
