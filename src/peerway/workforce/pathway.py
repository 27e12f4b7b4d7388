"""Career pathway: a peer's progress toward other credentials from what they have already recorded.

Everything recorded counts: training, experience and supervision entries of all their certification
applications, supervision sessions logged by their supervisors, passed exams and attestations. Each target is
evaluated with ``certification.rules.evaluate_application`` (evidence lines are left out: files are asked for
in the application itself). Targets: the reciprocal level of each credential held, and the credentials listed
in workforce/fixtures/pathway.json (a peer supervisor credential, a clinical licence).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django.db.models import Max, Sum
from django.utils import timezone

from peerway.accounts.models import User
from peerway.certification import rules
from peerway.certification.models import (
    Attestation,
    Credential,
    CredentialType,
    ExamResult,
    ExperienceEntry,
    SupervisionEntry,
    TrainingEntry,
)
from peerway.workforce.models import SupervisionSession

PATHWAY_FILE = Path(__file__).resolve().parent / "fixtures" / "pathway.json"


def peer_record(user: User) -> rules.Record:
    """Everything ``user`` has recorded, summed across their applications and supervision sessions."""
    training: dict[str, Decimal] = {
        row["domain"]: row["total"]
        for row in TrainingEntry.objects.filter(application__applicant=user)
        .values("domain")
        .annotate(total=Sum("hours"))
    }
    experience = ExperienceEntry.objects.filter(application__applicant=user).aggregate(total=Sum("hours"))["total"]
    supervision = SupervisionEntry.objects.filter(application__applicant=user).aggregate(total=Sum("hours"))["total"]
    logged_minutes = SupervisionSession.objects.filter(peer=user).aggregate(total=Sum("minutes"))["total"] or 0
    attestations = set(Attestation.objects.filter(application__applicant=user).values_list("kind", flat=True))
    share = (
        user.cert_applications.aggregate(share=Max("jurisdiction_share_percent"))["share"]  # type: ignore[attr-defined]
        or 0
    )
    return rules.Record(
        training_hours=training,
        experience_hours=experience or Decimal(0),
        supervision_hours=(supervision or Decimal(0)) + (Decimal(logged_minutes) / 60).quantize(Decimal("0.01")),
        exams_passed=frozenset(
            ExamResult.objects.filter(application__applicant=user, passed=True).values_list("exam", flat=True)
        ),
        education=frozenset({"high_school"} if "education" in attestations else set()),
        attestations=frozenset(attestations),
        jurisdiction_share_percent=share,
    )


def pathway_target_keys() -> list[tuple[str, str]]:
    data = json.loads(PATHWAY_FILE.read_text())
    return [(row["board"], row["code"]) for row in data["targets"]]


def _newest(board_slug: str, code: str) -> CredentialType | None:
    return (
        CredentialType.objects.in_effect(timezone.localdate())
        .filter(board__slug=board_slug, code=code, reference_standard=False)
        .select_related("board")
        .order_by("-version")
        .first()
    )


@dataclass(frozen=True)
class Step:
    credential_type: CredentialType
    checklist: rules.Checklist
    reason: str  # "reciprocal" or "pathway"

    @property
    def met_count(self) -> int:
        return sum(1 for line in self.checklist.lines if line.met)

    @property
    def percent(self) -> int:
        lines = self.checklist.lines
        return round(100 * self.met_count / len(lines)) if lines else 100


def pathway_for_peer(user: User) -> list[Step]:
    """Progress toward each target credential the peer does not already hold active."""
    # Active as Credential.is_active_on reads it: one past its expiry date is lapsed even before the nightly job.
    today = timezone.localdate()
    # A credential is held whatever version of its rules it was issued under: kept by (board, code), not by version.
    held_active = {
        (credential.credential_type.board_id, credential.credential_type.code)
        for credential in Credential.objects.filter(holder=user).select_related("credential_type")
        if credential.is_active_on(today)
    }
    held = Credential.objects.filter(holder=user).values_list("credential_type_id", flat=True)
    targets: list[tuple[CredentialType, str]] = []
    listed: set[tuple[int, str]] = set()
    # Each reciprocal level once, by the rules in effect now (newest version first), as the pathway's own targets are.
    for reciprocal in (
        CredentialType.objects.in_effect(today)
        .filter(reciprocal_of_id__in=held, reference_standard=False)
        .select_related("board")
        .order_by("board__name", "code", "-version")
    ):
        if (reciprocal.board_id, reciprocal.code) not in listed:
            listed.add((reciprocal.board_id, reciprocal.code))
            targets.append((reciprocal, "reciprocal"))
    for board_slug, code in pathway_target_keys():
        found = _newest(board_slug, code)
        if found is not None and (found.board_id, found.code) not in listed:
            listed.add((found.board_id, found.code))
            targets.append((found, "pathway"))
    record = peer_record(user)
    steps = []
    for credential_type, reason in targets:
        if (credential_type.board_id, credential_type.code) in held_active:
            continue
        checklist = rules.evaluate_application(credential_type.spec, record)
        lines = tuple(line for line in checklist.lines if not line.key.startswith("evidence:"))
        steps.append(Step(credential_type, rules.Checklist(lines), reason))
    return steps
