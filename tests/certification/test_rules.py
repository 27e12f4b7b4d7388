"""Property tests of the pure rules module: completeness, exact gaps, renewal and reciprocity follow the data."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from peerway.certification import rules

FIXTURES = Path(__file__).resolve().parents[2] / "src" / "peerway" / "certification" / "fixtures"


def fixture_spec(file: str, code: str) -> rules.RequirementSpec:
    data = json.loads((FIXTURES / file).read_text())
    row = next(r for r in data["credential_types"] if r["code"] == code)
    return rules.RequirementSpec.from_json(row["requirements"])


MINIMUMS = fixture_spec("icrc.json", "PR-MIN")

hours = st.integers(min_value=1, max_value=200).map(Decimal)
slugs = st.from_regex(r"[a-z]{3,10}", fullmatch=True)


@st.composite
def specs(draw: st.DrawFn) -> rules.RequirementSpec:
    domain_slugs = draw(st.lists(slugs, min_size=1, max_size=5, unique=True))
    domains = tuple(rules.DomainRequirement(slug, slug.title(), draw(hours)) for slug in domain_slugs)
    total = sum((d.hours for d in domains), Decimal(0)) + draw(st.sampled_from([Decimal(0), Decimal(5)]))
    return rules.RequirementSpec(
        training_domains=domains,
        training_total_hours=total,
        experience_hours=draw(st.sampled_from([Decimal(0), Decimal(500)])),
        supervision_hours=draw(st.sampled_from([Decimal(0), Decimal(25)])),
        exam_required=draw(st.booleans()),
        accepted_exams=("icrc_pr",),
        education=draw(st.sampled_from(["", "high_school"])),
        attestations=tuple(draw(st.lists(st.sampled_from(rules.ATTESTATION_KINDS), unique=True))),
        jurisdiction_share_percent=draw(st.sampled_from([0, 51])),
        evidence=tuple(draw(st.lists(st.sampled_from(rules.EVIDENCE_KINDS), unique=True, max_size=3))),
    )


def meeting(spec: rules.RequirementSpec) -> rules.Record:
    """A record with exactly what the spec asks (extra training goes to the first domain to reach the total)."""
    training = {d.slug: d.hours for d in spec.training_domains}
    extra = spec.training_total_hours - sum(training.values(), Decimal(0))
    first = spec.training_domains[0].slug
    training[first] += extra
    return rules.Record(
        training_hours=training,
        experience_hours=spec.experience_hours,
        supervision_hours=spec.supervision_hours,
        exams_passed=frozenset(spec.accepted_exams[:1]),
        education=frozenset({spec.education} if spec.education else set()),
        attestations=frozenset(spec.attestations),
        jurisdiction_share_percent=spec.jurisdiction_share_percent,
        evidence=frozenset(spec.evidence),
    )


@given(specs())
def test_meeting_every_requirement_is_complete(spec: rules.RequirementSpec) -> None:
    checklist = rules.evaluate_application(spec, meeting(spec))
    assert checklist.complete
    assert checklist.gaps == ()


@given(specs(), st.data())
def test_one_hour_less_in_any_domain_names_exactly_that_gap(spec: rules.RequirementSpec, data: st.DataObject) -> None:
    record = meeting(spec)
    # Domains other than the first hold exactly their minimum, so one hour less is one gap there (and in the total
    # when the total has no slack). Use a domain that holds exactly its minimum.
    exact = [d for d in spec.training_domains if record.training_hours[d.slug] == d.hours]
    domain = data.draw(st.sampled_from(exact)) if exact else spec.training_domains[0]
    training = dict(record.training_hours)
    training[domain.slug] -= 1
    checklist = rules.evaluate_application(spec, rules.Record(**{**record.__dict__, "training_hours": training}))
    assert not checklist.complete
    gap_keys = {line.key for line in checklist.gaps}
    # The record meets the total exactly, so the total is one hour short too; nothing else is.
    if exact:
        assert gap_keys == {f"training:{domain.slug}", rules.TRAINING_TOTAL}
        line = checklist.line(f"training:{domain.slug}")
        assert line.summary == f"{domain.label}: {rules._fmt(domain.hours - 1)} of {rules._fmt(domain.hours)} hours"
        assert line.missing == 1
    else:  # the only domain also holds the total's slack: it stays met, the total does not
        assert gap_keys == {rules.TRAINING_TOTAL}


def test_the_ethics_gap_reads_as_the_board_would_say_it() -> None:
    spec = fixture_spec("mn_mcb.json", "CPRS")
    record = meeting(spec)
    training = dict(record.training_hours, ethics=Decimal(12))
    checklist = rules.evaluate_application(spec, rules.Record(**{**record.__dict__, "training_hours": training}))
    assert [line.summary for line in checklist.gaps] == [
        "Ethical responsibility: 12 of 16 hours",
        "Training, all domains: 42 of 46 hours",
    ]


@given(specs(), st.sampled_from(["experience", "supervision", "exam", "jurisdiction_share"]))
def test_any_other_missing_requirement_is_the_only_gap(spec: rules.RequirementSpec, key: str) -> None:
    record = meeting(spec)
    changed = {
        "experience": {"experience_hours": spec.experience_hours - 1},
        "supervision": {"supervision_hours": spec.supervision_hours - 1},
        "exam": {"exams_passed": frozenset({"some_other_exam"})},
        "jurisdiction_share": {"jurisdiction_share_percent": spec.jurisdiction_share_percent - 1},
    }[key]
    checklist = rules.evaluate_application(spec, rules.Record(**{**record.__dict__, **changed}))
    present = {line.key for line in checklist.lines}
    assert {line.key for line in checklist.gaps} == ({key} & present)


@given(
    st.lists(
        st.tuples(st.integers(min_value=-400, max_value=1200), st.integers(min_value=1, max_value=12), st.booleans()),
        max_size=20,
    )
)
def test_renewal_counts_only_hours_in_the_period_and_follows_the_rule(entries: list[tuple[int, int, bool]]) -> None:
    rule = MINIMUMS.renewal
    assert rule is not None and (rule.period_months, rule.ce_hours, rule.ce_ethics_hours) == (24, 20, 6)
    start = dt.date(2024, 1, 1)
    end = dt.date(2025, 12, 31)
    ce = [rules.CeEntry(start + dt.timedelta(days=offset), Decimal(h), ethics) for offset, h, ethics in entries]
    checklist = rules.evaluate_renewal(rule, ce, start, end)
    in_period = [e for e in ce if start <= e.completed_on <= end]
    total = sum((e.hours for e in in_period), Decimal(0))
    ethics = sum((e.hours for e in in_period if e.ethics), Decimal(0))
    assert checklist.line(rules.CE_TOTAL).have == total
    assert checklist.line(rules.CE_ETHICS).have == ethics
    assert checklist.complete == (total >= 20 and ethics >= 6)


def test_mn_dhs_renewal_needs_30_hours_and_no_ethics_line() -> None:
    rule = fixture_spec("mn_dhs.json", "CPS").renewal
    assert rule is not None
    day = dt.date(2025, 6, 1)
    checklist = rules.evaluate_renewal(
        rule, [rules.CeEntry(day, Decimal(29))], dt.date(2024, 1, 1), dt.date(2025, 12, 31)
    )
    assert [line.summary for line in checklist.gaps] == ["Continuing education: 29 of 30 hours"]
    assert rules.CE_ETHICS not in {line.key for line in checklist.lines}


def test_reciprocity_from_the_reciprocal_level_satisfies_what_it_covers() -> None:
    held = rules.HeldCredential(fixture_spec("mn_mcb.json", "CPRSR"), board_is_icrc_member=True, active=True)
    target = fixture_spec("de_dcb.json", "CPRS")
    result = rules.evaluate_reciprocity(held, MINIMUMS, target)
    assert result.eligible
    # Delaware's harm-reduction domain is not covered by Minnesota's training, residence and ethics are asked again.
    assert "training:advocacy" in result.satisfied and "experience" in result.satisfied
    assert "training:harm_reduction" not in result.satisfied
    assert {"jurisdiction_share", "attestation:ethics", "attestation:background_check"}.isdisjoint(result.satisfied)
    checklist = rules.evaluate_application(target, rules.Record(), result.satisfied, reciprocity=True)
    assert {line.key for line in checklist.gaps} == {
        "training:harm_reduction",
        "training_total",
        "attestation:ethics",
        "attestation:background_check",
        "jurisdiction_share",
        "evidence:held_credential",
    }


def test_the_state_exam_credential_is_not_eligible_with_the_reason() -> None:
    held = rules.HeldCredential(
        fixture_spec("mn_mcb.json", "CPRS"), board_is_icrc_member=True, active=True, label="MCB CPRS"
    )
    result = rules.evaluate_reciprocity(held, MINIMUMS, fixture_spec("de_dcb.json", "CPRS"))
    assert not result.eligible
    reason = " ".join(result.reasons)
    assert "does not meet the IC&RC minimums" in reason
    assert "mn_state is not an accepted exam" in reason
    assert "Experience: 0 of 500 hours" in reason


@given(
    st.integers(min_value=0, max_value=30).map(Decimal),
    st.integers(min_value=0, max_value=800).map(Decimal),
    st.booleans(),
    st.booleans(),
)
def test_reciprocity_eligibility_follows_the_minimums(
    ethics: Decimal, experience: Decimal, member: bool, active: bool
) -> None:
    base = fixture_spec("mn_mcb.json", "CPRSR")
    domains = tuple(
        rules.DomainRequirement(d.slug, d.label, ethics if d.slug == "ethics" else d.hours)
        for d in base.training_domains
    )
    spec = rules.RequirementSpec(
        **{
            **base.__dict__,
            "training_domains": domains,
            "training_total_hours": Decimal(30) + ethics,
            "experience_hours": experience,
        }
    )
    result = rules.evaluate_reciprocity(
        rules.HeldCredential(spec, member, active), MINIMUMS, fixture_spec("de_dcb.json", "CPRS")
    )
    assert result.eligible == (ethics >= 16 and experience >= 500 and member and active)
    if not result.eligible:
        assert result.reasons and not result.satisfied


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"training": {"domains": [{"slug": "a", "hours": -1}]}}, "hours must be zero or more"),
        ({"training": {"total_hours": 5, "domains": [{"slug": "a", "hours": 10}]}}, "less than the sum"),
        ({"attestations": ["diagnosis"]}, "unknown diagnosis"),
        ({"renewal": {"period_months": 24, "ce_hours": 5, "ce_ethics_hours": 6}}, "more than renewal.ce_hours"),
        ({"exam": {"required": True}}, "needs at least one accepted exam"),
    ],
)
def test_malformed_requirements_are_refused(document: dict[str, object], message: str) -> None:
    with pytest.raises(rules.SpecError, match=message):
        rules.RequirementSpec.from_json(document)


def test_every_fixture_parses() -> None:
    for path in FIXTURES.glob("*.json"):
        for row in json.loads(path.read_text())["credential_types"]:
            rules.RequirementSpec.from_json(row["requirements"])


@given(specs(), hours)
def test_hours_in_domains_the_spec_does_not_list_do_not_count_toward_its_total(
    spec: rules.RequirementSpec, unrelated: Decimal
) -> None:
    record = meeting(spec)
    first = spec.training_domains[0].slug
    # One hour short of the total in the spec's own domains, and plenty in another credential's domain.
    training = dict(record.training_hours, **{first: record.training_hours[first] - 1, "zz_other": unrelated})
    checklist = rules.evaluate_application(spec, rules.Record(**{**record.__dict__, "training_hours": training}))
    total = checklist.line(rules.TRAINING_TOTAL)
    assert total.have == spec.training_total_hours - 1
    assert not total.met
