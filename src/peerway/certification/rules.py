"""Credential requirements as data, and their evaluation. Pure: no Django imports.

A credential type's requirements are a JSON document (see docs/certification.md); ``RequirementSpec.from_json``
parses and validates it. ``evaluate_application`` turns a spec and what an applicant has recorded into a
checklist whose unmet lines name the exact gap ("Ethical responsibility: 12 of 16 hours");
``evaluate_renewal`` does the same for continuing education in a renewal period; ``evaluate_reciprocity``
decides whether a held credential makes its holder eligible for a reciprocal credential and which of the
target's requirements it already satisfies; its reasons are also given as data (``Refusal``, ``Shortfall``) so
that the pages can say them in the reader's language.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

ZERO = Decimal(0)

# Keys of checklist lines. Training domains are "training:<slug>", attestations "attestation:<kind>",
# evidence "evidence:<kind>".
TRAINING_TOTAL = "training_total"
EXPERIENCE = "experience"
SUPERVISION = "supervision"
EXAM = "exam"
EDUCATION = "education"
JURISDICTION = "jurisdiction_share"
CE_TOTAL = "ce_total"
CE_ETHICS = "ce_ethics"

ATTESTATION_KINDS = ("ethics", "lived_experience", "education", "background_check")
EVIDENCE_KINDS = (
    "training_certificate",
    "exam_result",
    "supervision_verification",
    "experience_verification",
    "job_description",
    "lived_experience_statement",
    "held_credential",
    "ce_certificate",
)
SAMHSA_TOPICS = (
    "lived_experience",
    "training",
    "exam",
    "education",
    "supervised_experience",
    "background_check",
    "recovery",
    "ethics",
    "costs_and_fees",
    "peer_supervision",
)


class SpecError(ValueError):
    """The requirements document is malformed; the message says where."""


def _hours(value: Any, where: str) -> Decimal:
    try:
        hours = Decimal(str(value))
    except (InvalidOperation, ValueError) as error:
        raise SpecError(f"{where}: {value!r} is not a number of hours") from error
    if not hours.is_finite() or hours < 0:
        raise SpecError(f"{where}: hours must be zero or more, not {value!r}")
    return hours


def _strings(value: Any, where: str, allowed: Sequence[str] | None = None) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise SpecError(f"{where}: expected a list of strings")
    if allowed is not None:
        unknown = [item for item in value if item not in allowed]
        if unknown:
            raise SpecError(f"{where}: unknown {', '.join(unknown)} (allowed: {', '.join(allowed)})")
    return tuple(value)


@dataclass(frozen=True)
class DomainRequirement:
    slug: str
    label: str
    hours: Decimal


@dataclass(frozen=True)
class RenewalRule:
    period_months: int
    ce_hours: Decimal
    ce_ethics_hours: Decimal


@dataclass(frozen=True)
class ReciprocityRule:
    # The board accepts reciprocity from IC&RC member boards for this credential.
    accepts_icrc: bool = False
    # Line keys a reciprocity applicant must still meet here (e.g. residence in this jurisdiction).
    always_required: tuple[str, ...] = ()
    # Evidence asked only of reciprocity applicants (e.g. a copy of the credential held).
    evidence: tuple[str, ...] = ()


@dataclass(frozen=True)
class RequirementSpec:
    training_domains: tuple[DomainRequirement, ...] = ()
    training_total_hours: Decimal = ZERO
    experience_hours: Decimal = ZERO
    supervision_hours: Decimal = ZERO
    exam_required: bool = False
    accepted_exams: tuple[str, ...] = ()
    education: str = ""
    attestations: tuple[str, ...] = ()
    jurisdiction_share_percent: int = 0
    evidence: tuple[str, ...] = ()
    renewal: RenewalRule | None = None
    reciprocity: ReciprocityRule = field(default_factory=ReciprocityRule)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> RequirementSpec:
        if not isinstance(data, Mapping):
            raise SpecError("requirements: expected an object")
        training = data.get("training", {})
        domains: list[DomainRequirement] = []
        for position, row in enumerate(training.get("domains", [])):
            where = f"training.domains[{position}]"
            if not isinstance(row, Mapping) or not isinstance(row.get("slug"), str) or not row["slug"]:
                raise SpecError(f"{where}: needs a slug")
            domains.append(
                DomainRequirement(row["slug"], str(row.get("label", row["slug"])), _hours(row["hours"], where))
            )
        if len({d.slug for d in domains}) != len(domains):
            raise SpecError("training.domains: a domain appears twice")
        domain_sum = sum((d.hours for d in domains), ZERO)
        total = _hours(training.get("total_hours", domain_sum), "training.total_hours")
        if total < domain_sum:
            raise SpecError("training.total_hours: less than the sum of the domains")
        exam = data.get("exam", {})
        share = data.get("jurisdiction_share_percent", 0)
        if not isinstance(share, int) or not 0 <= share <= 100:
            raise SpecError("jurisdiction_share_percent: a whole percentage from 0 to 100")
        renewal_data = data.get("renewal")
        renewal = None
        if renewal_data is not None:
            months = renewal_data.get("period_months")
            if not isinstance(months, int) or months <= 0:
                raise SpecError("renewal.period_months: a positive whole number")
            ce = _hours(renewal_data.get("ce_hours", 0), "renewal.ce_hours")
            ethics = _hours(renewal_data.get("ce_ethics_hours", 0), "renewal.ce_ethics_hours")
            if ethics > ce:
                raise SpecError("renewal.ce_ethics_hours: more than renewal.ce_hours")
            renewal = RenewalRule(months, ce, ethics)
        reciprocity_data = data.get("reciprocity", {})
        reciprocity = ReciprocityRule(
            accepts_icrc=bool(reciprocity_data.get("accepts_icrc", False)),
            always_required=_strings(reciprocity_data.get("always_required", []), "reciprocity.always_required"),
            evidence=_strings(reciprocity_data.get("evidence", []), "reciprocity.evidence", EVIDENCE_KINDS),
        )
        accepted = _strings(exam.get("accepted", []), "exam.accepted")
        required = bool(exam.get("required", False))
        if required and not accepted:
            raise SpecError("exam.accepted: a required exam needs at least one accepted exam")
        return cls(
            training_domains=tuple(domains),
            training_total_hours=total,
            experience_hours=_hours(data.get("experience_hours", 0), "experience_hours"),
            supervision_hours=_hours(data.get("supervision_hours", 0), "supervision_hours"),
            exam_required=required,
            accepted_exams=accepted,
            education=str(data.get("education", "")),
            attestations=_strings(data.get("attestations", []), "attestations", ATTESTATION_KINDS),
            jurisdiction_share_percent=share,
            evidence=_strings(data.get("evidence", []), "evidence", EVIDENCE_KINDS),
            renewal=renewal,
            reciprocity=reciprocity,
        )

    def domain(self, slug: str) -> DomainRequirement | None:
        return next((d for d in self.training_domains if d.slug == slug), None)


@dataclass(frozen=True)
class Record:
    """What an applicant has recorded (summed per kind by the caller)."""

    training_hours: Mapping[str, Decimal] = field(default_factory=dict)
    experience_hours: Decimal = ZERO
    supervision_hours: Decimal = ZERO
    exams_passed: frozenset[str] = frozenset()
    education: frozenset[str] = frozenset()
    attestations: frozenset[str] = frozenset()
    jurisdiction_share_percent: int = 0
    evidence: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Line:
    """One requirement. ``unit`` is "hours", "percent" or "" (a yes/no requirement: have/need are 0 or 1)."""

    key: str
    label: str
    have: Decimal
    need: Decimal
    unit: str = "hours"
    satisfied_by_held: bool = False

    @property
    def met(self) -> bool:
        return self.satisfied_by_held or self.have >= self.need

    @property
    def missing(self) -> Decimal:
        return ZERO if self.met else self.need - self.have

    @property
    def summary(self) -> str:
        """English text of the line, e.g. "Ethical responsibility: 12 of 16 hours" (templates translate their own)."""
        if self.satisfied_by_held:
            return f"{self.label}: satisfied by the credential held"
        if self.unit == "hours":
            return f"{self.label}: {_fmt(self.have)} of {_fmt(self.need)} hours"
        if self.unit == "percent":
            return f"{self.label}: {_fmt(self.have)}% of {_fmt(self.need)}%"
        return f"{self.label}: {'done' if self.met else 'missing'}"


def _fmt(value: Decimal) -> str:
    text = format(value.normalize(), "f") if value == value.to_integral_value() else format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


@dataclass(frozen=True)
class Checklist:
    lines: tuple[Line, ...]

    @property
    def complete(self) -> bool:
        return all(line.met for line in self.lines)

    @property
    def gaps(self) -> tuple[Line, ...]:
        return tuple(line for line in self.lines if not line.met)

    def line(self, key: str) -> Line:
        return next(line for line in self.lines if line.key == key)


def _yes(flag: bool) -> Decimal:
    return Decimal(1) if flag else ZERO


ATTESTATION_LABELS = {
    "ethics": "Signed code of ethics",
    "lived_experience": "Lived experience of recovery (attested, no diagnosis)",
    "education": "High school diploma or equivalent",
    "background_check": "Background check",
}
EVIDENCE_LABELS = {
    "training_certificate": "Training certificate",
    "exam_result": "Exam result",
    "supervision_verification": "Supervision verification",
    "experience_verification": "Experience verification",
    "job_description": "Job description",
    "lived_experience_statement": "Lived-experience statement",
    "held_credential": "Copy of the credential held",
    "ce_certificate": "Continuing-education certificate",
}


def evaluate_application(
    spec: RequirementSpec, record: Record, satisfied: Iterable[str] = (), *, reciprocity: bool = False
) -> Checklist:
    """Every requirement of ``spec`` as a line; lines whose key is in ``satisfied`` are met by a held credential.

    The training total counts only hours in the spec's own domains.

    A reciprocity application (``reciprocity=True``) is also asked the spec's reciprocity evidence.
    """
    held = frozenset(satisfied)
    lines: list[Line] = []

    def add(key: str, label: str, have: Decimal, need: Decimal, unit: str = "hours") -> None:
        lines.append(Line(key, label, have, need, unit, satisfied_by_held=key in held))

    for domain in spec.training_domains:
        add(f"training:{domain.slug}", domain.label, record.training_hours.get(domain.slug, ZERO), domain.hours)
    if spec.training_total_hours > 0:
        # Only the spec's own domains count: hours recorded for another credential's domains are not this training.
        # A domain a held credential satisfies counts as its required hours (at least): the holder need not enter
        # again the training the credential stands for.
        add(
            TRAINING_TOTAL,
            "Training, all domains",
            sum(
                (
                    max(record.training_hours.get(domain.slug, ZERO), domain.hours)
                    if f"training:{domain.slug}" in held
                    else record.training_hours.get(domain.slug, ZERO)
                    for domain in spec.training_domains
                ),
                ZERO,
            ),
            spec.training_total_hours,
        )
    if spec.experience_hours > 0:
        add(EXPERIENCE, "Experience", record.experience_hours, spec.experience_hours)
    if spec.supervision_hours > 0:
        add(SUPERVISION, "Supervision", record.supervision_hours, spec.supervision_hours)
    if spec.exam_required:
        add(EXAM, "Exam passed", _yes(bool(record.exams_passed & set(spec.accepted_exams))), Decimal(1), "")
    if spec.education:
        add(EDUCATION, "Education", _yes(spec.education in record.education), Decimal(1), "")
    for kind in spec.attestations:
        add(f"attestation:{kind}", ATTESTATION_LABELS[kind], _yes(kind in record.attestations), Decimal(1), "")
    if spec.jurisdiction_share_percent > 0:
        add(
            JURISDICTION,
            "Residence or work in the jurisdiction",
            Decimal(record.jurisdiction_share_percent),
            Decimal(spec.jurisdiction_share_percent),
            "percent",
        )
    evidence = spec.evidence + (spec.reciprocity.evidence if reciprocity else ())
    for kind in dict.fromkeys(evidence):
        add(f"evidence:{kind}", EVIDENCE_LABELS[kind], _yes(kind in record.evidence), Decimal(1), "")
    return Checklist(tuple(lines))


@dataclass(frozen=True)
class CeEntry:
    completed_on: date
    hours: Decimal
    ethics: bool = False


def evaluate_renewal(rule: RenewalRule, entries: Iterable[CeEntry], period_start: date, period_end: date) -> Checklist:
    """Continuing education completed from ``period_start`` to ``period_end`` (inclusive) against the rule."""
    in_period = [e for e in entries if period_start <= e.completed_on <= period_end]
    total = sum((e.hours for e in in_period), ZERO)
    ethics = sum((e.hours for e in in_period if e.ethics), ZERO)
    lines = [Line(CE_TOTAL, "Continuing education", total, rule.ce_hours)]
    if rule.ce_ethics_hours > 0:
        lines.append(Line(CE_ETHICS, "Continuing education in ethics", ethics, rule.ce_ethics_hours))
    return Checklist(tuple(lines))


@dataclass(frozen=True)
class HeldCredential:
    spec: RequirementSpec
    board_is_icrc_member: bool
    active: bool
    label: str = "the credential held"


class ShortfallKind(StrEnum):
    """How a credential's rules ask less than the IC&RC minimums; which fields of a ``Shortfall`` are set."""

    TRAINING_DOMAIN = "training_domain"  # label (the domain's), have, need: training hours in one domain
    HOURS = "hours"  # label ("Experience", "Continuing education", …), have, need: hours
    NO_EXAM = "no_exam"
    EXAM_NOT_ACCEPTED = "exam_not_accepted"  # exams (codes the minimums do not accept), accepted (codes they do)
    ATTESTATION = "attestation"  # label (the attestation's): not required
    NO_RENEWAL = "no_renewal"
    RENEWAL_PERIOD = "renewal_period"  # have, need: months between renewals


