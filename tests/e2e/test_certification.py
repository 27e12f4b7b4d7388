"""A peer applies for Minnesota CPRS, uploads a certificate and submits; a board reviewer sees the computed
gaps, asks for more information, and approves; /verify/ then shows the credential active. axe on each page."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from peerway.certification import services
from peerway.certification.models import Application, Board, Credential
from tests.e2e.conftest import page_url, sign_in
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory

pytestmark = pytest.mark.e2e

CheckAxe = Callable[[Page, str], list[dict[str, Any]]]
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _private_files(settings: Any, tmp_path: Path) -> None:
    settings.PEERWAY_PRIVATE_FILES_DIR = tmp_path / "private"


def test_apply_review_approve_verify(
    page: Page, browser: Browser, live_server: Any, check_axe: CheckAxe, csp_violations: list[str]
) -> None:
    riverbend = OrganizationFactory(name="Riverbend Recovery Community")
    alice = UserFactory(username="alice", first_name="Alice", last_name="Lindqvist")
    MembershipFactory(user=alice, organization=riverbend, role="peer")
    board_org = OrganizationFactory(name="Minnesota Certification Board", slug="mcb", kind="cert_board")
    Board.objects.filter(slug="mn-mcb").update(organization=board_org)
    bea = UserFactory(username="bea", first_name="Bea", last_name="Reviewer")
    MembershipFactory(user=bea, organization=board_org, role="board_admin")
    base = live_server.url

    # The peer, on a phone: starts a draft.
    page.set_viewport_size({"width": 360, "height": 800})
    sign_in(page, base, "alice")
    page.goto(page_url(base, "en", "staff/certification/"))
    check_axe(page, "my certification [en]")
    page.select_option(
        "#id_credential_type", label="Minnesota Certification Board: Certified Peer Recovery Specialist (CPRS)"
    )
    page.get_by_role("button", name="Start a draft").click()
    expect(page.locator("h1")).to_contain_text("Certified Peer Recovery Specialist")
    application = Application.objects.get(applicant=alice)

    # Training recorded earlier (ethics short: 12 of 16) and the exam result, as if entered on other nights.
    day = timezone.localdate() - dt.timedelta(days=60)
    for domain, hours in (("advocacy", 10), ("mentoring_education", 10), ("recovery_wellness", 10), ("ethics", 12)):
        services.training_add(
            application, domain=domain, provider="Recovery Training Co", completed_on=day, hours=Decimal(hours)
        )
    services.exam_add(application, exam="icrc_pr", taken_on=day, passed=True)
    services.evidence_upload(
        application, uploaded_by=alice, kind="exam_result", upload=SimpleUploadedFile("exam.pdf", PDF)
    )

    page.reload()
    expect(page.locator(".checklist")).to_contain_text("12 of 16 hours")
    # Attestations (lived experience is a statement, never a diagnosis) and residence share.
    page.get_by_label("I have read and signed the board's code of ethics").check()
    page.get_by_label("I have lived experience of recovery").check()
    page.get_by_label("I have a high school diploma or equivalent").check()
    page.fill("#id_attestations-jurisdiction_share_percent", "100")
    page.get_by_role("button", name="Save attestations").click()
    expect(page.locator(".messages")).to_contain_text("Saved.")

    # Submitting without the training certificate is refused with what is missing.
    page.get_by_role("button", name="Submit application").click()
    expect(page.locator("#missing")).to_contain_text("Training certificate")
    check_axe(page, "application, missing [en]")

    page.select_option("#id_evidence-kind", label="Training certificate")
    page.set_input_files("#id_evidence-file", {"name": "certificate.pdf", "mimeType": "application/pdf", "buffer": PDF})
    page.get_by_role("button", name="Upload").click()
    expect(page.locator("#evidence")).to_contain_text("certificate.pdf")
    page.get_by_role("button", name="Submit application").click()
    expect(page.locator("#application-status")).to_have_text("Submitted")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    check_axe(page, "application, submitted [en]")

    # The board reviewer, at a desk.
    reviewer_context = browser.new_context(viewport={"width": 1280, "height": 900})
    review = reviewer_context.new_page()
    sign_in(review, base, "bea")
    review.goto(page_url(base, "en", "staff/certification/review/"))
    check_axe(review, "review queue [en]")
    review.get_by_role("link", name="Alice Lindqvist").click()
    review.get_by_role("button", name="Start review").click()
    expect(review.locator("#application-status")).to_have_text("Under review")
    gap = review.locator(".checklist-gap")
    expect(gap.filter(has_text="Ethical responsibility")).to_contain_text("12 of 16 hours")
    check_axe(review, "review [en]")
    review.fill("#id_message", "Please add 4 more hours of ethics training.")
    review.get_by_role("button", name="Ask for more information").click()
    expect(review.locator("#application-status")).to_have_text("More information needed")

    # The peer sees the request, adds the hours on the page and resubmits.
    page.reload()
    expect(page.locator("[role=alert]").first).to_contain_text("Please add 4 more hours of ethics training.")
    page.locator("#training summary").click()
    page.select_option("#id_training-domain", label="Ethical responsibility")
    page.fill("#id_training-provider", "Recovery Training Co")
    page.fill("#id_training-completed_on", (timezone.localdate() - dt.timedelta(days=3)).isoformat())
    page.fill("#id_training-hours", "4")
    page.get_by_role("button", name="Add training").last.click()
    expect(page.locator(".checklist")).not_to_contain_text("12 of 16 hours")
    page.get_by_role("button", name="Submit application").click()
    expect(page.locator("#application-status")).to_have_text("Submitted")

    review.reload()
    review.get_by_role("button", name="Start review").click()
    expect(review.locator(".checklist-gap")).to_have_count(0)
    review.get_by_role("button", name="Approve").click()
    expect(review.locator("#application-status")).to_have_text("Approved")
    credential = Credential.objects.get(holder=alice)
    expect(review.locator(".messages")).to_contain_text(credential.number)
    reviewer_context.close()

    # Anyone can verify it.
    public = browser.new_context(viewport={"width": 360, "height": 800}).new_page()
    public.goto(page_url(base, "en", "verify/"))
    public.fill("#id_number", credential.number)
    public.get_by_role("button", name="Search").click()
    expect(public.locator(".credential-status")).to_have_text("Active")
    expect(public.locator(".card")).to_contain_text("Minnesota Certification Board")
    # At 360 px the status is on screen without scrolling sideways.
    box = public.locator(".credential-status").bounding_box()
    assert box is not None and box["x"] + box["width"] <= 360
    check_axe(public, "verify [en]")
    assert not csp_violations
