"""Continuing education and supervision sessions sent twice (a double click, a browser's retry) are saved once:
hours counted twice would count toward renewal and the payer's supervision rules (core.submissions)."""

from __future__ import annotations

import datetime as dt
import re

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from peerway.workforce.models import ContinuingEducation, SupervisionSession
from tests.helpers import Cast
from tests.helpers_forms import post_twice
from tests.recovery.records import peer_of


def _client(user: object) -> Client:
    client = Client()
    client.force_login(user)  # type: ignore[arg-type]
    return client


def test_a_ce_course_sent_twice_is_logged_once(cast: Cast) -> None:
    day = (timezone.localdate() - dt.timedelta(days=3)).isoformat()
    data = {"provider": "Sample CE Co", "topic": "Ethics", "completed_on": day, "hours": "3", "ethics": "on"}
    url = reverse("career:renewal")
    post_twice(_client(cast.alice), url, url, data)
    assert ContinuingEducation.objects.filter(peer=cast.alice).count() == 1, "3 CE hours counted as 6 for renewal"


def test_a_supervision_session_sent_twice_is_recorded_once(cast: Cast) -> None:
    peer_of(cast.alice, cast)
    client = _client(cast.sam)
    url = reverse("career:supervision")
    key = re.search(r'<option value="([^"]+)">Alice', client.get(url).content.decode()).group(1)  # type: ignore[union-attr]
    day = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    data = {"supervisee": key, "held_on": day, "minutes": "60", "format": "individual", "notes": "n"}
    post_twice(client, url, url, data)
    assert SupervisionSession.objects.filter(peer=cast.alice).count() == 1, "60 supervision minutes counted as 120"
