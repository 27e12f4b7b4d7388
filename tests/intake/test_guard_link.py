"""Guards found by mutation testing: how long a private status link works."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import time_machine

from peerway.intake.models import HelpRequest
from peerway.intake.services import request_get_by_token

Submit = Callable[..., tuple[HelpRequest, str]]
START = dt.datetime(2026, 11, 23, 18, 0, tzinfo=dt.UTC)


def test_the_status_link_works_for_thirty_days_and_not_a_moment_longer(submit: Submit) -> None:
    # The person is told (and staff entry shows) that the link works for 30 days.
    with time_machine.travel(START, tick=False):
        request, token = submit()
    assert request.status_token_expires_at == START + dt.timedelta(days=30)
    with time_machine.travel(START + dt.timedelta(days=30) - dt.timedelta(seconds=1), tick=False):
        assert request_get_by_token(token) == request
    with time_machine.travel(START + dt.timedelta(days=30), tick=False):
        assert request_get_by_token(token) is None
