"""The first call for help, end to end: the issue's acceptance test, plus staff entry of a call on a phone.

A person on a 360 px phone asks for a peer in Spanish; routing runs on the worker (here: one batch run from
the test thread, exactly the task the submission queued); a peer signed in in a second browser sees the
request in the live queue with what they share, and accepts; the person's status page, which updates
itself, then shows the peer and what they share, in Spanish. axe-core checks every page on the way.

The live server and the test share one SQLite connection, so the worker runs while no page that writes
(the live queue marks offers as seen) is open; the person's status page only reads.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.core.management import call_command
from playwright.sync_api import Browser, BrowserContext, Page, expect

from peerway.intake.models import HelpRequest, Offer, RequestSource, RequestStatus
from peerway.organizations.models import Organization
from peerway.workforce.models import PeerProfile
from tests.e2e.conftest import page_url, sign_in
from tests.e2e.test_public_pages import translated
from tests.factories import OrganizationFactory, peer_profile

pytestmark = pytest.mark.e2e

CheckAxe = Callable[[Page, str], list[dict[str, Any]]]
PHONE = {"width": 360, "height": 740}
LAPTOP = {"width": 1280, "height": 900}
# The status page and the live queue ask for news every 5 seconds; give a poll time to land.
POLL_WAIT_MS = 15_000


def es(msgid: str, **values: str) -> str:
    """The Spanish catalog's text for ``msgid``, with ``%(name)s`` placeholders filled in."""
    return translated("es", msgid) % values if values else translated("es", msgid)


@pytest.fixture
def open_context(browser: Browser, browser_context_args: dict[str, Any]) -> Iterator[Callable[..., Page]]:
    """Open a page in a browser context of its own (its own cookies: a second person), closed at the end."""
    contexts: list[BrowserContext] = []

    def open_page(**options: Any) -> Page:
        context = browser.new_context(**{**browser_context_args, **options})
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def organization(live_server: Any) -> Organization:
    return OrganizationFactory(name="Riverbend Recovery Community", slug="riverbend")


@pytest.fixture
def luis(organization: Organization) -> PeerProfile:
    """A peer on shift who speaks Spanish and English, is Mexican American and in recovery from alcohol."""
    return peer_profile(
        organization,
        name="Luis",
        languages=("es", "en"),
        communities=("latino-mexican",),
        lived_experience=("alcohol",),
        modalities=("phone", "text"),
    )


def run_worker() -> None:
    """One batch run of the worker: the routing the submission queued, as production runs it."""
    call_command("worker", "--batch", "--no-scheduler", stdout=io.StringIO(), stderr=io.StringIO())


