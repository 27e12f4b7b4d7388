"""A peer records a contact from the engagement page on a 360 px phone screen, in a handful of interactions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from peerway.recovery.models import Contact
from tests.e2e.conftest import sign_in
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory
from tests.helpers import Cast
from tests.recovery.records import ready_engagement

pytestmark = pytest.mark.e2e

CheckAxe = Callable[[Page, str], list[dict[str, Any]]]


def test_a_peer_records_a_contact_at_360_px_in_a_few_taps(
    page: Page, live_server: Any, check_axe: CheckAxe, csp_violations: list[str]
) -> None:
    org = OrganizationFactory(name="Riverbend Recovery Community", slug="riverbend")
    alice = UserFactory(username="alice", first_name="Alice")
    MembershipFactory(user=alice, organization=org, role="peer")
    other = OrganizationFactory(name="Prairie Light Recovery", slug="prairie-light")
    cast = Cast(
        org=org,
        other_org=other,
        state=other,
        alice=alice,
        sam=alice,
        ada=alice,
        bill=alice,
        olive=alice,
        analyst=alice,
        nobody=alice,
    )
    engagement = ready_engagement(cast)

    page.set_viewport_size({"width": 360, "height": 780})
    sign_in(page, live_server.url, "alice")
    page.goto(f"{live_server.url}/staff/engagements/{engagement.public_id}/")
    check_axe(page, "engagement page [en, 360]")

    # The interactions a peer makes: choose how they met, type the note, save. Date, time, length and kind
    # come filled in from sensible defaults.
    page.get_by_label("In person").check()
    page.get_by_label("Note: what you worked on and how it ties to the plan").fill(
        "Walked to the food shelf together; next step is the housing call."
    )
    with page.expect_navigation():
        page.get_by_role("button", name="Save contact").click()

    expect(page.locator(".messages")).to_contain_text("The contact is recorded.")
    contact = Contact.objects.select_related("current_version").get(engagement=engagement)
    assert contact.current_version is not None and contact.current_version.modality == "in_person"
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    check_axe(page, "engagement page after a contact [en, 360]")
    assert not csp_violations
