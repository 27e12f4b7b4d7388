"""The language switcher, with and without JavaScript, and axe under the strict Content-Security-Policy."""

from __future__ import annotations

from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e


def switch_language(page: Page, code: str) -> None:
    page.select_option("#language-select", code)
    with page.expect_navigation():
        page.locator(".language-switcher button[type=submit]").click()


@pytest.mark.parametrize("javascript", [False, True], ids=["without-js", "with-js"])
def test_the_language_switcher_keeps_you_on_the_same_page(
    page: Page, no_js_page: Page, live_server: Any, javascript: bool
) -> None:
    browser_page = page if javascript else no_js_page
    browser_page.goto(live_server.url + "/accounts/login/")

    switch_language(browser_page, "es")
    assert browser_page.url == live_server.url + "/es/accounts/login/"
    expect(browser_page.locator("html")).to_have_attribute("lang", "es")
    expect(browser_page.locator("#language-select")).to_have_value("es")

    switch_language(browser_page, "hmn")
    assert browser_page.url == live_server.url + "/hmn/accounts/login/"
    expect(browser_page.locator("html")).to_have_attribute("lang", "hmn")

    switch_language(browser_page, "en")
    assert browser_page.url == live_server.url + "/accounts/login/"
    expect(browser_page.locator("html")).to_have_attribute("lang", "en")


def test_language_names_are_shown_in_their_own_language(page: Page, live_server: Any) -> None:
    page.goto(live_server.url + "/so/")

    options = page.locator("#language-select option")
    expect(options).to_have_text(["English", "Español", "Soomaali", "Hmoob"])
    for code in ("en", "es", "so", "hmn"):
        expect(page.locator(f"#language-select option[value={code}]")).to_have_attribute("lang", code)


def test_axe_runs_under_the_content_security_policy_and_finds_planted_problems(page: Page, live_server: Any) -> None:
    # A check that cannot fail proves nothing: plant a known violation and make sure axe reports it.
    response = page.goto(live_server.url + "/")
    assert response is not None
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy

    page.evaluate(
        "document.querySelector('main').append(Object.assign(new Image(), {src: '/static/peerway/logo.svg'}))"
    )
    violations = Axe().run(page).response["violations"]

    assert "image-alt" in {violation["id"] for violation in violations}
