"""Uploads checked by content and size and stored privately; downloads only for the applicant and the board."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from peerway.accounts.models import User
from peerway.certification import services
from peerway.certification.models import Application, Evidence
from peerway.certification.selectors import SUBJECT_APPLICATION
from peerway.core.models import AccessAction, AccessEvent
from tests.certification.conftest import PDF, PNG, Boards, complete_application
from tests.factories import MembershipFactory, UserFactory
from tests.helpers import Cast


def _stored_files() -> list[Path]:
    root = Path(settings.PEERWAY_PRIVATE_FILES_DIR)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("certificate.pdf", b"MZ\x90\x00 this is an executable", "PDF, PNG or JPEG"),
        ("certificate.png", b"<html><script>alert(1)</script>", "PDF, PNG or JPEG"),
        ("empty.pdf", b"", "empty"),
    ],
)
def test_wrong_type_is_refused_with_nothing_stored(
    cast: Cast, boards: Boards, name: str, content: bytes, message: str
) -> None:
    application = services.application_create(applicant=cast.alice, credential_type=boards.cprs)
    client = Client()
    client.force_login(cast.alice)
    response = client.post(
        reverse("certification:entry_add", args=[application.public_id, "evidence"]),
        {"evidence-kind": "training_certificate", "evidence-file": SimpleUploadedFile(name, content)},
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Evidence.objects.exists()
    assert _stored_files() == []


def test_over_the_size_limit_is_refused_with_nothing_stored(cast: Cast, boards: Boards) -> None:
    application = services.application_create(applicant=cast.alice, credential_type=boards.cprs)
    big = SimpleUploadedFile("big.pdf", PDF + b"0" * services.MAX_EVIDENCE_BYTES)
    with pytest.raises(ValidationError, match="larger than 5 MB"):
        services.evidence_upload(application, uploaded_by=cast.alice, kind="training_certificate", upload=big)
    assert not Evidence.objects.exists()
    assert _stored_files() == []


def test_accepted_file_is_stored_privately_under_a_random_name(cast: Cast, boards: Boards) -> None:
    application = services.application_create(applicant=cast.alice, credential_type=boards.cprs)
    evidence = services.evidence_upload(
        application, uploaded_by=cast.alice, kind="exam_result", upload=SimpleUploadedFile("my exam.png", PNG)
    )
    assert evidence.content_type == "image/png" and evidence.original_name == "my exam.png"
    [stored] = _stored_files()
    assert stored.is_relative_to(Path(settings.PEERWAY_PRIVATE_FILES_DIR))
    assert "exam" not in stored.name
    assert not str(stored).startswith(str(settings.STATIC_ROOT))
    assert evidence.file.storage.base_url is None  # no URL serves the storage


def test_download_only_for_the_applicant_and_the_boards_reviewers(cast: Cast, boards: Boards) -> None:
    application = complete_application(cast.alice, boards.cprs)
    evidence = application.evidence.first()
    assert evidence is not None
    url = reverse("certification:evidence", args=[evidence.public_id])
    assert Client().get(url).status_code == 302  # anonymous: sign in first, nothing served
    # Draft: not yet visible to the board.
    for user, expected in (
        (cast.alice, 200),
        (boards.bea, 404),
        (cast.olive, 404),
        (cast.sam, 404),
        (boards.dora, 404),
    ):
        client = Client()
        client.force_login(user)
        assert client.get(url).status_code == expected, user.username
    services.application_submit(application, actor=cast.alice)
    for user, expected in (
        (cast.alice, 200),
        (boards.bea, 200),
        (cast.olive, 404),
        (boards.dora, 404),
        (cast.ada, 404),
    ):
        client = Client()
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == expected, user.username
        if expected == 200:
            assert b"".join(response.streaming_content).startswith(b"%PDF")  # type: ignore[attr-defined]
            assert response["Content-Type"] == "application/pdf"


def _events_of_get(user: User, url: str) -> list[AccessEvent]:
    """The AccessEvents written by ``user`` opening ``url`` (its whole body read)."""
    before = set(AccessEvent.objects.values_list("pk", flat=True))
    client = Client()
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200, user.username
    if response.streaming:
        b"".join(response.streaming_content)  # type: ignore[attr-defined]  # closes the file
    return list(AccessEvent.objects.exclude(pk__in=before))


def _assert_one_export(events: list[AccessEvent], application: Application, *, actor: User, reason: str) -> None:
    [event] = events
    assert (event.subject_type, event.subject_id) == (SUBJECT_APPLICATION, application.public_id)
    assert event.action == AccessAction.EXPORTED, f"{reason} download logged as {event.action!r}"
    assert event.organization == application.credential_type.board.organization
    assert event.actor == actor and event.reason == reason


def test_a_reviewers_download_of_evidence_is_logged_as_an_export(cast: Cast, boards: Boards) -> None:
    application = complete_application(cast.alice, boards.cprs)
    services.application_submit(application, actor=cast.alice)
    evidence = application.evidence.first()
    assert evidence is not None
    before = set(AccessEvent.objects.values_list("pk", flat=True))
    client = Client()
    client.force_login(boards.bea)
    response = client.get(reverse("certification:evidence", args=[evidence.public_id]))
    assert response.status_code == 200
    [event] = AccessEvent.objects.exclude(pk__in=before)
    assert (event.subject_type, event.subject_id) == (SUBJECT_APPLICATION, application.public_id)
    assert event.action == AccessAction.EXPORTED, f"evidence file download logged as {event.action!r}"
    assert event.organization == boards.mcb.organization
    assert (event.actor, event.actor_role, event.reason) == (boards.bea, "board_admin", "evidence file")


def test_an_applicants_download_of_their_own_evidence_is_logged_as_an_export(cast: Cast, boards: Boards) -> None:
    application = complete_application(cast.alice, boards.cprs)
    evidence = application.evidence.first()
    assert evidence is not None
    events = _events_of_get(cast.alice, reverse("certification:evidence", args=[evidence.public_id]))
    _assert_one_export(events, application, actor=cast.alice, reason="evidence file")
    assert events[0].actor_role == "self"


def test_a_refused_download_writes_no_access_event(cast: Cast, boards: Boards) -> None:
    application = complete_application(cast.alice, boards.cprs)
    services.application_submit(application, actor=cast.alice)
    evidence = application.evidence.first()
    assert evidence is not None
    before = AccessEvent.objects.count()
    client = Client()
    client.force_login(boards.dora)  # the other board's reviewer
    assert client.get(reverse("certification:evidence", args=[evidence.public_id])).status_code == 404
    assert AccessEvent.objects.count() == before


def test_the_decision_letter_is_logged_as_an_export_for_the_reviewer_and_the_applicant(
    cast: Cast, boards: Boards
) -> None:
    application = complete_application(cast.alice, boards.cprs)
    services.application_submit(application, actor=cast.alice)
    services.review_start(application, reviewer=boards.bea)
    url = reverse("certification:letter", args=[application.public_id])
    client = Client()
    client.force_login(boards.bea)
    before = AccessEvent.objects.count()
    assert client.get(url).status_code == 404  # no decision yet: nothing served, nothing logged
    assert AccessEvent.objects.count() == before
    services.review_approve(application, reviewer=boards.bea)
    _assert_one_export(_events_of_get(boards.bea, url), application, actor=boards.bea, reason="decision letter")
    _assert_one_export(_events_of_get(cast.alice, url), application, actor=cast.alice, reason="decision letter")


def test_the_review_page_is_still_logged_as_a_view(cast: Cast, boards: Boards) -> None:
    application = complete_application(cast.alice, boards.cprs)
    services.application_submit(application, actor=cast.alice)
    [event] = _events_of_get(boards.bea, reverse("certification:review", args=[application.public_id]))
    assert event.action == AccessAction.VIEWED and event.subject_id == application.public_id


def test_the_review_queue_costs_the_same_queries_for_2_and_for_6_applications(cast: Cast, boards: Boards) -> None:
    # The queue's access events go to the board's organization, read with each application listed.
    client = Client()
    client.force_login(boards.bea)
    url = reverse("certification:review_queue")
    counts = []
    for added in (2, 4):
        for _ in range(added):
            applicant = UserFactory()
            services.application_submit(complete_application(applicant, boards.cprs), actor=applicant)
        client.get(url)  # warm the session and the caches
        before = set(AccessEvent.objects.values_list("pk", flat=True))
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        counts.append(len(captured.captured_queries))
        events = AccessEvent.objects.exclude(pk__in=before)
        assert {(e.action, e.organization_id) for e in events} == {(AccessAction.LISTED, boards.mcb.organization_id)}
        assert len(events) == Application.objects.filter(credential_type=boards.cprs).count()
    assert counts[0] == counts[1]


def test_conflict_of_interest_own_application(cast: Cast, boards: Boards) -> None:
    # Bea reviews for the board and applies herself: she cannot act on her own application.
    application = complete_application(boards.bea, boards.cprs)
    services.application_submit(application, actor=boards.bea)
    with pytest.raises(services.TransitionRefused, match=r"Conflict of interest: This is your own application\."):
        services.review_start(application, reviewer=boards.bea)
    client = Client()
    client.force_login(boards.bea)
    page = client.get(reverse("certification:review", args=[application.public_id])).content.decode()
    assert "This is your own application." in page and "Start review" not in page


def test_conflict_of_interest_supervisor_of_the_applicant(cast: Cast, boards: Boards) -> None:
    # Sam supervises at Riverbend, where Alice is a peer; Sam also reviews for the board.
    MembershipFactory(user=cast.sam, organization=boards.mcb.organization, role="board_admin")
    application = complete_application(cast.alice, boards.cprs)
    services.application_submit(application, actor=cast.alice)
    with pytest.raises(services.TransitionRefused, match="You supervise this applicant"):
        services.review_start(application, reviewer=cast.sam)
    services.review_start(application, reviewer=boards.bea)
    with pytest.raises(services.TransitionRefused, match="You supervise this applicant"):
        services.review_approve(application, reviewer=cast.sam)
    # A supervisor elsewhere has no conflict.
    stranger = UserFactory(username="stan")
    MembershipFactory(user=stranger, organization=boards.mcb.organization, role="board_admin")
    MembershipFactory(user=stranger, organization=cast.other_org, role="supervisor")
    services.review_approve(application, reviewer=stranger)