def test_a_person_asks_in_spanish_on_a_phone_and_a_peer_who_shares_their_experience_accepts(
    open_context: Callable[..., Page], live_server: Any, check_axe: CheckAxe, luis: PeerProfile
) -> None:
    base = live_server.url
    person = open_context(viewport=PHONE, locale="es-US")
    peer = open_context(viewport=LAPTOP)
    sign_in(peer, base, "luis")

    # The form, in Spanish, on a phone.
    person.goto(page_url(base, "es", "help/"))
    expect(person.locator("html")).to_have_attribute("lang", "es")
    check_axe(person, "first call: form [es]")
    person.get_by_label(es("Call me"), exact=True).check()
    person.get_by_label(es("Phone number")).fill("612-555-0177")
    person.get_by_label(es("Your first name or a nickname (optional)")).fill("Rosa")
    expect(person.get_by_label(es("The language you would like to talk in"))).to_have_value("es")
    person.get_by_label(es("I need a peer who speaks this language")).check()
    person.get_by_label(es("Phone call"), exact=True).check()
    person.get_by_label("Mexicano / mexicoamericano", exact=True).check()
    person.get_by_label("Alcohol", exact=True).check()

    # Forgetting the consent box: the error is announced and tied to the box, and nothing typed is lost.
    person.get_by_role("button", name=es("Ask for a peer")).click()
    expect(person.locator(".error-summary[role=alert]")).to_contain_text(
        es("Please tick this box. We can't connect you with a peer without your OK.")
    )
    expect(person.locator("#id_consent_to_contact_error")).to_be_visible()
    expect(person.get_by_label(es("Your first name or a nickname (optional)"))).to_have_value("Rosa")
    expect(person.get_by_label("Alcohol", exact=True)).to_be_checked()
    assert not HelpRequest.objects.exists()
    check_axe(person, "first call: form with an error [es]")

    person.get_by_label(es("It's OK for a peer to contact me the way I chose above.")).check()
    person.get_by_role("button", name=es("Ask for a peer")).click()
    person.wait_for_url(re.compile(r"/es/r/[\w-]+/$"))
    headline = person.locator("#request-status h1")
    expect(headline).to_have_text(es("We have your request"))
    check_axe(person, "first call: status, received [es]")
    request = HelpRequest.objects.get()
    assert (request.source, request.language.slug, request.language_required) == (RequestSource.WEB, "es", True)

    # The peer's live queue is open, with nothing offered yet.
    peer.goto(page_url(base, "en", "staff/queue/"))
    expect(peer).to_have_title("Live queue · Peerway")

    # Routing runs on the worker; the status page and the queue notice by themselves.
    run_worker()
    assert Offer.objects.filter(request=request, peer=luis).exists()
    expect(headline).to_have_text(es("We are asking peers now"), timeout=POLL_WAIT_MS)
    check_axe(person, "first call: status, offered [es]")

    # The peer's live queue shows the request with what they share, and its title counts it for a background tab.
    offer = peer.locator("article.offer", has_text="Rosa")
    expect(offer).to_be_visible(timeout=POLL_WAIT_MS)
    expect(peer).to_have_title("(1) Live queue · Peerway")
    expect(peer.locator("#queue-announce")).to_have_text("1 new request offered to you.")
    expect(offer).to_contain_text("Language: Spanish (needs a peer who speaks it)")
    expect(offer).to_contain_text("Shares: Spanish, Mexican / Mexican American community, Alcohol")
    check_axe(peer, "first call: live queue [en]")
    offer.get_by_role("button", name="Accept").click()
    peer.wait_for_url(re.compile(r"/staff/participants/[0-9a-f-]+/$"))
    expect(peer.locator("h1")).to_have_text("Rosa")
    expect(peer.locator(".messages")).to_contain_text("You accepted.")

    # The person's page shows who is reaching out and what they share, without a reload.
    expect(headline).to_have_text(es("%(name)s is reaching out to you", name="Luis"), timeout=POLL_WAIT_MS)
    card = person.locator(".peer-card")
    expect(card.locator("h2")).to_have_text("Luis")
    expect(card.locator(".peer-shares")).to_have_text(
        es("Shares: %(terms)s", terms="Español, Mexicano / mexicoamericano, Alcohol")
    )
    expect(person.locator("#status-announce")).to_have_text(es("%(name)s is reaching out to you", name="Luis"))
    check_axe(person, "first call: status, a peer is reaching out [es]")
    request.refresh_from_db()
    assert (request.status, request.accepted_by) == (RequestStatus.ACCEPTED, luis)
    assert person.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_a_peer_enters_a_call_on_a_phone_and_gets_the_persons_status_link(
    open_context: Callable[..., Page], live_server: Any, check_axe: CheckAxe, luis: PeerProfile
) -> None:
    base = live_server.url
    page = open_context(viewport=PHONE)
    sign_in(page, base, "luis")
    page.get_by_role("link", name="New request from a call").click()
    page.wait_for_url(base + "/staff/intake/new/")
    check_axe(page, "staff entry: form [en]")

    page.get_by_role("button", name="Save and offer to peers").click()
    summary = page.locator(".error-summary[role=alert]")
    expect(summary).to_contain_text("Choose where this request came from.")
    expect(summary).to_contain_text("Ask the person for their OK first")
    check_axe(page, "staff entry: form with errors [en]")

    page.get_by_label("Phone line", exact=True).check()
    page.get_by_label("Text them", exact=True).check()
    page.get_by_label("Phone number").fill("612-555-0188")
    page.get_by_label("Their first name or a nickname (optional)").fill("Sample")
    page.get_by_label("The language they would like to talk in").select_option("es")
    page.get_by_label("Text messages", exact=True).check()
    page.get_by_label("The person agreed to be contacted").check()
    page.get_by_role("button", name="Save and offer to peers").click()

    expect(page.locator("h1")).to_have_text("Request saved")
    link = page.locator("#status-link").inner_text()
    assert re.fullmatch(re.escape(base) + r"/es/r/[\w-]+/", link)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    check_axe(page, "staff entry: saved [en]")
    request = HelpRequest.objects.get()
    assert (request.source, request.entered_by, request.contact_method) == ("phone_line", luis.user, "text")

    # The link is the person's: it opens their status page, in Spanish.
    page.goto(link)
    expect(page.locator("#request-status h1")).to_have_text(es("We have your request"))
