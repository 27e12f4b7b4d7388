"""The plan rule of Minn. Stat. 254B.052 as plain functions (no Django), for contacts and the caseload.

An individual recovery plan must be complete within the first three sessions: a session after the third
while the plan is not complete is flagged (billing refuses it), and an engagement with two sessions done and
no complete plan is "at risk" of missing the rule at its next session.
"""

from __future__ import annotations

from dataclasses import dataclass

SESSIONS_ALLOWED_BEFORE_PLAN = 3


@dataclass(frozen=True)
class PlanCompliance:
    """``compliant``: a contact recorded now meets the plan rule. ``at_risk``: the next session is the last
    one allowed without a complete plan."""

    compliant: bool
    at_risk: bool


def plan_compliance(*, sessions_done: int, plan_complete: bool) -> PlanCompliance:
    """Given the sessions already held in the engagement (not counting the one being recorded) and whether
    its plan is complete, say whether a new contact is compliant and whether the engagement is at risk."""
    if sessions_done < 0:
        raise ValueError("sessions_done cannot be negative")
    if plan_complete:
        return PlanCompliance(compliant=True, at_risk=False)
    return PlanCompliance(
        compliant=sessions_done < SESSIONS_ALLOWED_BEFORE_PLAN,
        at_risk=sessions_done == SESSIONS_ALLOWED_BEFORE_PLAN - 1,
    )


def contact_needs_cosign(*, policy: str, peer_has_active_credential: bool | None = None) -> bool:
    """Whether the organization's co-sign policy asks a supervisor to co-sign a contact.

    ``policy`` is "none", "all" or "uncredentialed"; with "uncredentialed" and the credential status unknown
    the answer is yes, so nothing goes unsigned by omission.
    """
    if policy == "none":
        return False
    if policy == "all":
        return True
    if policy == "uncredentialed":
        return peer_has_active_credential is not True
    raise ValueError(f"unknown co-sign policy {policy!r}")
