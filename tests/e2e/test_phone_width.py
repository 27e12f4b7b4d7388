"""Staff pages that a crawl of the demo found too wide at 360 px, or with scrolling tables a keyboard could
not reach, and the API docs page; checked with axe-core at 360 px.

``document.documentElement.scrollWidth`` counts everything that sticks out of the page, including text
that is only there for screen readers (``.visually-hidden`` is absolutely positioned), so it catches both a
table that escapes its scrolling wrapper and a form control as wide as its longest translated option.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, ViewportSize, expect

from peerway.recovery.models import Engagement, EngagementStatus, Instrument, Participant
from peerway.recovery.services.checkins import checkin_record_by_staff
from tests.e2e.conftest import page_url, sign_in
from tests.factories import MembershipFactory, OrganizationFactory, ParticipantFactory, UserFactory
from tests.recovery.checkups_support import peer_for

pytestmark = pytest.mark.e2e

CheckAxe = Callable[[Page, str], list[dict[str, Any]]]
PHONE: ViewportSize = {"width": 360, "height": 780}
PAGE_WIDTH = "document.documentElement.scrollWidth"
# Every scrolling table wrapper, and whether a keyboard can reach it and a screen reader can name it.
TABLE_WRAPS = """() => [...document.querySelectorAll('.table-wrap')].map(wrap => ({
    scrolls: wrap.scrollWidth > wrap.clientWidth,
    tabindex: wrap.getAttribute('tabindex'),
    role: wrap.getAttribute('role'),
    name: (wrap.getAttribute('aria-labelledby') || '').split(' ').filter(Boolean)
        .map(id => (document.getElementById(id) || {}).textContent || '').join(' ').trim()
        || wrap.getAttribute('aria-label') || '',
}))"""


@pytest.fixture
def riverbend(live_server: Any) -> Participant:
    """Alice, a peer, supports three people; Sam supervises; one person has two check-ins Alice entered."""
    org = OrganizationFactory(name="Riverbend Recovery Community", slug="riverbend")
    alice = UserFactory(username="alice", first_name="Alice")
    MembershipFactory(user=alice, organization=org, role="peer")
    sam = UserFactory(username="sam", first_name="Sam")
    MembershipFactory(user=sam, organization=org, role="supervisor")
    peer = peer_for(alice, org)
    participants = []
    for name, days, status in (
        ("Rowan Tester", 45, EngagementStatus.ACTIVE),
        ("Sky Example", 3, EngagementStatus.ACTIVE),
        ("Quinn Sample", 400, EngagementStatus.CHECKUP),
    ):
        participant = ParticipantFactory(organization=org, preferred_name=name)
        participants.append(participant)
        Engagement.objects.create(
            participant=participant,
            organization=org,
            peer=peer,
            program="rco",
            status=status,
            started_at=timezone.now() - dt.timedelta(days=days),
        )
    instrument = Instrument.objects.get(organization=None)
    for days, answer in ((30, "3"), (2, "5")):
        checkin_record_by_staff(
            participant=participants[0],
            instrument=instrument,
            answers={item.link_id: answer for item in instrument.definition.items},
            actor=alice,
            answered_at=timezone.now() - dt.timedelta(days=days),
        )
    return participants[0]


def assert_fits(page: Page, what: str) -> None:
    width = page.evaluate(PAGE_WIDTH)
    assert width <= 360, f"{what} is {width} px wide at 360 px"


def assert_scrolling_tables_are_reachable(page: Page, what: str) -> None:
    wraps = page.evaluate(TABLE_WRAPS)
    assert wraps, f"no .table-wrap on {what}"
    for wrap in wraps:
        assert (wrap["tabindex"], wrap["role"]) == ("0", "region"), f"a table wrapper on {what}: {wrap}"
        assert wrap["name"], f"a table wrapper on {what} has no name: {wrap}"


@pytest.mark.parametrize("language", ["en", "so", "hmn"])
def test_the_checkins_page_fits_a_phone(
    page: Page, live_server: Any, check_axe: CheckAxe, riverbend: Participant, language: str
) -> None:
    page.set_viewport_size(PHONE)
    sign_in(page, live_server.url, "alice", language=language)
    page.goto(page_url(live_server.url, language, f"staff/participants/{riverbend.public_id}/checkins/"))
    expect(page.locator(".table-wrap table tbody tr")).to_have_count(2)
    assert_fits(page, f"the check-ins page [{language}]")
    assert_scrolling_tables_are_reachable(page, f"the check-ins page [{language}]")
    check_axe(page, f"check-ins [{language}, 360]")


def test_the_caseload_filters_wrap_in_hmong(
    page: Page, live_server: Any, check_axe: CheckAxe, riverbend: Participant, csp_violations: list[str]
) -> None:
    page.set_viewport_size(PHONE)
    sign_in(page, live_server.url, "alice", language="hmn")
    page.goto(page_url(live_server.url, "hmn", "staff/caseload/"))
    expect(page.locator(".caseload-card")).to_have_count(3)
    assert_fits(page, "my caseload [hmn]")
    check_axe(page, "caseload [hmn, 360]")
    # The status filter still works, and still fits, with its longest option chosen.
    page.locator("#filter-status").select_option("checkup")
    with page.expect_navigation():
        page.locator(".caseload-filters button[type=submit]").click()
    expect(page.locator(".caseload-card")).to_have_count(1)
    assert_fits(page, "my caseload filtered [hmn]")

    page.context.clear_cookies()
    sign_in(page, live_server.url, "sam", language="hmn")
    page.goto(page_url(live_server.url, "hmn", "staff/caseload/team/"))
    expect(page.locator(".caseload-peer")).to_have_count(1)
    assert_fits(page, "team caseload [hmn]")
    check_axe(page, "team caseload [hmn, 360]")
    assert not csp_violations, csp_violations


def test_the_matching_report_tables_are_keyboard_reachable(
    page: Page, live_server: Any, check_axe: CheckAxe, riverbend: Participant
) -> None:
    page.set_viewport_size(PHONE)
    sign_in(page, live_server.url, "sam")
    page.goto(page_url(live_server.url, "en", "staff/reports/matching/"))
    expect(page.locator(".table-wrap")).to_have_count(3)
    wraps = page.evaluate(TABLE_WRAPS)
    assert any(wrap["scrolls"] for wrap in wraps), "the report's tables should scroll at 360 px; the test is moot"
    assert_scrolling_tables_are_reachable(page, "the matching report")
    assert [wrap["name"] for wrap in wraps] == ["By language", "By community", "By lived experience"]
    assert_fits(page, "the matching report")
    check_axe(page, "matching report [en, 360]")

    # Tab reaches the first table's wrapper, which shows where the focus is.
    first = page.locator(".table-wrap").first
    first.focus()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")
    expect(first).to_be_focused()
    outline = first.evaluate("el => getComputedStyle(el).outlineStyle")
    assert outline != "none", "the focused table wrapper shows no outline"


@pytest.mark.parametrize("language", ["en", "hmn"])
def test_the_access_history_table_is_keyboard_reachable(
    page: Page, live_server: Any, check_axe: CheckAxe, riverbend: Participant, language: str
) -> None:
    page.set_viewport_size(PHONE)
    sign_in(page, live_server.url, "sam", language=language)
    page.goto(page_url(live_server.url, language, f"staff/participants/{riverbend.public_id}/access/"))
    expect(page.locator(".table-wrap table tbody tr").first).to_be_visible()
    assert_scrolling_tables_are_reachable(page, f"the access history [{language}]")
    assert_fits(page, f"the access history [{language}]")
    check_axe(page, f"access history [{language}, 360]")


def test_the_access_log_export_page(page: Page, live_server: Any, check_axe: CheckAxe, riverbend: Participant) -> None:
    page.set_viewport_size(PHONE)
    sign_in(page, live_server.url, "sam")
    page.goto(page_url(live_server.url, "en", "staff/access-log/export/"))
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    page.goto(page_url(live_server.url, "en", "staff/access-log/export/"))
    expect(page.locator(".table-wrap table tbody tr")).to_have_count(1)
    assert_scrolling_tables_are_reachable(page, "the access log export page")
    assert_fits(page, "the access log export page")
    check_axe(page, "access log export [en, 360]")


@pytest.mark.parametrize("width", [360, 1280])
def test_the_api_docs_page(
    page: Page, live_server: Any, check_axe: CheckAxe, csp_violations: list[str], width: int
) -> None:
    page.set_viewport_size(ViewportSize(width=width, height=900))
    page.goto(f"{live_server.url}/api/docs")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert page.locator("meta[name=viewport]").count() == 1
    # Swagger UI draws the operations from the schema with its own script: the CSP must let it run.
    expect(page.locator(".opblock").first).to_be_visible()
    assert not csp_violations, csp_violations
    if width == 360:
        assert_fits(page, "the API docs")
    check_axe(page, f"API docs [{width}]")

    # An operation opened and ready to try: its parameters, example responses and buttons.
    verify = page.locator(".opblock", has_text="Verify a peer credential")
    verify.locator(".opblock-summary-control").click()
    verify.locator(".try-out__btn").click()
    expect(verify.locator(".btn.execute")).to_be_visible()
    expect(verify.locator(".highlight-code").first).to_be_visible()
    if width == 360:
        assert_fits(page, "the API docs with an operation open")
    check_axe(page, f"API docs, an operation open [{width}]")
    assert not csp_violations, csp_violations


@pytest.mark.parametrize("language", ["es", "hmn"])
def test_the_peer_profile_with_weekly_shifts_fits_a_phone_and_a_refused_shift_keeps_what_was_typed(
    page: Page, live_server: Any, check_axe: CheckAxe, riverbend: Participant, language: str
) -> None:
    page.set_viewport_size(PHONE)
    sign_in(page, live_server.url, "alice", language=language)
    page.goto(page_url(live_server.url, language, "staff/queue/profile/"))
    assert_fits(page, f"the peer profile page in {language}")
    check_axe(page, f"peer profile ({language})")
    # A shift past midnight in one row: refused next to its field, with the hours typed kept.
    page.select_option("#id_shifts-0-weekday", "6")
    page.fill("#id_shifts-0-starts_at", "22:00")
    page.fill("#id_shifts-0-ends_at", "02:00")
    page.locator("form[action*='/profile/'] button[type=submit]").click()
    error = page.locator("#id_shifts-0-ends_at_error")
    expect(error).to_be_visible()
    assert page.input_value("#id_shifts-0-starts_at") == "22:00"
    assert page.get_attribute("#id_shifts-0-ends_at", "aria-describedby") and "id_shifts-0-ends_at_error" in (
        page.get_attribute("#id_shifts-0-ends_at", "aria-describedby") or ""
    )
    assert_fits(page, f"the refused peer profile page in {language}")
    check_axe(page, f"peer profile with a refused shift ({language})")
