"""On a phone: a peer records CE on the renewal page and sees the pathway; a supervisor records a session;
an analyst sees supply vs demand with its charts. axe on each page, and no CSP violation."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from peerway.certification.models import Credential, CredentialType
from tests.e2e.conftest import page_url, sign_in
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory

pytestmark = pytest.mark.e2e

CheckAxe = Callable[[Page, str], list[dict[str, Any]]]


@pytest.fixture(autouse=True)
def _private_files(settings: Any, tmp_path: Path) -> None:
    settings.PEERWAY_PRIVATE_FILES_DIR = tmp_path / "private"


def test_renewal_supervision_pathway_and_supply(
    page: Page, live_server: Any, check_axe: CheckAxe, csp_violations: list[str]
) -> None:
    riverbend = OrganizationFactory(name="Riverbend Recovery Community")
    alice = UserFactory(username="alice", first_name="Alice", last_name="Lindqvist")
    MembershipFactory(user=alice, organization=riverbend, role="peer")
    sam = UserFactory(username="sam", first_name="Sam", last_name="Okafor")
    MembershipFactory(user=sam, organization=riverbend, role="supervisor")
    state = OrganizationFactory(name="State Agency", slug="state", kind="state_agency")
    analyst = UserFactory(username="ana")
    MembershipFactory(user=analyst, organization=state, role="analyst")
    today = timezone.localdate()
    Credential.objects.create(
        holder=alice,
        credential_type=CredentialType.objects.get(board__slug="mn-mcb", code="CPRS"),
        issued_on=today - dt.timedelta(days=680),
        expires_on=today + dt.timedelta(days=50),
    )
    base = live_server.url
    page.set_viewport_size({"width": 360, "height": 800})

    sign_in(page, base, "alice")
    page.goto(page_url(base, "en", "staff/workforce/renewal/"))
    expect(page.locator(".checklist")).to_contain_text("0 of 20 hours")
    check_axe(page, "renewal [en]")
    page.fill("#id_provider", "Northstar Recovery Training")
    page.fill("#id_topic", "Ethics in peer support")
    page.get_by_label("This course counts as ethics").check()
    page.fill("#id_completed_on", (today - dt.timedelta(days=10)).isoformat())
    page.fill("#id_hours", "6")
    page.get_by_role("button", name="Add", exact=True).click()
    expect(page.locator(".messages")).to_contain_text("Continuing education recorded.")
    expect(page.locator(".checklist")).to_contain_text("6 of 6 hours")
    page.goto(page_url(base, "en", "staff/workforce/pathway/"))
    expect(page.locator("h1")).to_contain_text("career pathway")
    check_axe(page, "pathway [en]")
    page.context.clear_cookies()

    sign_in(page, base, "sam")
    page.goto(page_url(base, "en", "staff/workforce/supervision/"))
    page.select_option("#id_supervisee", label="Alice Lindqvist")
    page.fill("#id_held_on", today.isoformat())
    page.fill("#id_minutes", "60")
    page.get_by_label("Individual").check()
    page.get_by_label("Self-care and burnout").check()
    page.get_by_role("button", name="Record").click()
    expect(page.locator(".messages")).to_contain_text("Supervision session recorded.")
    expect(page.locator("table")).to_contain_text("Alice Lindqvist")
    check_axe(page, "supervision [en]")
    page.context.clear_cookies()

    sign_in(page, base, "ana")
    page.goto(page_url(base, "en", "staff/workforce/supply/"))
    expect(page.locator("h1")).to_contain_text("certified peers")
    chart = page.locator("img.chart").first
    expect(chart).to_be_visible()
    assert page.evaluate(
        "() => [...document.querySelectorAll('img.chart')].every(i => i.complete && i.naturalWidth > 0)"
    )
    check_axe(page, "workforce supply [en]")
    assert csp_violations == []