@dataclass(frozen=True)
class Shortfall:
    """One way a spec asks less than the minimums, as data: pages build their sentence from the fields in the
    reader's language; ``text`` is the English one. Labels are the English labels of the rules' data."""

    kind: ShortfallKind
    label: str = ""
    have: Decimal = ZERO
    need: Decimal = ZERO
    exams: tuple[str, ...] = ()
    accepted: tuple[str, ...] = ()

    @property
    def text(self) -> str:
        if self.kind is ShortfallKind.TRAINING_DOMAIN:
            return f"{self.label}: {_fmt(self.have)} of {_fmt(self.need)} training hours"
        if self.kind is ShortfallKind.HOURS:
            return f"{self.label}: {_fmt(self.have)} of {_fmt(self.need)} hours"
        if self.kind is ShortfallKind.NO_EXAM:
            return "Exam: none required"
        if self.kind is ShortfallKind.EXAM_NOT_ACCEPTED:
            return f"Exam: {', '.join(self.exams)} is not an accepted exam ({', '.join(self.accepted)})"
        if self.kind is ShortfallKind.ATTESTATION:
            return f"{self.label}: not required"
        if self.kind is ShortfallKind.NO_RENEWAL:
            return "Renewal: none required"
        return f"Renewal: every {_fmt(self.have)} months, more than {_fmt(self.need)}"


