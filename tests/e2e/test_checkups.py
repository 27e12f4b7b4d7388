"""Recording a recovery check-up from a phone-width screen; the supervisor's re-link page; checked with axe."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from peerway.recovery.models import Checkup
from peerway.recovery.services.checkups import checkups_schedule
from tests.e2e.conftest import page_url, sign_in
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory
from tests.recovery.checkups_support import engagement_for, peer_for

pytestmark = pytest.mark.e2e

CheckAxe = Callable[[Page, str], list[dict[str, Any]]]


def test_a_peer_records_a_struggling_check_up_at_360_px_and_the_supervisor_sees_the_re_link(
    page: Page, live_server: Any, check_axe: CheckAxe
) -> None:
    org = OrganizationFactory(name="Riverbend Recovery Community")
    peer_user = UserFactory(username="riverbend-peer", first_name="Rowan")
    MembershipFactory(user=peer_user, organization=org, role="peer")
    supervisor = UserFactory(username="riverbend-supervisor", first_name="Sam")
    MembershipFactory(user=supervisor, organization=org, role="supervisor")
    engagement = engagement_for(org, peer=peer_for(peer_user, org), preferred_name="Sample Nasra")
    checkups_schedule(engagement=engagement)

    page.set_viewport_size({"width": 360, "height": 800})
    sign_in(page, live_server.url, peer_user.username)
    page.goto(page_url(live_server.url, "en", f"staff/engagements/{engagement.public_id}/checkups/"))
    expect(page.get_by_role("heading", name="Sustained wellness")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    check_axe(page, "check-ups [en, 360]")

    page.get_by_role("radio", name="Yes, we talked").check()
    page.get_by_role("radio", name="Struggling").check()
    page.get_by_label("Recovery capital score, if taken").fill("33")
    with page.expect_navigation():
        page.get_by_role("button", name="Record the check-up").click()
    expect(page.get_by_text("A priority request went out")).to_be_visible()
    assert Checkup.objects.filter(engagement=engagement, relink_request__priority=True).exists()

    page.context.clear_cookies()
    sign_in(page, live_server.url, supervisor.username)
    page.goto(page_url(live_server.url, "en", "staff/checkups/relinks/"))
    expect(page.get_by_role("link", name="Sample Nasra")).to_be_visible()
    check_axe(page, "re-links [en, 360]")


def test_recording_in_crisis_shows_the_crisis_lines(page: Page, live_server: Any, check_axe: CheckAxe) -> None:
    org = OrganizationFactory(name="Riverbend Recovery Community")
    peer_user = UserFactory(username="riverbend-peer", first_name="Rowan")
    MembershipFactory(user=peer_user, organization=org, role="peer")
    engagement = engagement_for(org, peer=peer_for(peer_user, org))
    checkups_schedule(engagement=engagement)

    page.set_viewport_size({"width": 360, "height": 800})
    sign_in(page, live_server.url, peer_user.username)
    page.goto(page_url(live_server.url, "en", f"staff/engagements/{engagement.public_id}/checkups/"))
    page.get_by_role("radio", name="Yes, we talked").check()
    page.get_by_role("radio", name="In crisis").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Record the check-up").click()
    expect(page.get_by_role("heading", name="your supervisors have been alerted")).to_be_visible()
    expect(page.locator("#main").get_by_role("link", name="Call 988")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    check_axe(page, "check-up in crisis [en, 360]")
