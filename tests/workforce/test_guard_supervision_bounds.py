"""Boundaries of the supervision log that mutation testing showed no test pinned: exactly 24 hours in a day is
allowed, and a session on the first day of a month counts in that month. Every name and number is synthetic."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError

from peerway.workforce.models import SupervisionSession
from peerway.workforce.supervision import (
    MINUTES_A_DAY,
    month_bounds,
    session_errors,
    supervisees_for_user,
    supervision_session_add,
    supervision_totals,
)
from tests.factories import MembershipFactory
from tests.helpers import Cast

TODAY = dt.date(2026, 11, 23)


@pytest.fixture(autouse=True)
def _today() -> object:
    with time_machine.travel(dt.datetime(2026, 11, 23, 15, 0, tzinfo=dt.UTC), tick=False) as traveller:
        yield traveller


def test_one_session_of_exactly_24_hours_is_allowed(cast: Cast) -> None:
    alice = supervisees_for_user(cast.sam)[0]
    supervision_session_add(supervisor=cast.sam, supervisee=alice, held_on=TODAY, minutes=MINUTES_A_DAY)
    assert SupervisionSession.objects.get().minutes == 1440


def test_sessions_adding_up_to_exactly_24_hours_are_allowed_and_one_minute_more_is_not(cast: Cast) -> None:
    alice = supervisees_for_user(cast.sam)[0]
    supervision_session_add(supervisor=cast.sam, supervisee=alice, held_on=TODAY, minutes=1000)
    supervision_session_add(supervisor=cast.sam, supervisee=alice, held_on=TODAY, minutes=439)
    supervision_session_add(supervisor=cast.sam, supervisee=alice, held_on=TODAY, minutes=1)
    with pytest.raises(ValidationError):
        supervision_session_add(supervisor=cast.sam, supervisee=alice, held_on=TODAY, minutes=1)
    assert SupervisionSession.objects.filter(held_on=TODAY).count() == 3


def test_the_own_organizations_minutes_are_named_only_when_they_alone_pass_24_hours(cast: Cast) -> None:
    # Alice works at Riverbend (supervisor Sam) and Prairie Light (supervisor Olive).
    MembershipFactory(user=cast.alice, organization=cast.other_org, role="peer")
    at_riverbend = supervisees_for_user(cast.sam)[0]
    at_prairie = next(s for s in supervisees_for_user(cast.olive) if s.user == cast.alice)
    supervision_session_add(supervisor=cast.olive, supervisee=at_prairie, held_on=TODAY, minutes=100)
    supervision_session_add(supervisor=cast.sam, supervisee=at_riverbend, held_on=TODAY, minutes=1000)
    # Riverbend's 1000 + 440 is exactly 24 hours: only Prairie Light's minutes make it too many, so the message
    # must not claim Riverbend's own 1000 minutes are the reason.
    errors = session_errors(peer=cast.alice, held_on=TODAY, minutes=440, organization=cast.org)
    assert errors == {
        "minutes": "This is more than 24 hours with the supervision already recorded for this peer that day."
    }


def test_a_session_on_the_first_and_last_day_of_the_month_counts_in_that_month(cast: Cast) -> None:
    alice = supervisees_for_user(cast.sam)[0]
    supervision_session_add(supervisor=cast.sam, supervisee=alice, held_on=dt.date(2026, 10, 31), minutes=30)
    supervision_session_add(supervisor=cast.sam, supervisee=alice, held_on=dt.date(2026, 11, 1), minutes=45)
    supervision_session_add(supervisor=cast.sam, supervisee=alice, held_on=dt.date(2026, 11, 23), minutes=60)
    start, end = month_bounds("2026-11")
    assert supervision_totals(cast.alice, start, end).minutes == 105
    start, end = month_bounds("2026-10")
    assert supervision_totals(cast.alice, start, end).minutes == 30
