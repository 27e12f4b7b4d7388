"""Staff forms in tests as a browser sends them: with the one-time token the page drew (core.submissions)."""

from __future__ import annotations

import re
from typing import Any

from django.test import Client

from peerway.core.submissions import SUBMISSION_FIELD

_FORM = re.compile(r"<form\b[^>]*>.*?</form>", re.DOTALL)
_TOKEN = re.compile(rf'name="{SUBMISSION_FIELD}" value="([^"]+)"')


def form_token(client: Client, page: str, *, containing: str = "") -> str:
    """The one-time token of the form on ``page`` whose markup contains ``containing`` (the first form that
    has a token, when empty); fails the test when the page draws no such form with a token."""
    html = client.get(page).content.decode()
    for form in _FORM.findall(html):
        token = _TOKEN.search(form)
        if token and containing in form:
            return token.group(1)
    raise AssertionError(f"no form with a one-time token containing {containing!r} on {page}")


def post_twice(client: Client, page: str, url: str, data: dict[str, Any], *, containing: str = "") -> list[Any]:
    """Send the form drawn on ``page`` to ``url`` twice with the same token, as a double click does."""
    sent = {**data, SUBMISSION_FIELD: form_token(client, page, containing=containing)}
    responses = [client.post(url, sent) for _ in range(2)]
    for response in responses:
        assert response.status_code < 500
    return responses
