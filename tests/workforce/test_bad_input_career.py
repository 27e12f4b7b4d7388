"""Bad input on the career pages: the CE log and supervision sessions through the pages, and the month in the URL.

Guards: numbers a browser or a script can send ("1e9", "NaN", "-0", "Infinity", a 20-digit number) are refused at
their field with what was typed kept and nothing saved; a month in the supervision page's URL that no calendar has
is the current month, never a server error.
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from peerway.workforce.models import ContinuingEducation, SupervisionSession
from peerway.workforce.supervision import supervisees_for_user
from tests.helpers import Cast


@pytest.fixture(autouse=True)
def _today() -> object:
    with time_machine.travel(dt.datetime(2026, 11, 23, 15, 0, tzinfo=dt.UTC), tick=False) as traveller:
        yield traveller


def _client(user: object) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(user)  # type: ignore[arg-type]
    return client


@pytest.mark.parametrize("number", ["1e9", "NaN", "-0", "Infinity", "-Infinity", "99999999999999999999"])
def test_odd_numbers_in_ce_hours_and_supervision_minutes_are_refused_at_their_field(cast: Cast, number: str) -> None:
    ce = _client(cast.alice).post(
        reverse("career:renewal"),
        {"provider": "Sample Training Co", "topic": "Sample ethics", "completed_on": "2026-11-02", "hours": number},
    )
    assert ce.status_code == 400
    assert 'id="id_hours_error"' in ce.content.decode() and 'value="Sample Training Co"' in ce.content.decode()
    session = _client(cast.sam).post(
        reverse("career:supervision"),
        {
            "supervisee": supervisees_for_user(cast.sam)[0].key,
            "held_on": "2026-11-20",
            "minutes": number,
            "format": "individual",
            "notes": "Sample notes kept",
        },
    )
    assert session.status_code == 400
    assert 'id="id_minutes_error"' in session.content.decode() and "Sample notes kept" in session.content.decode()
    assert not ContinuingEducation.objects.exists() and not SupervisionSession.objects.exists()


@pytest.mark.parametrize("month", ["2147483648-01", "99999999999999999999-11"])
def test_a_month_with_a_year_too_large_for_a_date_is_the_current_month(cast: Cast, month: str) -> None:
    for user in (cast.sam, cast.alice):  # the supervisor's page and the peer's own totals
        response = _client(user).get(reverse("career:supervision"), {"month": month})
        assert response.status_code == 200, f"{user.username} got {response.status_code}"
        assert 'href="?month=2026-10"' in response.content.decode()