class RefusalKind(StrEnum):
    """Why a held credential gives no reciprocity; which fields of a ``Refusal`` are set."""

    NOT_OFFERED = "not_offered"  # the target credential is not offered by reciprocity
    BOARD_NOT_MEMBER = "board_not_member"  # credential: the issuing board is not an IC&RC member
    NOT_ACTIVE = "not_active"  # credential
    BELOW_MINIMUMS = "below_minimums"  # credential, shortfalls


@dataclass(frozen=True)
class Refusal:
    """One reason a held credential gives no reciprocity, as data; ``text`` is the English sentence."""

    kind: RefusalKind
    credential: str = ""
    shortfalls: tuple[Shortfall, ...] = ()

    @property
    def text(self) -> str:
        if self.kind is RefusalKind.NOT_OFFERED:
            return "This credential is not offered by reciprocity."
        if self.kind is RefusalKind.BOARD_NOT_MEMBER:
            return f"The board that issued {self.credential} is not an IC&RC member board."
        if self.kind is RefusalKind.NOT_ACTIVE:
            return f"{self.credential} is not active."
        shortfalls = "; ".join(shortfall.text for shortfall in self.shortfalls)
        return f"{self.credential} does not meet the IC&RC minimums: {shortfalls}."


@dataclass(frozen=True)
class ReciprocityResult:
    """``reasons`` are sentences (English here; the selectors give them in the reader's language); ``refusals``
    are the same reasons as data."""

    eligible: bool
    reasons: tuple[str, ...]
    satisfied: frozenset[str]
    refusals: tuple[Refusal, ...] = ()


