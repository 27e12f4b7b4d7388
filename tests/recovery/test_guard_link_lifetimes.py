"""The private link's and the one-time code's lifetimes, to the minute and to the instant, as the docs state them
(a link lasts 90 days, a code 10 minutes, the space session 30 minutes). Mutation testing showed the existing
tests only used the constants themselves or a moment well past them. Every person is synthetic."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from peerway.accounts.links import (
    CodeExpired,
    link_code_send,
    link_code_verify,
    participant_link_create,
    participant_link_get_by_token,
)
from peerway.core.sms import TextMessage
from tests.helpers import Cast
from tests.recovery.plan_helpers import engagement_for

CODE = re.compile(r"\b(\d{6})\b")
NOW = dt.datetime(2026, 3, 2, 15, 0, tzinfo=dt.UTC)


def _code_from(outbox: list[TextMessage]) -> str:
    match = CODE.search(outbox[-1].body)
    assert match, outbox[-1].body
    return match.group(1)


def test_a_link_lasts_exactly_90_days(cast: Cast) -> None:
    with time_machine.travel(NOW, tick=False):
        engagement = engagement_for(cast)
        created = participant_link_create(participant=engagement.participant, actor=cast.alice, send=False)
    assert created.link.expires_at == NOW + dt.timedelta(days=90)
    with time_machine.travel(NOW + dt.timedelta(days=90) - dt.timedelta(seconds=1), tick=False):
        assert participant_link_get_by_token(created.token) == created.link
    with time_machine.travel(NOW + dt.timedelta(days=90), tick=False):
        assert participant_link_get_by_token(created.token) is None


def test_a_code_lasts_exactly_10_minutes(cast: Cast, text_outbox: list[TextMessage]) -> None:
    engagement = engagement_for(cast)
    link = participant_link_create(participant=engagement.participant, actor=cast.alice, send=False).link
    with time_machine.travel(NOW, tick=False):
        link_code_send(link=link)
    code = _code_from(text_outbox)
    with time_machine.travel(NOW + dt.timedelta(minutes=10), tick=False), pytest.raises(CodeExpired):
        link_code_verify(link=link, code=code)
    with time_machine.travel(NOW, tick=False):
        link_code_send(link=link)
    code = _code_from(text_outbox)
    with time_machine.travel(NOW + dt.timedelta(minutes=10) - dt.timedelta(seconds=1), tick=False):
        assert link_code_verify(link=link, code=code) is True


def test_the_space_session_ends_exactly_30_minutes_after_the_code(cast: Cast, text_outbox: list[TextMessage]) -> None:
    engagement = engagement_for(cast)
    token = participant_link_create(participant=engagement.participant, actor=cast.alice, send=False).token
    client = Client()
    with time_machine.travel(NOW, tick=False):
        client.post(reverse("space:code_send", args=[token]))
        response = client.post(reverse("space:code_verify", args=[token]), {"code": _code_from(text_outbox)})
        assert response.status_code == 302
    with time_machine.travel(NOW + dt.timedelta(minutes=30) - dt.timedelta(seconds=1), tick=False):
        assert "Send me a code" not in client.get(reverse("space:enter", args=[token])).content.decode()
    with time_machine.travel(NOW + dt.timedelta(minutes=30), tick=False):
        assert "Send me a code" in client.get(reverse("space:enter", args=[token])).content.decode()
