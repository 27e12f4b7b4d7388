"""A new state is a fixture file and a test, with no code change: Delaware (illustrative rules)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from peerway.certification import services
from peerway.certification.fixtures_load import FIXTURES_DIR, standards_load, standards_load_file
from peerway.certification.models import Board, CredentialType
from peerway.certification.selectors import application_checklist
from tests.certification.conftest import PDF, Boards, complete_application, fill, held_credential
from tests.helpers import Cast


@pytest.mark.django_db
def test_loading_is_idempotent_and_keeps_admin_edits() -> None:
    board = Board.objects.get(slug="de-dcb")
    board.name = "Delaware board, renamed in the admin"
    board.save()
    assert standards_load() == 0
    assert Board.objects.get(slug="de-dcb").name == "Delaware board, renamed in the admin"
    assert CredentialType.objects.filter(board__slug="de-dcb").count() == 1


@pytest.mark.django_db
def test_a_new_state_file_loads_without_code(tmp_path: Path) -> None:
    # A hypothetical state, written as a board would: only data.
    data = json.loads((FIXTURES_DIR / "de_dcb.json").read_text())
    data["board"] |= {"slug": "zz-test", "name": "Test State Board", "jurisdiction": "ZZ"}
    data["credential_types"][0]["requirements"]["training"]["domains"].append(
        {"slug": "cultural_humility", "label": "Cultural humility", "hours": 4}
    )
    data["credential_types"][0]["requirements"]["training"]["total_hours"] = 56
    path = tmp_path / "zz.json"
    path.write_text(json.dumps(data))
    assert standards_load_file(path) == 2
    credential_type = CredentialType.objects.get(board__slug="zz-test")
    assert credential_type.spec.domain("cultural_humility") is not None


def test_delaware_application_is_evaluated_against_its_own_rules(cast: Cast, boards: Boards) -> None:
    application = services.application_create(applicant=cast.alice, credential_type=boards.de_cprs)
    fill(application, skip="training:harm_reduction")
    gaps = {line.key: line.summary for line in application_checklist(application).gaps}
    assert gaps == {
        "training:harm_reduction": "Harm reduction: 0 of 6 hours",
        "training_total": "Training, all domains: 46 of 52 hours",
    }
    services.training_add(
        application, domain="harm_reduction", provider="DE Training", completed_on=timezone.localdate(), hours=6
    )
    # Delaware asks for a job description and a lived-experience statement, which Minnesota does not.
    keys = {line.key for line in application_checklist(application).lines}
    assert {"evidence:job_description", "evidence:lived_experience_statement"} <= keys
    assert application_checklist(application).complete
    services.application_submit(application, actor=cast.alice)


def test_reciprocity_from_minnesota_to_delaware(cast: Cast, boards: Boards) -> None:
    held = held_credential(cast.alice, boards.cprsr)
    application = services.application_create(
        applicant=cast.alice, credential_type=boards.de_cprs, kind="reciprocity", held=held
    )
    checklist = application_checklist(application)
    satisfied = {line.key for line in checklist.lines if line.satisfied_by_held}
    assert {"training:ethics", "experience", "supervision", "exam", "evidence:training_certificate"} <= satisfied
    assert {line.key for line in checklist.gaps} == {
        "training:harm_reduction",
        "training_total",
        "attestation:ethics",
        "attestation:background_check",
        "jurisdiction_share",
        "evidence:held_credential",
    }
    services.training_add(
        application, domain="harm_reduction", provider="DE", completed_on=timezone.localdate(), hours=6
    )
    services.attestations_set(application, kinds={"ethics", "background_check"}, jurisdiction_share_percent=60)
    services.evidence_upload(
        application, uploaded_by=cast.alice, kind="held_credential", upload=SimpleUploadedFile("c.pdf", PDF)
    )
    # Training total: the held type covers 46 of Delaware's 52 (its domains count as met); harm reduction brings the
    # rest, without the 46 hours entered again.
    assert {line.key for line in application_checklist(application).gaps} == set()


def test_state_exam_credential_is_not_eligible_for_reciprocity(cast: Cast, boards: Boards) -> None:
    held = held_credential(cast.alice, boards.cprs)
    with pytest.raises(Exception, match="does not meet the IC&RC minimums"):
        services.application_create(applicant=cast.alice, credential_type=boards.de_cprs, kind="reciprocity", held=held)


def test_inactive_or_non_member_credentials_are_not_eligible(cast: Cast, boards: Boards) -> None:
    dhs = CredentialType.objects.get(board__slug="mn-dhs-cps", code="CPS")
    held = held_credential(cast.alice, dhs)
    with pytest.raises(Exception, match="not an IC&RC member board"):
        services.application_create(applicant=cast.alice, credential_type=boards.de_cprs, kind="reciprocity", held=held)
    suspended = held_credential(cast.alice, boards.cprsr, status="suspended", number="SUSPEND2")
    with pytest.raises(Exception, match="is not active"):
        services.application_create(
            applicant=cast.alice, credential_type=boards.de_cprs, kind="reciprocity", held=suspended
        )


def test_a_complete_initial_delaware_application_can_be_approved(cast: Cast, boards: Boards) -> None:
    application = complete_application(cast.alice, boards.de_cprs)
    services.application_submit(application, actor=cast.alice)
    services.review_start(application, reviewer=boards.dora)
    credential = services.review_approve(application, reviewer=boards.dora)
    assert credential.credential_type.board.jurisdiction == "DE"
    assert credential.expires_on is not None and credential.expires_on > timezone.localdate() + dt.timedelta(days=700)


def test_my_page_shows_reciprocity_eligibility_with_reasons(cast: Cast, boards: Boards) -> None:
    from django.test import Client
    from django.urls import reverse

    held_credential(cast.alice, boards.cprs)
    client = Client()
    client.force_login(cast.alice)
    text = client.get(reverse("certification:my")).content.decode()
    assert "Not eligible" in text and "Exam: Minnesota state peer recovery exam is not an accepted exam" in text