def shortfalls(spec: RequirementSpec, minimums: RequirementSpec) -> tuple[Shortfall, ...]:
    """Where ``spec`` asks less than ``minimums`` (empty when it meets every minimum), as data."""
    found: list[Shortfall] = []
    for domain in minimums.training_domains:
        mine = spec.domain(domain.slug)
        have = mine.hours if mine else ZERO
        if have < domain.hours:
            found.append(Shortfall(ShortfallKind.TRAINING_DOMAIN, domain.label, have, domain.hours))
    for label, have, need in (
        ("Training, all domains", spec.training_total_hours, minimums.training_total_hours),
        ("Experience", spec.experience_hours, minimums.experience_hours),
        ("Supervision", spec.supervision_hours, minimums.supervision_hours),
    ):
        if have < need:
            found.append(Shortfall(ShortfallKind.HOURS, label, have, need))
    if minimums.exam_required:
        if not spec.exam_required:
            found.append(Shortfall(ShortfallKind.NO_EXAM))
        else:
            other = tuple(exam for exam in spec.accepted_exams if exam not in minimums.accepted_exams)
            if other:
                found.append(Shortfall(ShortfallKind.EXAM_NOT_ACCEPTED, exams=other, accepted=minimums.accepted_exams))
    for kind in minimums.attestations:
        if kind not in spec.attestations:
            found.append(Shortfall(ShortfallKind.ATTESTATION, ATTESTATION_LABELS[kind]))
    if minimums.renewal is not None:
        if spec.renewal is None:
            found.append(Shortfall(ShortfallKind.NO_RENEWAL))
        else:
            if spec.renewal.period_months > minimums.renewal.period_months:
                found.append(
                    Shortfall(
                        ShortfallKind.RENEWAL_PERIOD,
                        have=Decimal(spec.renewal.period_months),
                        need=Decimal(minimums.renewal.period_months),
                    )
                )
            for label, have, need in (
                ("Continuing education", spec.renewal.ce_hours, minimums.renewal.ce_hours),
                ("Continuing education in ethics", spec.renewal.ce_ethics_hours, minimums.renewal.ce_ethics_hours),
            ):
                if have < need:
                    found.append(Shortfall(ShortfallKind.HOURS, label, have, need))
    return tuple(found)


