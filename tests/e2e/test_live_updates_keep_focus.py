"""Pages that update themselves (htmx polling) must not take the keyboard focus away from the person using them.

The status page polls with its fingerprint and gets 204 while nothing changed, "so a half-typed reason, an open
disclosure and a screen reader's place survive" (intake/status.html). The peer's live queue polled every 5 s with no
fingerprint and swapped its whole block every time, so a peer who tabbed to "Accept" on a phone (keyboard, switch
access, a screen reader) lost focus every 5 seconds: WCAG 2.4.3 Focus Order / 3.2.1 On Focus. It now polls with its
fingerprint too, and its controls keep their ids, so that a real change gives the focus back to the same button.
"""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from peerway.core.models import Language
from peerway.intake.services import RequestInput, request_route, request_submit
from tests.e2e.conftest import page_url, sign_in
from tests.factories import OrganizationFactory, peer_profile

pytestmark = pytest.mark.e2e

POLL_SECONDS = 5


def _offer_to_luis(first_name: str) -> None:
    request, _ = request_submit(
        data=RequestInput(
            contact_method="call",
            phone="(612) 555-0110",
            first_name=first_name,
            language=Language.objects.get(slug="es"),
            consent_to_contact=True,
            modalities=("phone",),
        )
    )
    request_route(request_id=request.pk)


def _focused(page: Page) -> str:
    """The start of the element that has the focus, for a failure message."""
    return str(page.evaluate("document.activeElement ? document.activeElement.outerHTML.slice(0, 80) : null"))


def test_the_live_queue_poll_does_not_take_focus_off_the_accept_button(page: Page, live_server: Any) -> None:
    organization = OrganizationFactory(name="Riverbend Recovery Community", slug="riverbend")
    peer_profile(organization, name="Luis", languages=("es", "en"), modalities=("phone",))
    _offer_to_luis("Sample Rosa")

    page.set_viewport_size({"width": 360, "height": 780})
    sign_in(page, live_server.url, "luis")
    page.goto(page_url(live_server.url, "en", "staff/queue/"))
    accept = page.locator("article.offer", has_text="Sample Rosa").get_by_role("button", name="Accept")
    accept.focus()
    expect(accept).to_be_focused()

    # Nothing about the offer changes; wait for more than one poll.
    page.wait_for_timeout((POLL_SECONDS * 2 + 1) * 1000)

    assert page.evaluate("document.activeElement && document.activeElement.textContent.trim()") == "Accept", (
        f"after the queue polled, the focus is on {_focused(page)!r}, not on the Accept button the peer was on"
    )


def test_when_the_queue_changes_the_focus_stays_on_the_same_accept_button(page: Page, live_server: Any) -> None:
    organization = OrganizationFactory(name="Riverbend Recovery Community", slug="riverbend")
    peer_profile(organization, name="Luis", languages=("es", "en"), modalities=("phone",))
    _offer_to_luis("Sample Rosa")

    sign_in(page, live_server.url, "luis")
    page.goto(page_url(live_server.url, "en", "staff/queue/"))
    accept = page.locator("article.offer", has_text="Sample Rosa").get_by_role("button", name="Accept")
    accept.focus()
    accept_id = accept.get_attribute("id")

    # A second request arrives: the poll really swaps the block, and htmx puts the focus back on the button with
    # the same id, which is still Rosa's Accept, not the new offer's.
    _offer_to_luis("Sample Marta")
    expect(page.locator("article.offer", has_text="Sample Marta")).to_be_visible(timeout=(POLL_SECONDS + 3) * 1000)

    assert page.evaluate("document.activeElement && document.activeElement.id") == accept_id, (
        f"after the queue changed, the focus is on {_focused(page)!r}, not on Sample Rosa's Accept button"
    )
