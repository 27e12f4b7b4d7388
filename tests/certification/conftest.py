from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from peerway.accounts.models import User
from peerway.certification import services
from peerway.certification.models import Application, Board, Credential, CredentialType
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory
from tests.helpers import Cast

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@dataclass
class Boards:
    mcb: Board
    dcb: Board
    bea: User  # board_admin of the Minnesota board
    dora: User  # board_admin of the Delaware board
    cprs: CredentialType
    cprsr: CredentialType
    de_cprs: CredentialType


@pytest.fixture(autouse=True)
def _private_files(settings: object, tmp_path: Path) -> None:
    settings.PEERWAY_PRIVATE_FILES_DIR = tmp_path / "private"  # type: ignore[attr-defined]


@pytest.fixture
def boards(cast: Cast) -> Boards:
    def board(slug: str, org_slug: str, admin: str) -> tuple[Board, User]:
        organization = OrganizationFactory(name=f"{slug} board", slug=org_slug, kind="cert_board")
        board = Board.objects.get(slug=slug)
        board.organization = organization
        board.save()
        user = UserFactory(username=admin, first_name=admin.title(), last_name="Reviewer")
        MembershipFactory(user=user, organization=organization, role="board_admin")
        return board, user

    mcb, bea = board("mn-mcb", "mcb-org", "bea")
    dcb, dora = board("de-dcb", "dcb-org", "dora")
    return Boards(
        mcb=mcb,
        dcb=dcb,
        bea=bea,
        dora=dora,
        cprs=CredentialType.objects.get(board=mcb, code="CPRS"),
        cprsr=CredentialType.objects.get(board=mcb, code="CPRSR"),
        de_cprs=CredentialType.objects.get(board=dcb, code="CPRS"),
    )


def complete_application(applicant: User, credential_type: CredentialType) -> Application:
    """A draft that meets every requirement of ``credential_type`` (entries through the services)."""
    application = services.application_create(applicant=applicant, credential_type=credential_type)
    fill(application)
    return application


def fill(application: Application, *, skip: str = "") -> None:
    spec = application.credential_type.spec
    day = timezone.localdate() - dt.timedelta(days=400)
    for domain in spec.training_domains:
        if skip != f"training:{domain.slug}":
            services.training_add(
                application, domain=domain.slug, provider="Recovery Training Co", completed_on=day, hours=domain.hours
            )
    if spec.experience_hours and skip != "experience":
        services.experience_add(
            application,
            setting="Riverbend",
            started_on=day,
            ended_on=day + dt.timedelta(days=300),
            hours=spec.experience_hours,
        )
    if spec.supervision_hours and skip != "supervision":
        services.supervision_add(
            application,
            supervisor_name="Sam",
            started_on=day,
            ended_on=day + dt.timedelta(days=300),
            hours=spec.supervision_hours,
        )
    if spec.exam_required and skip != "exam":
        services.exam_add(application, exam=spec.accepted_exams[0], taken_on=day, passed=True)
    kinds = {kind for kind in spec.attestations if skip != f"attestation:{kind}"}
    if spec.education:
        kinds.add("education")
    services.attestations_set(application, kinds=kinds, jurisdiction_share_percent=100)
    evidence = spec.evidence + (spec.reciprocity.evidence if application.kind == "reciprocity" else ())
    for kind in evidence:
        if skip != f"evidence:{kind}":
            services.evidence_upload(
                application, uploaded_by=application.applicant, kind=kind, upload=SimpleUploadedFile("c.pdf", PDF)
            )


def held_credential(holder: User, credential_type: CredentialType, **kwargs: object) -> Credential:
    return Credential.objects.create(
        holder=holder, credential_type=credential_type, issued_on=timezone.localdate() - dt.timedelta(days=30), **kwargs
    )


__all__ = ["PDF", "PNG", "Boards", "Decimal", "complete_application", "fill", "held_credential"]
