from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.cache import cache

from peerway.core import sms
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