def shortfalls_against(spec: RequirementSpec, minimums: RequirementSpec) -> tuple[str, ...]:
    """Where ``spec`` asks less than ``minimums`` (empty when it meets every minimum), in English."""
    return tuple(shortfall.text for shortfall in shortfalls(spec, minimums))


def evaluate_reciprocity(held: HeldCredential, minimums: RequirementSpec, target: RequirementSpec) -> ReciprocityResult:
    """Whether ``held`` makes its holder eligible for ``target`` by reciprocity, and what it already satisfies."""
    refusals: list[Refusal] = []
    if not target.reciprocity.accepts_icrc:
        refusals.append(Refusal(RefusalKind.NOT_OFFERED))
    if not held.board_is_icrc_member:
        refusals.append(Refusal(RefusalKind.BOARD_NOT_MEMBER, held.label))
    if not held.active:
        refusals.append(Refusal(RefusalKind.NOT_ACTIVE, held.label))
    below = shortfalls(held.spec, minimums)
    if below:
        refusals.append(Refusal(RefusalKind.BELOW_MINIMUMS, held.label, below))
    if refusals:
        return ReciprocityResult(False, tuple(refusal.text for refusal in refusals), frozenset(), tuple(refusals))
    satisfied: set[str] = set()
    for domain in target.training_domains:
        mine = held.spec.domain(domain.slug)
        if mine is not None and mine.hours >= domain.hours:
            satisfied.add(f"training:{domain.slug}")
    if held.spec.training_total_hours >= target.training_total_hours:
        satisfied.add(TRAINING_TOTAL)
    if held.spec.experience_hours >= target.experience_hours:
        satisfied.add(EXPERIENCE)
    if held.spec.supervision_hours >= target.supervision_hours:
        satisfied.add(SUPERVISION)
    if held.spec.exam_required and set(held.spec.accepted_exams) <= set(target.accepted_exams):
        satisfied.add(EXAM)
    if target.education and target.education == held.spec.education:
        satisfied.add(EDUCATION)
    satisfied.update(f"attestation:{kind}" for kind in target.attestations if kind in held.spec.attestations)
    satisfied.update(f"evidence:{kind}" for kind in target.evidence if kind not in target.reciprocity.evidence)
    satisfied -= set(target.reciprocity.always_required)
    return ReciprocityResult(True, (), frozenset(satisfied))
