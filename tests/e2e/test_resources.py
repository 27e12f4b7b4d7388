"""The resource directory and an engagement's referrals on a phone: usable at 360 px, no serious axe finding."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from peerway.core.models import Language
from peerway.recovery.models import Engagement
from peerway.resources.models import Resource
from peerway.workforce.models import PeerProfile
from tests.e2e.conftest import sign_in
from tests.factories import MembershipFactory, OrganizationFactory, ParticipantFactory, UserFactory, county

pytestmark = pytest.mark.e2e

CheckAxe = Callable[[Page, str], list[dict[str, Any]]]


@pytest.fixture
def engagement(live_server: Any) -> Engagement:
    organization = OrganizationFactory(name="Riverbend Recovery Community", slug="riverbend")
    user = UserFactory(username="riverbend-peer", first_name="Rowan")
    MembershipFactory(user=user, organization=organization, role="peer")
    peer = PeerProfile.objects.create(user=user, organization=organization, display_name="Rowan", modalities=["phone"])
    for number in range(30):
        Resource.objects.create(name=f"Sample Pantry {number:02d}", category="food", county=county("Ramsey"))
    clinic = Resource.objects.create(
        name="Sample North Star MOUD Clinic",
        category="moud",
        county=county("Hennepin"),
        city="Minneapolis",
        phone="(612) 555-0102",
        website="https://northstar.example.org",
        hours="Mon-Sat 6:00-14:00",
        eligibility="Anyone with opioid use disorder",
    )
    clinic.languages.set(Language.objects.filter(slug__in=["en", "so"]))
    participant = ParticipantFactory(organization=organization, preferred_name="Sample Hodan")
    return Engagement.objects.create(
        participant=participant, organization=organization, peer=peer, program="rco", started_at=timezone.now()
    )


def test_a_peer_finds_a_resource_and_refers_on_a_phone(
    page: Page, live_server: Any, check_axe: CheckAxe, engagement: Engagement
) -> None:
    page.set_viewport_size({"width": 360, "height": 800})
    sign_in(page, live_server.url, "riverbend-peer")
    page.goto(live_server.url + "/staff/resources/")
    expect(page.locator("h1")).to_have_text("Resource directory")
    page.get_by_text("Search and filter").click()
    page.get_by_label("Category").select_option("moud")
    page.get_by_label("Language spoken").select_option("so")
    page.get_by_role("button", name="Show resources").click()
    expect(page.locator(".card-list .card")).to_have_count(1)
    expect(page.locator(".card-list")).to_contain_text("Sample North Star MOUD Clinic")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    check_axe(page, "resource directory [en]")

    page.goto(live_server.url + f"/staff/engagements/{engagement.public_id}/referrals/")
    expect(page.locator("h1")).to_have_text("Referrals for Sample Hodan")
    page.get_by_label("Resource", exact=True).select_option(
        label="Sample North Star MOUD Clinic · Medication for opioid use disorder (MOUD) provider · Hennepin"
    )
    page.get_by_label("Why this referral (optional)").fill("Wants a walk-in clinic")
    page.get_by_role("button", name="Send referral").click()
    expect(page.locator(".messages")).to_contain_text("Referral sent.")
    page.get_by_text("Record what happened").click()
    page.get_by_label("What happened").select_option("complete")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".form-errors")).to_contain_text("must be acknowledged by the resource")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    check_axe(page, "engagement referrals [en]")


def test_an_administrator_adds_a_resource_on_a_phone_and_fixes_a_mistake(
    page: Page, live_server: Any, check_axe: CheckAxe, engagement: Engagement
) -> None:
    admin = UserFactory(username="riverbend-admin", first_name="Ada")
    MembershipFactory(user=admin, organization=engagement.organization, role="org_admin")
    page.set_viewport_size({"width": 360, "height": 800})
    sign_in(page, live_server.url, "riverbend-admin")
    page.goto(live_server.url + "/staff/resources/")
    page.get_by_role("link", name="Add a resource").click()
    expect(page.locator("h1")).to_have_text("Add a resource")
    page.get_by_label("Name", exact=True).fill("Sample Cedar Food Shelf")
    page.get_by_label("Category", exact=True).select_option("food")
    page.get_by_role("group", name="Languages").get_by_label("Somali", exact=True).check()
    page.get_by_label("ZIP code", exact=True).fill("5540")
    page.get_by_label("Website", exact=True).fill("food.example.org")
    page.get_by_role("button", name="Add to the directory").click()
    expect(page.locator(".form-errors")).to_contain_text("nothing was saved yet")
    expect(page.get_by_label("Name", exact=True)).to_have_value("Sample Cedar Food Shelf")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    check_axe(page, "resource form with errors [en]")
    page.get_by_label("ZIP code", exact=True).fill("55404")
    page.get_by_role("button", name="Add to the directory").click()
    expect(page.locator(".messages")).to_contain_text("Added Sample Cedar Food Shelf to the directory.")
    item = Resource.objects.get(name="Sample Cedar Food Shelf")
    assert item.website == "https://food.example.org" and item.organization_id == engagement.organization_id
    assert list(item.languages.values_list("slug", flat=True)) == ["so"]
