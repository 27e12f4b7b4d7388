"""A participant answers a check-in by private link in Somali on a 360 px phone; a peer then sees the chart.

The questions come from the instrument itself (its Somali translations travel in the Questionnaire), so the
page asks in Somali whatever the state of the interface's own catalog. axe-core checks every page.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from peerway.core.models import Language
from peerway.recovery.models import CheckIn, Instrument
from peerway.recovery.services.checkins import checkin_link_create
from tests.e2e.conftest import page_url, sign_in
from tests.factories import MembershipFactory, OrganizationFactory, ParticipantFactory, UserFactory

pytestmark = pytest.mark.e2e

CheckAxe = Callable[[Page, str], list[dict[str, Any]]]
PHONE = {"width": 360, "height": 740}
# Somali answers chosen for the ten statements: 5+5+4+6+5+4+5+5+4+6 = 49, in the flagged range.
CHOICES = [5, 5, 4, 6, 5, 4, 5, 5, 4, 6]


def test_a_participant_answers_in_somali_and_the_peer_sees_the_chart(
    live_server: Any, page: Page, check_axe: CheckAxe, csp_violations: list[str]
) -> None:
    organization = OrganizationFactory(name="Riverbend Recovery Community", slug="riverbend")
    peer = UserFactory(username="alice", first_name="Alice")
    MembershipFactory(user=peer, organization=organization, role="peer")
    participant = ParticipantFactory(
        organization=organization, preferred_name="Sample Hodan", language=Language.objects.get(slug="so")
    )
    instrument = Instrument.objects.get(organization=None)
    _, token = checkin_link_create(participant=participant, instrument=instrument, actor=peer)
    definition = instrument.definition

    page.set_viewport_size(PHONE)
    page.goto(page_url(live_server.url, "so", f"c/{token}/"))
    expect(page.locator("html")).to_have_attribute("lang", "so")
    expect(page.get_by_role("heading", level=1)).to_have_text(definition.title.in_language("so"))
    first = definition.items[0]
    expect(page.get_by_role("group", name=f"1. {first.text.in_language('so')}")).to_be_visible()
    no_horizontal_scroll = page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert no_horizontal_scroll, "the check-in page scrolls sideways at 360 px"
    check_axe(page, "check-in by private link (so, 360)")

    for item, value in zip(definition.items, CHOICES, strict=True):
        option = item.option(str(value))
        assert option is not None
        group = page.get_by_role("group", name=item.text.in_language("so"))
        group.get_by_label(option.display.in_language("so"), exact=True).check()
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    check_axe(page, "check-in sent (so, 360)")

    checkin = CheckIn.objects.get(participant=participant)
    assert (checkin.score, checkin.flagged, checkin.source) == (49, True, "link")

    sign_in(page, live_server.url, "alice")
    page.goto(page_url(live_server.url, "en", f"staff/participants/{participant.public_id}/checkins/"))
    chart = page.locator("figure.checkin-chart img")
    expect(chart).to_be_visible()
    page.wait_for_function("document.querySelector('figure.checkin-chart img').complete")
    assert page.evaluate("document.querySelector('figure.checkin-chart img').naturalWidth") > 0, (
        "the chart did not load"
    )
    svg = page.request.get(chart.evaluate("img => img.src"))
    assert svg.status == 200
    assert svg.headers["content-type"] == "image/svg+xml"
    assert b"<svg" in svg.body()
    expect(page.get_by_role("table", name="Check-in scores")).to_contain_text("49")
    check_axe(page, "check-ins with chart (en, 360)")
    assert not csp_violations, csp_violations
