"""An exam taken and failed does not meet the exam requirement, and 24 hours a day is the most, not more than
the most. Mutation testing showed no test recorded a failed exam or logged exactly 24 hours a day. Synthetic
people and numbers."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from peerway.certification import rules, services
from peerway.certification.selectors import application_checklist
from tests.certification.conftest import Boards, fill
from tests.helpers import Cast


def test_a_failed_exam_does_not_meet_the_exam_requirement(cast: Cast, boards: Boards) -> None:
    application = services.application_create(applicant=cast.alice, credential_type=boards.cprs)
    fill(application, skip="exam")
    day = timezone.localdate() - dt.timedelta(days=30)
    services.exam_add(application, exam=boards.cprs.spec.accepted_exams[0], taken_on=day, passed=False)
    checklist = application_checklist(application)
    assert not checklist.line(rules.EXAM).met
    assert [line.key for line in checklist.gaps] == [rules.EXAM]
    services.exam_add(application, exam=boards.cprs.spec.accepted_exams[0], taken_on=day, passed=True)
    assert application_checklist(application).complete


@pytest.mark.parametrize(
    ("hours", "days", "ok"), [("24", 1, True), ("24.01", 1, False), ("48", 2, True), ("48.5", 2, False)]
)
def test_at_most_24_hours_a_day(hours: str, days: int, ok: bool) -> None:
    start = timezone.localdate() - dt.timedelta(days=10)
    end = start + dt.timedelta(days=days - 1)
    errors = services.hours_errors(Decimal(hours), start, end)
    assert ("hours" not in errors) is ok, errors
