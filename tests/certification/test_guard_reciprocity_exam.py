"""Reciprocity waives the target's exam only when every exam the held credential accepts is one the target
accepts too: a holder may have passed an exam the target does not recognize. Mutation testing showed no test
pinned the "every" (subset) against "any" (overlap). Pure rules, synthetic exam codes."""

from __future__ import annotations

from peerway.certification import rules

MINIMUMS = rules.RequirementSpec(exam_required=True, accepted_exams=("EXAM-A", "EXAM-B"))


def _held(*exams: str) -> rules.HeldCredential:
    spec = rules.RequirementSpec(exam_required=True, accepted_exams=exams)
    return rules.HeldCredential(spec=spec, board_is_icrc_member=True, active=True)


TARGET = rules.RequirementSpec(
    exam_required=True,
    accepted_exams=("EXAM-A",),
    reciprocity=rules.ReciprocityRule(accepts_icrc=True),
)


def test_a_held_credential_accepting_an_exam_the_target_does_not_leaves_the_exam_to_do() -> None:
    result = rules.evaluate_reciprocity(_held("EXAM-A", "EXAM-B"), MINIMUMS, TARGET)
    assert result.eligible
    assert rules.EXAM not in result.satisfied


def test_a_held_credential_accepting_only_the_targets_exams_satisfies_the_exam() -> None:
    result = rules.evaluate_reciprocity(_held("EXAM-A"), MINIMUMS, TARGET)
    assert result.eligible
    assert rules.EXAM in result.satisfied
