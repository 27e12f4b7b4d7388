"""Boundaries of credential reminders, expiry and supervision totals that mutation testing showed no test
pinned. Every name, date and number is synthetic."""

from __future__ import annotations

import datetime as dt

import time_machine

from peerway.workforce import credentials as service
from peerway.workforce.models import CredentialReminder
from tests.helpers import Cast
from tests.workforce.credentials_helpers import credential

EXPIRES = dt.date(2027, 3, 1)


def _at(day: dt.date) -> time_machine.travel:
    # 15:00 UTC is the same calendar day in Minnesota.
    return time_machine.travel(dt.datetime.combine(day, dt.time(15, 0), tzinfo=dt.UTC), tick=False)


def test_a_credential_first_seen_on_its_expiry_day_still_gets_the_30_day_reminder(cast: Cast) -> None:
    assert service.reminder_due(0) == 30
    assert service.reminder_due(-1) is None
    held = credential(cast.alice, expires_on=EXPIRES)
    with _at(EXPIRES):
        assert service.credential_reminders_send() == 1
    assert list(CredentialReminder.objects.filter(credential=held).values_list("days_before", flat=True)) == [30]
