"""What every intake test starts from."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.cache import cache
from django.utils import translation


@pytest.fixture(autouse=True)
def _fresh_cache_and_language() -> Iterator[None]:
    # The rate limits, the status page's action limits and the typical wait count in the per-process cache: each
    # test starts with none. A request to /hmn/... leaves Hmong active in this thread; later tests' reverse() would
    # use it.
    cache.clear()
    yield
    cache.clear()
    translation.deactivate()
