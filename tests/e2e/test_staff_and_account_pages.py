"""Signed-in pages and django-allauth's account pages, rendered in Peerway's layout and checked with axe."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from django.conf import settings
from playwright.sync_api import Page, expect

from peerway.accounts.models import User
from peerway.organizations.models import OrganizationKind
from tests.e2e.conftest import PASSWORD, WIDTHS, page_url, sign_in
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory

pytestmark = pytest.mark.e2e

CheckAxe = Callable[[Page, str], list[dict[str, Any]]]


@pytest.fixture
def peer(live_server: Any) -> User:
    """A peer who is also a supervisor at one organization and an administrator at another."""
    user = UserFactory(username="riverbend-peer", first_name="Rowan")
    riverbend = OrganizationFactory(name="Riverbend Recovery Community")
    prairie = OrganizationFactory(name="Prairie Light Recovery", kind=OrganizationKind.SUD_PROGRAM_245G)
    MembershipFactory(user=user, organization=riverbend, role="peer")
    MembershipFactory(user=user, organization=riverbend, role="supervisor")
    MembershipFactory(user=user, organization=prairie, role="org_admin")
    return user


@pytest.mark.parametrize("width", WIDTHS)
def test_staff_home_shows_organizations_and_roles_after_signing_in(
    page: Page, live_server: Any, check_axe: CheckAxe, peer: User, width: int
) -> None:
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, live_server.url, peer.username)

    assert page.url == live_server.url + "/staff/"
    expect(page.locator("h1")).to_have_text("Welcome, Rowan")
    riverbend = page.locator(".card", has_text="Riverbend Recovery Community")
    expect(riverbend.locator(".badge")).to_have_text(["Peer recovery specialist", "Peer supervisor"])
    expect(riverbend).to_contain_text("Recovery community organization")
    expect(page.locator(".card", has_text="Prairie Light Recovery").locator(".badge")).to_have_text(
        ["Organization administrator"]
    )
    if width == 360:
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
    check_axe(page, "staff home [en]")


def test_staff_home_translates_role_and_organization_labels(
    page: Page, live_server: Any, check_axe: CheckAxe, peer: User
) -> None:
    sign_in(page, live_server.url, peer.username, language="es")

    assert page.url == live_server.url + "/es/staff/"
    expect(page.locator("html")).to_have_attribute("lang", "es")
    riverbend = page.locator(".card", has_text="Riverbend Recovery Community")
    expect(riverbend.locator(".badge").first).to_have_text("Especialista de apoyo entre pares")
    expect(riverbend).to_contain_text("Organización comunitaria de recuperación")
    check_axe(page, "staff home [es]")


def test_a_wrong_password_is_announced_and_tied_to_the_form(page: Page, live_server: Any, check_axe: CheckAxe) -> None:
    UserFactory(username="riverbend-peer")
    sign_in(page, live_server.url, "riverbend-peer", language="so", password="wrong", lands_on="accounts/login/")

    expect(page.locator(".form-errors[role=alert]")).to_contain_text("sax ma aha")
    expect(page.locator("#id_login")).to_have_value("riverbend-peer")
    check_axe(page, "login with error [so]")


def test_too_many_failures_show_the_lockout_page_in_our_layout(
    page: Page, live_server: Any, check_axe: CheckAxe
) -> None:
    UserFactory(username="riverbend-peer")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(page, live_server.url, "riverbend-peer", password="wrong", lands_on="accounts/login/")

    expect(page.locator("h1")).to_have_text("Too many failed sign-in attempts")
    expect(page.locator(".site-header")).to_be_visible()
    check_axe(page, "lockout [en]")


@pytest.mark.parametrize("language", ["en", "hmn"])
@pytest.mark.parametrize(
    "path",
    [
        "accounts/logout/",
        "accounts/password/change/",
        "accounts/2fa/",
        "accounts/2fa/totp/activate/",
    ],
)
def test_account_pages_use_our_layout_and_are_accessible(
    page: Page, live_server: Any, check_axe: CheckAxe, peer: User, path: str, language: str
) -> None:
    sign_in(page, live_server.url, peer.username, language=language)
    page.goto(page_url(live_server.url, language, path))
    if "/accounts/reauthenticate/" in page.url:
        # allauth asks for the password again before two-factor changes; that page must pass too.
        check_axe(page, f"reauthenticate [{language}]")
        page.fill("#id_password", PASSWORD)
        with page.expect_navigation():
            page.locator("main form button[type=submit]").click()
    assert page.url == page_url(live_server.url, language, path)
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.reload()

        expect(page.locator("html")).to_have_attribute("lang", language)
        expect(page.locator("header.site-header")).to_be_visible()
        expect(page.locator("footer.site-footer")).to_be_visible()
        check_axe(page, f"{path} [{language}]")


@pytest.mark.parametrize("language", ["en", "es"])
def test_password_reset_page_is_accessible(page: Page, live_server: Any, check_axe: CheckAxe, language: str) -> None:
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(page_url(live_server.url, language, "accounts/password/reset/"))

        expect(page.locator("label[for=id_email]")).to_be_visible()
        check_axe(page, f"password reset [{language}]")


def test_two_factor_sign_in_is_accessible_and_completes(
    page: Page, live_server: Any, check_axe: CheckAxe, peer: User
) -> None:
    secret = generate_totp_secret()
    TOTP.activate(peer, secret)
    sign_in(page, live_server.url, peer.username, lands_on="accounts/2fa/authenticate/")

    code_field = page.get_by_label("Code")
    expect(code_field).to_be_visible()
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        check_axe(page, "two-factor sign-in [en]")

    code_field.fill(format_hotp_value(hotp_value(secret, int(time.time()) // 30)))
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_url(live_server.url + "/staff/")
    expect(page.locator("h1")).to_have_text("Welcome, Rowan")
