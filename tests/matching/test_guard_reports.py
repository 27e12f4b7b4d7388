"""Guards found by mutation testing: the matching report's default period."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Callable

import time_machine

from peerway.intake.models import HelpRequest
from peerway.matching.reports import matching_report

Submit = Callable[..., tuple[HelpRequest, str]]
NOW = dt.datetime(2026, 11, 20, 15, 0, tzinfo=dt.UTC)


def test_the_report_covers_the_last_ninety_days_by_default(submit: Submit) -> None:
    for days_ago in (89, 91):
        with time_machine.travel(NOW - dt.timedelta(days=days_ago), tick=False):
            submit(language="en")
    with time_machine.travel(NOW, tick=False):
        report = matching_report()
    # From the start of the day 90 days ago in the organization's time zone: the page names that day.
    assert report.since == dt.datetime(2026, 8, 22, tzinfo=zoneinfo.ZoneInfo("America/Chicago"))
    assert report.total.requests == 1
