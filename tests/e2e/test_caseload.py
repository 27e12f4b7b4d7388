"""A peer's caseload and the supervisor's team page on a 360 px phone screen, with axe-core."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from peerway.recovery.models import Engagement, EngagementStatus
from peerway.recovery.services.messages import message_send_from_participant
from tests.e2e.conftest import sign_in
from tests.factories import MembershipFactory, OrganizationFactory, ParticipantFactory, UserFactory
from tests.recovery.checkups_support import peer_for

pytestmark = pytest.mark.e2e

CheckAxe = Callable[[Page, str], list[dict[str, Any]]]


def test_caseload_and_team_pages_at_360_px(
    page: Page, live_server: Any, check_axe: CheckAxe, csp_violations: list[str]
) -> None:
    org = OrganizationFactory(name="Riverbend Recovery Community", slug="riverbend")
    alice = UserFactory(username="alice", first_name="Alice")
    MembershipFactory(user=alice, organization=org, role="peer")
    sam = UserFactory(username="sam", first_name="Sam")
    MembershipFactory(user=sam, organization=org, role="supervisor")
    peer = peer_for(alice, org)
    for name, days, status in (
        ("Rowan Tester", 45, EngagementStatus.ACTIVE),
        ("Sky Example", 3, EngagementStatus.ACTIVE),
        ("Quinn Sample", 400, EngagementStatus.CHECKUP),
    ):
        Engagement.objects.create(
            participant=ParticipantFactory(organization=org, preferred_name=name),
            organization=org,
            peer=peer,
            program="rco",
            status=status,
            started_at=timezone.now() - dt.timedelta(days=days),
        )

    message_send_from_participant(engagement=Engagement.objects.order_by("pk").first(), body="Hi")

    page.set_viewport_size({"width": 360, "height": 780})
    sign_in(page, live_server.url, "alice")
    expect(page.get_by_role("link", name="My caseload")).to_contain_text("1 unread message")
    check_axe(page, "staff home with an unread message [en, 360]")
    page.get_by_role("link", name="My caseload").click()
    expect(page.get_by_role("heading", name="My caseload")).to_be_visible()
    expect(page.locator(".caseload-card").first).to_contain_text("Rowan Tester")
    expect(page.locator(".caseload-card").first).to_contain_text("Contact overdue")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    check_axe(page, "caseload [en, 360]")

    page.get_by_label("Show").select_option("overdue")
    with page.expect_navigation():
        page.get_by_role("button", name="Apply").click()
    expect(page.locator(".caseload-card")).to_have_count(1)

    page.context.clear_cookies()
    sign_in(page, live_server.url, "sam")
    page.get_by_role("link", name="Team caseload").click()
    expect(page.get_by_role("heading", name="Alice")).to_be_visible()
    expect(page.get_by_text("Overdue contacts: 1")).to_be_visible()
    page.get_by_text("People supported by Alice").click()
    expect(page.get_by_text("Quinn Sample")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    check_axe(page, "team caseload [en, 360]")
    assert not csp_violations
