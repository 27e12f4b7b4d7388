"""A board's review of applications, read as the applicant, the reviewer and the board would: what each page says
(in the reader's language), what a decision issues, and what a reciprocity or renewal decision leaves behind."""

from __future__ import annotations

import contextlib
import datetime as dt
import html
import importlib
from decimal import Decimal
from typing import Any

import pytest
from django.apps import apps as django_apps
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from peerway.accounts.models import User
from peerway.certification import selectors, services
from peerway.certification.models import (
    Application,
    ApplicationKind,
    ApplicationStatus,
    Credential,
    CredentialStatus,
)
from peerway.certification.selectors import application_checklist
from peerway.workforce.credentials import ce_add
from tests.certification.conftest import PDF, Boards, complete_application, fill, held_credential
from tests.helpers import Cast

S = ApplicationStatus


def _client(user: User) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


def _under_review(application: Application, reviewer: User) -> Application:
    services.application_submit(application, actor=application.applicant)
    services.review_start(application, reviewer=reviewer)
    return Application.objects.get(pk=application.pk)


def _text(response: Any) -> str:
    return html.unescape(response.content.decode())


# ---------------------------------------------------------------- the reader's language


def test_a_refused_review_action_is_worded_wholly_in_the_reviewers_language(cast: Cast, boards: Boards) -> None:
    application = complete_application(cast.alice, boards.cprs)
    services.application_submit(application, actor=cast.alice)
    with translation.override("es"):
        url = reverse("certification:review_action", args=[application.public_id, "approve"])
    assert url.startswith("/es/")
    response = _client(boards.bea).post(url, {"message": "Cumple todo"})
    assert response.status_code == 400
    page = _text(response)
    with translation.override("es"):
        refusal = gettext("Cannot approve: the application is %(status)s.") % {
            "status": ApplicationStatus.SUBMITTED.label
        }
    # Once "No se puede approve: la solicitud está Enviada.": the English verb inside the Spanish sentence.
    assert refusal == "No se puede aprobar: la solicitud está Enviada."
    assert refusal in page


def test_what_is_still_missing_at_submission_is_named_in_the_applicants_language(cast: Cast, boards: Boards) -> None:
    application = services.application_create(applicant=cast.alice, credential_type=boards.cprs)
    fill(application, skip="attestation:ethics")
    with translation.override("es"):
        url = reverse("certification:submit", args=[application.public_id])
        label = gettext("Signed code of ethics")
    assert label != "Signed code of ethics"  # the label has a Spanish translation (the checklist uses it)
    response = _client(cast.alice).post(url)
    assert response.status_code == 400
    page = _text(response)
    missing = page[page.index('id="missing"') :].split("</ul>")[0]
    assert label in missing, missing


# ---------------------------------------------------------------- reciprocity


def _reciprocity_to_delaware(cast: Cast, boards: Boards) -> Application:
    """Alice holds the Minnesota reciprocal level (CPRSR, IC&RC minimums) and asks Delaware for its CPRS by
    reciprocity, doing everything the held credential does not cover: Delaware's harm-reduction hours, its
    always-required attestations and share of work in the state, and a copy of the credential held."""
    held = held_credential(cast.alice, boards.cprsr, expires_on=timezone.localdate() + dt.timedelta(days=400))
    application = services.application_create(
        applicant=cast.alice, credential_type=boards.de_cprs, kind=ApplicationKind.RECIPROCITY, held=held
    )
    services.training_add(
        application,
        domain="harm_reduction",
        provider="Sample Harm Reduction Training",
        completed_on=timezone.localdate() - dt.timedelta(days=20),
        hours=Decimal(6),
    )
    services.attestations_set(application, kinds={"ethics", "background_check"}, jurisdiction_share_percent=60)
    services.evidence_upload(
        application, uploaded_by=cast.alice, kind="held_credential", upload=SimpleUploadedFile("held.pdf", PDF)
    )
    return application


def test_a_reciprocity_applicant_who_adds_only_the_missing_domain_can_be_approved(cast: Cast, boards: Boards) -> None:
    application = _reciprocity_to_delaware(cast, boards)
    checklist = application_checklist(application)
    domains = [line for line in checklist.lines if line.key.startswith("training:")]
    assert domains and all(line.met for line in domains)  # every domain: the held credential's 46 h, plus 6 here
    # ... yet "Training, all domains: 6 of 52 hours" stays a gap that only re-entering the 46 hours would close.
    assert checklist.complete, [line.summary for line in checklist.gaps]
    application = _under_review(application, boards.dora)
    credential = services.review_approve(application, reviewer=boards.dora, reason="Reciprocity from Minnesota")
    assert credential.credential_type == boards.de_cprs and credential.holder == cast.alice


# ---------------------------------------------------------------- one credential per holder and type


def test_a_holder_is_never_issued_a_second_active_credential_of_the_same_type(cast: Cast, boards: Boards) -> None:
    first = services.review_approve(
        _under_review(complete_application(cast.alice, boards.cprs), boards.bea), reviewer=boards.bea
    )
    try:
        again = complete_application(cast.alice, boards.cprs)
        services.review_approve(_under_review(again, boards.bea), reviewer=boards.bea)
    except (ValidationError, services.TransitionRefused):
        pass  # refused at the start, at submission or at the decision: any of them, with a reason
    active = Credential.objects.filter(holder=cast.alice, credential_type=boards.cprs, status=CredentialStatus.ACTIVE)
    # Verification would otherwise list two CPRS numbers for Alice, with two different expiry dates.
    assert list(active) == [first]


# ---------------------------------------------------------------- decision letters


