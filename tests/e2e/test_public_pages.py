"""The public home page, the staff sign-in page, the request form and the "not found" page, in every language,
on a phone and on a laptop.

Acceptance criterion: no serious or critical axe-core violations at 360 px and 1280 px, for /, /es/,
/so/, /hmn/ and the sign-in page under each prefix; the page is in the language its URL names; nothing
scrolls sideways at 360 px.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from babel.messages.pofile import read_po
from django.conf import settings
from playwright.sync_api import Page, expect

from tests.e2e.conftest import LANGUAGES, WIDTHS, page_url

pytestmark = pytest.mark.e2e

# Each page, and the English heading whose translation must appear on it.
PAGES = {
    "home": ("", "Talk with someone who has been there."),
    "login": ("accounts/login/", "Staff sign in"),
    # The request page, once the intake app provides it: the page a person in crisis fills in.
    "help": ("help/", "Talk with a peer"),
    # A mistyped address: the crisis numbers and a way to ask for a peer, in the visitor's language.
    "not_found": ("no-such-page/", "We can't find this page"),
}
# The status each page answers with; 200 unless named here.
STATUS = {"not_found": 404}
# Controls people tap on a phone; WCAG 2.5.5 asks for 44 x 44 px. Links inside running text are exempt.
TAP_TARGETS = (
    "header a:not(.skip-link), header button, header select, "
    "main button, main select, main input:not([type=hidden]), main a.button, main .help a"
)


def translated(language: str, msgid: str) -> str:
    """The catalog's translation of ``msgid``, read from the .po file rather than through Django.

    Reading the file keeps the test honest: if Django stopped finding the catalog, the page would fall
    back to English and the assertion below would catch it.
    """
    if language == "en":
        return msgid
    po_path = Path(settings.LOCALE_PATHS[0]) / language / "LC_MESSAGES" / "django.po"
    with po_path.open("rb") as po_file:
        message = read_po(po_file).get(msgid)
    assert message is not None and message.string, f"{msgid!r} has no {language} translation"
    assert message.string != msgid, f"{msgid!r} is not translated into {language}"
    return str(message.string)


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("name", sorted(PAGES))
def test_public_page_is_accessible_in_every_language(
    page: Page,
    live_server: Any,
    check_axe: Callable[[Page, str], list[dict[str, Any]]],
    csp_violations: list[str],
    name: str,
    language: str,
    width: int,
) -> None:
    path, heading = PAGES[name]
    page.set_viewport_size({"width": width, "height": 900})
    response = page.goto(page_url(live_server.url, language, path))

    assert response is not None and response.status == STATUS.get(name, 200)
    expect(page.locator("html")).to_have_attribute("lang", language)
    expect(page.locator("h1")).to_have_text(translated(language, heading))
    assert not csp_violations, f"the Content-Security-Policy blocked something on {page.url}: {csp_violations}"
    check_axe(page, f"{name} [{language}]")


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("name", sorted(PAGES))
def test_public_page_fits_a_phone_screen(page: Page, live_server: Any, name: str, language: str) -> None:
    page.set_viewport_size({"width": 360, "height": 780})
    page.goto(page_url(live_server.url, language, PAGES[name][0]))

    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    too_small = page.eval_on_selector_all(
        TAP_TARGETS,
        """elements => elements
            .filter(element => element.tabIndex !== -1 && !element.closest('.visually-hidden'))
            .map(element => {
                // A checkbox or radio button is tapped through its whole row, label included.
                const row = ['checkbox', 'radio'].includes(element.type) && element.closest('.field-check');
                return {element, box: (row || element).getBoundingClientRect()};
            })
            .filter(({box}) => box.width > 0 && (box.width < 43.5 || box.height < 43.5))
            .map(({element, box}) => `${element.outerHTML.slice(0, 80)} is ${box.width}x${box.height}`)""",
    )
    assert not too_small, "tap targets smaller than 44 px:\n" + "\n".join(too_small)


def test_home_page_shows_crisis_numbers_before_anything_else(page: Page, live_server: Any) -> None:
    page.set_viewport_size({"width": 360, "height": 780})
    page.goto(live_server.url + "/")

    for href in ("tel:911", "tel:988", "sms:988"):
        expect(page.locator(f"header a[href='{href}']")).to_be_in_viewport()
    expect(page.locator("#crisis-heading")).to_have_text("If you are in danger right now")
    # "Get help now" leads to the request page once the intake app provides it, to the how-to section before.
    expect(page.get_by_role("link", name="Get help now")).to_have_attribute("href", re.compile(r"^(/help/|#get-help)$"))
    expect(page.locator("#get-help")).to_be_attached()


def test_skip_link_is_the_first_stop_and_shows_when_focused(page: Page, live_server: Any) -> None:
    page.goto(live_server.url + "/")

    page.keyboard.press("Tab")
    skip = page.locator(".skip-link")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()


def test_sign_in_page_offers_no_sign_up(page: Page, live_server: Any) -> None:
    page.goto(live_server.url + "/accounts/login/")

    expect(page.locator("a[href*='signup']")).to_have_count(0)
    expect(page.locator("main")).not_to_contain_text("sign up", ignore_case=True)
    expect(page.get_by_role("link", name="How to reach a peer")).to_have_attribute(
        "href", re.compile(r"^(/help/|/#get-help)$")
    )


@pytest.mark.parametrize("language", ["so", "hmn"])
def test_the_too_many_tries_page_passes_axe_on_a_phone(
    page: Page, live_server: Any, check_axe: Callable[[Page, str], list[dict[str, Any]]], language: str
) -> None:
    # allauth allows 5 password-reset requests a minute per address; the 6th gets Peerway's 429 page.
    page.set_viewport_size({"width": 360, "height": 780})
    for _ in range(6):
        page.goto(page_url(live_server.url, language, "accounts/password/reset/"))
        page.fill("#id_email", "someone@example.org")
        with page.expect_navigation() as navigation:
            page.locator("main form button[type=submit]").click()
    assert navigation.value is not None and navigation.value.status == 429
    expect(page.locator("html")).to_have_attribute("lang", language)
    expect(page.locator("header a[href='tel:988']")).to_be_in_viewport()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    check_axe(page, f"too many tries [{language}]")


@pytest.mark.parametrize("language", ["so", "hmn"])
def test_an_expired_email_confirmation_link_passes_axe_on_a_phone(
    page: Page, live_server: Any, check_axe: Callable[[Page, str], list[dict[str, Any]]], language: str
) -> None:
    page.set_viewport_size({"width": 360, "height": 780})
    response = page.goto(page_url(live_server.url, language, "accounts/confirm-email/abc:def/"))
    assert response is not None and response.status == 200
    expect(page.locator("html")).to_have_attribute("lang", language)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    check_axe(page, f"expired email confirmation link [{language}]")


def _space_opened_with_code(page: Page, live_server: Any) -> tuple[Any, Callable[[], None]]:
    """A person's space with an open engagement, opened at 360 px with the code texted to them; returns the
    engagement and a function that asks for a new code and opens the space with it again."""
    from django.utils import timezone

    from peerway.accounts.links import participant_link_create
    from peerway.core import sms
    from peerway.core.models import Language
    from peerway.recovery.models import Engagement
    from tests.factories import OrganizationFactory, ParticipantFactory, peer_profile

    organization = OrganizationFactory(name="Riverbend Recovery Community", slug="riverbend")
    peer = peer_profile(organization, name="Amina")
    person = ParticipantFactory(organization=organization, language=Language.objects.get(slug="en"))
    engagement = Engagement.objects.create(
        participant=person, organization=organization, peer=peer, program="rco", started_at=timezone.now()
    )
    token = participant_link_create(participant=person, actor=peer.user, send=False).token
    sms.outbox.clear()

    def open_with_code() -> None:
        page.get_by_role("button", name=re.compile("Send me a (new )?code")).click()
        code = re.search(r"\b(\d{6})\b", sms.outbox[-1].body)
        assert code is not None
        page.get_by_label("Code").fill(code.group(1))
        page.get_by_role("button", name="Open my space").click()

    page.set_viewport_size({"width": 360, "height": 780})
    page.goto(page_url(live_server.url, "en", f"me/{token}/"))
    open_with_code()
    return engagement, open_with_code


def test_a_message_written_after_the_space_session_ran_out_comes_back_to_send(
    page: Page, live_server: Any, check_axe: Callable[[Page, str], list[dict[str, Any]]]
) -> None:
    import datetime as dt

    import time_machine
    from django.utils import timezone

    from peerway.recovery.models import Message

    engagement, open_with_code = _space_opened_with_code(page, live_server)
    words = "I had a hard night.\nCan we talk tomorrow?"
    page.get_by_label("Message to your peer").fill(words)
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=31)):
        page.get_by_role("button", name="Send to my peer").click()
        expect(page.get_by_role("heading", name="Your message is not sent yet")).to_be_visible()
        expect(page.locator("blockquote")).to_contain_text("Can we talk tomorrow?")
        check_axe(page, "space code page keeping an unsent message")
        open_with_code()
        expect(page.get_by_label("Message to your peer")).to_have_value(words)
        assert not Message.objects.filter(engagement=engagement).exists()
        check_axe(page, "space with an unsent message back in the box")
        page.get_by_role("button", name="Send to my peer").click()
        expect(page.locator("#messages").get_by_text("Can we talk tomorrow?")).to_be_visible()
    assert Message.objects.get(engagement=engagement).body.replace("\r\n", "\n") == words


def test_answers_typed_on_the_request_form_survive_a_change_of_language(page: Page, live_server: Any) -> None:
    page.set_viewport_size({"width": 360, "height": 780})
    page.goto(page_url(live_server.url, "en", "help/"))
    page.get_by_label("Call me", exact=True).check()
    page.get_by_label("Phone number").fill("612-555-0142")
    page.get_by_label("Your first name or a nickname (optional)").fill("Rosa")
    page.get_by_label("Video call", exact=True).check()
    page.locator("#language-select").select_option("es")
    page.locator(".language-switcher button").click()

    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.locator("#id_phone")).to_have_value("612-555-0142")
    expect(page.locator("#id_first_name")).to_have_value("Rosa")
    expect(page.locator("input[name=modalities][value=video]")).to_be_checked()
    # What the person did not touch follows the new page: the preferred language is now Spanish.
    expect(page.locator("#id_language")).to_have_value("es")
    # Kept only for the switch: nothing stays behind in the browser.
    assert page.evaluate("sessionStorage.getItem('peerway:kept-answers')") is None

    # Another page of the site opened after a switch never receives them.
    page.locator("#id_first_name").fill("Rosa Maria")
    page.locator("#language-select").select_option("so")
    page.evaluate("document.querySelector('.language-switcher input[name=next]').value = '/'")
    page.locator(".language-switcher button").click()
    expect(page.locator("html")).to_have_attribute("lang", "so")
    assert page.evaluate("sessionStorage.getItem('peerway:kept-answers')") is None
    page.goto(page_url(live_server.url, "so", "help/"))
    expect(page.locator("#id_first_name")).to_have_value("")


def test_answers_shown_back_after_a_refused_submission_survive_a_change_of_language(
    page: Page, live_server: Any
) -> None:
    page.set_viewport_size({"width": 360, "height": 780})
    page.goto(page_url(live_server.url, "en", "help/"))
    page.get_by_label("Your first name or a nickname (optional)").fill("Rosa")
    page.get_by_label("Phone number").fill("612-555-0142")
    # Sent without choosing how to be reached: the form comes back with errors and with what was typed, which the
    # page now holds as its defaults.
    page.get_by_role("button", name="Ask for a peer").click()
    expect(page.locator("#id_first_name")).to_have_value("Rosa")
    page.locator("#language-select").select_option("es")
    page.locator(".language-switcher button").click()
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.locator("#id_first_name")).to_have_value("Rosa")
    expect(page.locator("#id_phone")).to_have_value("612-555-0142")


def test_a_message_brought_back_to_the_box_survives_a_change_of_language(page: Page, live_server: Any) -> None:
    import datetime as dt

    import time_machine
    from django.utils import timezone

    _, open_with_code = _space_opened_with_code(page, live_server)
    words = "Can we talk tomorrow?"
    page.get_by_label("Message to your peer").fill(words)
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=31)):
        # The session ran out: the message rides on the code page and comes back to the box unsent.
        page.get_by_role("button", name="Send to my peer").click()
        open_with_code()
        expect(page.get_by_label("Message to your peer")).to_have_value(words)
        # That page's address is the code form's (/verify/), which sends a GET back to the space.
        page.locator("#language-select").select_option("es")
        page.locator(".language-switcher button").click()
        expect(page.locator("html")).to_have_attribute("lang", "es")
        expect(page.locator("textarea")).to_have_value(words)


@pytest.mark.parametrize("language", ["so", "hmn"])
def test_the_status_page_too_many_presses_page_passes_axe_on_a_phone(
    page: Page,
    live_server: Any,
    check_axe: Callable[[Page, str], list[dict[str, Any]]],
    monkeypatch: pytest.MonkeyPatch,
    language: str,
) -> None:
    from peerway.core.models import Language
    from peerway.intake import views
    from peerway.intake.services import RequestInput, request_submit

    _, token = request_submit(
        data=RequestInput(
            contact_method="call",
            phone="(612) 555-0123",
            first_name="Sample Hodan",
            language=Language.objects.get(slug="so"),
            consent_to_contact=True,
            modalities=("phone",),
        )
    )
    monkeypatch.setattr(views, "STATUS_ACTIONS_PER_LINK", 0)  # the next press is one too many
    page.set_viewport_size({"width": 360, "height": 780})
    page.goto(page_url(live_server.url, language, f"r/{token}/"))
    # A press of "Find me a different peer" as the page's own forms send it: with its CSRF token.
    with page.expect_navigation() as navigation:
        page.evaluate(
            """action => {
                const form = document.createElement('form');
                form.method = 'post';
                form.action = action;
                form.appendChild(document.querySelector('input[name=csrfmiddlewaretoken]').cloneNode());
                document.body.appendChild(form);
                form.submit();
            }""",
            page_url(live_server.url, language, f"r/{token}/different-peer/"),
        )
    assert navigation.value is not None and navigation.value.status == 429
    expect(page.locator("html")).to_have_attribute("lang", language)
    expect(page.locator("h1")).to_have_text(translated(language, "Please wait a few minutes"))
    expect(page.get_by_role("link", name=translated(language, "Back to your request"))).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    check_axe(page, f"status page, too many presses [{language}, 360]")
