"""Bad input on the certification pages: entries, evidence file names, and review actions sent twice or refused.

Guards: a reviewer's message the form refuses (a NUL character) never lets the decision through without it; hours
cannot be claimed over a span that starts in year 1; an evidence file's name, however long or path-like, is kept as
a plain short name and never decides where the file is stored; submitting and approving twice from the pages makes one
transition each and issues one credential.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from peerway.certification import services
from peerway.certification.models import Application, ApplicationStatus, ApplicationTransition, Credential, Evidence
from peerway.core.models import AccessEvent
from tests.certification.conftest import PDF, Boards, complete_application
from tests.helpers import Cast


def _client(user: object) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(user)  # type: ignore[arg-type]
    return client


def _under_review(cast: Cast, boards: Boards) -> Application:
    application = complete_application(cast.alice, boards.cprs)
    services.application_submit(application, actor=cast.alice)
    services.review_start(application, reviewer=boards.bea)
    return application


def test_an_approval_whose_reason_the_form_refuses_is_not_made_and_keeps_the_page(cast: Cast, boards: Boards) -> None:
    application = _under_review(cast, boards)
    response = _client(boards.bea).post(
        reverse("certification:review_action", args=[application.public_id, "approve"]),
        {"message": "Sample reason: meets every\x00 requirement"},
    )
    assert Application.objects.get(pk=application.pk).status == ApplicationStatus.UNDER_REVIEW
    assert not Credential.objects.filter(application=application).exists()
    assert response.status_code == 400
    assert "Null characters are not allowed." in response.content.decode()


@pytest.mark.parametrize(("kind", "extra"), [("experience", {"setting": "Sample RCO"}), ("supervision", {})])
def test_hours_over_a_span_starting_in_year_one_are_refused(
    cast: Cast, boards: Boards, kind: str, extra: dict[str, str]
) -> None:
    # The reciprocal level (CPRSR) asks 500 hours of experience and 25 of supervision.
    application = services.application_create(applicant=cast.alice, credential_type=boards.cprsr)
    fields = {"supervisor_name": "Sample Supervisor", **extra}
    data = {
        f"{kind}-started_on": "0001-01-01",
        f"{kind}-ended_on": timezone.localdate().isoformat(),
        f"{kind}-hours": "9999.99",
        **{f"{kind}-{key}": value for key, value in fields.items()},
    }
    response = _client(cast.alice).post(reverse("certification:entry_add", args=[application.public_id, kind]), data)
    assert response.status_code == 400
    assert not application.experience.exists() and not application.supervision.exists()
    assert f'id="id_{kind}-started_on_error"' in response.content.decode()


@pytest.mark.parametrize(
    "name", ["x" * 300 + ".pdf", "../../../etc/passwd.pdf", "..\\..\\windows\\certificate.pdf", "cert\x00ificate.pdf"]
)
def test_an_evidence_file_name_is_kept_short_and_plain_and_never_places_the_file(
    cast: Cast, boards: Boards, name: str
) -> None:
    application = services.application_create(applicant=cast.alice, credential_type=boards.cprs)
    response = _client(cast.alice).post(
        reverse("certification:entry_add", args=[application.public_id, "evidence"]),
        {"evidence-kind": "training_certificate", "evidence-file": SimpleUploadedFile(name, PDF)},
    )
    assert response.status_code == 302
    [evidence] = Evidence.objects.filter(application=application)
    assert 0 < len(evidence.original_name) <= 200
    assert not any(bad in evidence.original_name for bad in ("/", "\\", "\x00", ".."))
    root = Path(settings.PEERWAY_PRIVATE_FILES_DIR).resolve()
    stored = Path(evidence.file.path).resolve()
    assert stored.is_relative_to(root) and stored.read_bytes() == PDF
    assert "passwd" not in str(stored) and "windows" not in str(stored) and "xxxx" not in str(stored)


def test_submit_and_approve_each_sent_twice_make_one_transition_and_one_credential(cast: Cast, boards: Boards) -> None:
    application = complete_application(cast.alice, boards.cprs)
    alice, bea = _client(cast.alice), _client(boards.bea)
    submit = reverse("certification:submit", args=[application.public_id])
    assert [alice.post(submit).status_code for _ in range(2)] == [302, 302]
    assert bea.post(reverse("certification:review_action", args=[application.public_id, "start"])).status_code == 302
    approve = reverse("certification:review_action", args=[application.public_id, "approve"])
    first, second = (bea.post(approve, {"message": "Sample: meets every requirement"}) for _ in range(2))
    assert first.status_code == 302
    # The second press is told the application is already approved, with the reason typed still on the page.
    assert second.status_code == 400 and "Sample: meets every requirement" in second.content.decode()
    targets = list(ApplicationTransition.objects.filter(application=application).values_list("target", flat=True))
    assert targets == [ApplicationStatus.SUBMITTED, ApplicationStatus.UNDER_REVIEW, ApplicationStatus.APPROVED]
    assert Credential.objects.filter(holder=cast.alice).count() == 1


def test_an_unknown_review_action_is_a_404_that_records_no_access(cast: Cast, boards: Boards) -> None:
    application = _under_review(cast, boards)
    before = AccessEvent.objects.count()
    url = reverse("certification:review_action", args=[application.public_id, "approve-and-more"])
    assert _client(boards.bea).post(url).status_code == 404
    assert AccessEvent.objects.count() == before
