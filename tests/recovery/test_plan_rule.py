"""The pure plan rule: compliance after the third session and the "at risk" signal for the caseload."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from peerway.recovery.plan_rule import contact_needs_cosign, plan_compliance


def test_the_first_three_sessions_need_no_plan() -> None:
    assert [plan_compliance(sessions_done=n, plan_complete=False).compliant for n in range(5)] == [
        True,
        True,
        True,
        False,
        False,
    ]


def test_two_sessions_without_a_plan_is_at_risk() -> None:
    assert plan_compliance(sessions_done=2, plan_complete=False).at_risk
    assert not plan_compliance(sessions_done=1, plan_complete=False).at_risk
    assert not plan_compliance(sessions_done=3, plan_complete=False).at_risk
    assert not plan_compliance(sessions_done=2, plan_complete=True).at_risk


@given(st.integers(min_value=0, max_value=10_000))
def test_a_complete_plan_makes_every_contact_compliant(sessions: int) -> None:
    result = plan_compliance(sessions_done=sessions, plan_complete=True)
    assert result.compliant and not result.at_risk


def test_negative_session_counts_are_refused() -> None:
    with pytest.raises(ValueError):
        plan_compliance(sessions_done=-1, plan_complete=False)


def test_cosign_policy() -> None:
    assert not contact_needs_cosign(policy="none")
    assert contact_needs_cosign(policy="all")
    assert contact_needs_cosign(policy="uncredentialed")
    assert not contact_needs_cosign(policy="uncredentialed", peer_has_active_credential=True)
    with pytest.raises(ValueError):
        contact_needs_cosign(policy="sometimes")