def _letter_html(application: Application, monkeypatch: pytest.MonkeyPatch) -> str:
    """The HTML the decision letter is printed from (WeasyPrint left out: only the words matter here)."""
    rendered: list[str] = []
    original = selectors.render_to_string

    def capture(*args: Any, **kwargs: Any) -> str:
        text = original(*args, **kwargs)
        rendered.append(text)
        return text

    class _Html:
        def __init__(self, **kwargs: Any) -> None:
            pass

        def write_pdf(self) -> bytes:
            return b"%PDF-"

    monkeypatch.setattr(selectors, "render_to_string", capture)
    monkeypatch.setattr("weasyprint.HTML", _Html)
    selectors.decision_letter_pdf(Application.objects.get(pk=application.pk))
    return html.unescape(rendered[-1])


def _ce(peer: User) -> None:
    # Today: within the period of a credential issued today.
    day = timezone.localdate()
    ce_add(peer=peer, provider="Sample CE", topic="Ethics", completed_on=day, hours=Decimal(6), ethics=True)
    ce_add(peer=peer, provider="Sample CE", topic="Skills", completed_on=day, hours=Decimal(14))


def test_an_earlier_decision_letter_keeps_the_expiry_date_it_was_decided_with(
    cast: Cast, boards: Boards, monkeypatch: pytest.MonkeyPatch
) -> None:
    initial = _under_review(complete_application(cast.alice, boards.cprs), boards.bea)
    credential = services.review_approve(initial, reviewer=boards.bea)
    decided_expiry = credential.expires_on
    assert decided_expiry is not None
    before = _letter_html(initial, monkeypatch)
    assert "It expires on" in before
    # Two years on, the credential is renewed: the renewal's own letter gives the new date.
    _ce(cast.alice)
    renewal = services.application_create(
        applicant=cast.alice, credential_type=boards.cprs, kind=ApplicationKind.RENEWAL, held=credential
    )
    services.review_approve(_under_review(renewal, boards.bea), reviewer=boards.bea)
    credential.refresh_from_db()
    assert credential.expires_on is not None and credential.expires_on > decided_expiry
    after = _letter_html(initial, monkeypatch)
    # The first letter, downloaded again, should still say what was decided then.
    assert after == before


def test_the_upgrade_recovers_each_approvals_expiry_from_the_credentials_history(cast: Cast, boards: Boards) -> None:
    initial = _under_review(complete_application(cast.alice, boards.cprs), boards.bea)
    credential = services.review_approve(initial, reviewer=boards.bea)
    decided_expiry = credential.expires_on
    _ce(cast.alice)
    renewal = services.application_create(
        applicant=cast.alice, credential_type=boards.cprs, kind=ApplicationKind.RENEWAL, held=credential
    )
    services.review_approve(_under_review(renewal, boards.bea), reviewer=boards.bea)
    credential.refresh_from_db()
    # As the rows stood before certification/0002: no decided expiry kept, the credential's own date moved on.
    Application.objects.update(decided_expires_on=None)
    module = importlib.import_module("peerway.certification.migrations.0002_application_decided_expires_on")
    module.expiry_from_history(django_apps, None)
    kept = dict(Application.objects.values_list("pk", "decided_expires_on"))
    assert kept == {initial.pk: decided_expiry, renewal.pk: credential.expires_on}
    assert decided_expiry != credential.expires_on


# ---------------------------------------------------------------- what the reviewer sees


def test_the_review_page_names_the_exam_passed(cast: Cast, boards: Boards) -> None:
    application = _under_review(complete_application(cast.alice, boards.cprs), boards.bea)
    assert application.exams.filter(exam="icrc_pr", passed=True).exists()
    page = _text(_client(boards.bea).get(reverse("certification:review", args=[application.public_id])))
    exams = page[page.index("<h3>Exams</h3>") :].split("</ul>")[0]
    assert "IC&RC Peer Recovery exam" in exams, exams
    assert "icrc_pr" not in exams, exams


def test_the_reviewer_of_a_renewal_sees_the_continuing_education_it_counts(cast: Cast, boards: Boards) -> None:
    held = held_credential(cast.alice, boards.cprs, expires_on=timezone.localdate() + dt.timedelta(days=60))
    _ce(cast.alice)
    renewal = services.application_create(
        applicant=cast.alice, credential_type=boards.cprs, kind=ApplicationKind.RENEWAL, held=held
    )
    renewal = _under_review(renewal, boards.bea)
    assert application_checklist(renewal).complete
    page = _text(_client(boards.bea).get(reverse("certification:review", args=[renewal.public_id])))
    assert "Continuing education" in page  # the checklist's total is there ...
    assert "Sample CE" in page  # ... the courses it counts are not


# ---------------------------------------------------------------- what the board receives


def test_a_required_file_cannot_be_removed_once_the_application_is_submitted_from_another_tab(
    cast: Cast, boards: Boards
) -> None:
    application = complete_application(cast.alice, boards.cprs)
    # The removal request has read the application (a draft) when the submit from another tab commits.
    read_by_the_removal = Application.objects.get(pk=application.pk)
    services.application_submit(application, actor=cast.alice)
    evidence = application.evidence.get(kind="training_certificate")
    # Refused with the reason (the application was submitted meanwhile), or ...
    with contextlib.suppress(services.TransitionRefused):
        services.entry_delete(read_by_the_removal, kind="evidence", entry_id=evidence.pk)
    submitted = Application.objects.get(pk=application.pk)
    assert submitted.status == S.SUBMITTED
    # The board receives the application the submit checked: every required file is still there.
    assert submitted.evidence.filter(pk=evidence.pk).exists()
    assert not [line.key for line in application_checklist(submitted).gaps if line.key.startswith("evidence:")]
