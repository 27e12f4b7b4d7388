from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.cache import cache

from tests.helpers import Cast, make_cast


@pytest.fixture
def cast(db: None) -> Cast:
    return make_cast()


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    # allauth's sign-in rate limits and the public form's limits count in the cache; every test starts at zero.
    cache.clear()
    yield
    cache.clear()
