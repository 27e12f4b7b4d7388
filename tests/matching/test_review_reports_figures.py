"""Review of the supervisors' matching report (/staff/reports/matching/): its figures on small hand-built data,
the period it says it covers, what a reader can work out from the rows it hides, whose requests it counts, and
the page in Spanish, Somali and Hmong. What tests/matching/test_reports.py and tests/intake/test_matching_report.py
already pin is not repeated here."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
import time_machine
from django.test import Client

from peerway.core.models import Community, Language
from peerway.intake.models import HelpRequest
from peerway.intake.services import (
    request_accept,
    request_connect,
    request_erase,
    request_rematch,
    request_route,
)
from peerway.matching.reports import SMALL_CELL, matching_report
from tests.factories import MembershipFactory, OrganizationFactory, peer_profile
from tests.helpers import Cast

Submit = Callable[..., tuple[HelpRequest, str]]
REPORT = "/staff/reports/matching/"
# 09:00 in Minnesota (CST); 90 days earlier is 22 August, 10:00 CDT.
NOW = dt.datetime(2026, 11, 20, 15, 0, tzinfo=dt.UTC)


def _page(client: Client, path: str = REPORT) -> str:
    response = client.get(path)
    assert response.status_code == 200, response.status_code
    return " ".join(response.content.decode().split())


def _language_section(body: str) -> str:
    return body[body.index('id="report-language"') : body.index('id="report-community"')]


def _supervisor() -> Client:
    client = Client()
    client.force_login(MembershipFactory(role="supervisor").user)
    return client


# ---------------------------------------------------------------- figures that hold


def test_a_request_for_two_communities_counts_in_each_with_what_the_peer_shares_of_each(submit: Submit) -> None:
    """One person asks in Somali (not required) for a peer from the Somali and the Hmong communities. The one peer
    on shift speaks Somali and is Hmong and Oromo: Oromo is East African like Somali, but that is the umbrella, not
    the community asked for. The request counts once in all, once in each community, and the peer shares Hmong,
    not Somali; the language counts as shared although it was not required."""
    amina = peer_profile(
        OrganizationFactory(), name="Amina", languages=("so", "en"), communities=("oromo", "hmong"), caseload_limit=5
    )
    with time_machine.travel(NOW, tick=False):
        request, _ = submit(language="so", language_required=False, communities=("somali", "hmong"))
        request_route(request_id=request.pk)
    with time_machine.travel(NOW + dt.timedelta(minutes=2), tick=False):
        request_accept(request=request, peer=amina)
    with time_machine.travel(NOW + dt.timedelta(minutes=9), tick=False):
        request_connect(request=request, peer=amina)
    with time_machine.travel(NOW + dt.timedelta(hours=1), tick=False):
        report = matching_report()

    def counts(rows: list) -> dict[str, tuple[int, int, int, int, int, float | None]]:
        return {r.label: (r.requests, r.matched, r.compared, r.concordant, r.unmet, r.median_minutes) for r in rows}

    assert counts([report.total]) == {"": (1, 1, 1, 1, 0, 9.0)}
    assert counts(report.by_language) == {"Somali": (1, 1, 1, 1, 0, 9.0)}
    assert counts(report.by_community) == {"Somali": (1, 1, 1, 0, 0, 9.0), "Hmong": (1, 1, 1, 1, 0, 9.0)}
    assert "East African" not in {row.label for row in report.by_community}


def test_a_rematched_request_counts_once_with_what_its_last_peer_shares(submit: Submit) -> None:
    """Bo (English only) takes a Somali request, the person asks for a different peer, and Amina (Somali) takes it
    and reaches them: one request, matched once, sharing Somali (Bo's declined offer is not counted), first
    contact when Amina reached them."""
    org = OrganizationFactory()
    bo = peer_profile(org, name="Bo", languages=("en",), caseload_limit=5)
    amina = peer_profile(org, name="Amina", languages=("so",), caseload_limit=5)
    with time_machine.travel(NOW, tick=False):
        request, _ = submit(language="so")
        request_route(request_id=request.pk)
    with time_machine.travel(NOW + dt.timedelta(minutes=1), tick=False):
        request_accept(request=request, peer=bo)
    with time_machine.travel(NOW + dt.timedelta(minutes=30), tick=False):
        request_rematch(request=request, reason="would rather speak Somali")
        request_route(request_id=request.pk)
    with time_machine.travel(NOW + dt.timedelta(minutes=33), tick=False):
        request_accept(request=HelpRequest.objects.get(pk=request.pk), peer=amina)
    with time_machine.travel(NOW + dt.timedelta(minutes=40), tick=False):
        request_connect(request=request, peer=amina)
    with time_machine.travel(NOW + dt.timedelta(hours=2), tick=False):
        total = matching_report().total
    assert (total.requests, total.matched, total.compared, total.concordant, total.unmet) == (1, 1, 1, 1, 0)
    assert total.median_minutes == 40.0


def test_matched_requests_all_deleted_by_their_people_show_a_dash_not_zero_percent(submit: Submit) -> None:
    """Every match on record deleted: nothing left to compare, so "Shared with their peer" says "—", not 0%."""
    amina = peer_profile(OrganizationFactory(), name="Amina", languages=("so",), caseload_limit=SMALL_CELL + 1)
    for _ in range(SMALL_CELL):
        request, _ = submit(language="so", language_required=True)
        request_route(request_id=request.pk)
        request_accept(request=request, peer=amina)
        request_erase(request=HelpRequest.objects.get(pk=request.pk))
    section = _language_section(_page(_supervisor()))
    row = section[section.index(">Somali<") :][:200]
    assert f"<td>{SMALL_CELL}</td> <td>{SMALL_CELL}</td> <td>—</td>" in row, row
    assert "0%" not in section and "nan" not in section.lower()


def test_an_empty_period_says_so_and_shows_no_total_or_percentage(db: None) -> None:
    body = _page(_supervisor())
    assert body.count("No requests in this period.") == 3
    assert "In all:" not in body and "%" not in body.split("<main", 1)[1] and "nan" not in body.lower()


@pytest.mark.parametrize(
    "query",
    [
        "?since=2026-12-01&until=2026-01-01",
        "?since=not-a-date",
        "?since=99999-01-01",
        "?until=0001-01-01",
        "?language=zz&community=nope&window=-5",
        "?since=%00&since=2026-01-01",
    ],
)
def test_query_strings_the_page_does_not_take_never_break_it(db: None, query: str) -> None:
    """The page takes no parameters: whatever is added to its address, it shows the default period, not a 500."""
    client = _supervisor()
    default = _page(client)
    lead = default[default.index('class="lead"') :][:120]
    assert lead in _page(client, REPORT + query)


@pytest.mark.parametrize("language", ["es", "so", "hmn"])
def test_the_report_renders_with_its_groups_named_in_spanish_somali_and_hmong(submit: Submit, language: str) -> None:
    for _ in range(SMALL_CELL):
        submit(language="so", communities=("somali",))
    body = _page(_supervisor(), f"/{language}{REPORT}")
    assert f'<html lang="{language}"' in body
    somali = Language.objects.get(slug="so").label(language)
    community = Community.objects.get(slug="somali").label(language)
    assert f'<th scope="row">{somali}</th> <td>{SMALL_CELL}</td>' in _language_section(body)
    assert f'<th scope="row">{community}</th> <td>{SMALL_CELL}</td>' in body[body.index('id="report-community"') :]


# ---------------------------------------------------------------- defects


def test_a_withheld_row_is_not_placed_by_its_hidden_count(submit: Submit) -> None:
    """Two periods that differ only in counts the page hides must look the same. Both have 25 requests: Spanish 12
    (shown), English withheld, Oromo "fewer than 11". In the first, English 11 and Oromo 2; in the second, English
    12 and Oromo 1. Rows are sorted by their true count (ties by name), so in the first English comes after Spanish
    (so fewer than 12, at least 11: exactly 11, and Oromo exactly 25 - 12 - 11 = 2), in the second before it."""

    def page(english: int, oromo: int) -> str:
        HelpRequest.objects.all().delete()
        for language, number in (("es", 12), ("en", english), ("om", oromo)):
            for _ in range(number):
                submit(language=language)
        body = _page(_supervisor())
        return _language_section(body) + body[body.index("In all:") :][:60]

    first, second = page(11, 2), page(12, 1)
    assert "In all: 25 requests" in first and "In all: 25 requests" in second
    assert first == second


def test_the_page_counts_the_requests_of_the_day_it_says_it_starts_on(submit: Submit, cast: Cast) -> None:
    """Viewed on 20 November at 09:00 in Minnesota, the page says "Requests since 08/22/2026". Eleven requests made
    on 22 August at 08:00 Minnesota time are not counted: the period starts at 10:00 that day."""
    with time_machine.travel(dt.datetime(2026, 8, 22, 13, 0, tzinfo=dt.UTC), tick=False):
        for _ in range(SMALL_CELL):
            submit(language="en")
    with time_machine.travel(NOW, tick=False):
        client = Client()
        client.force_login(cast.sam)
        body = _page(client)
    assert "since 08/22/2026," in body
    assert f"In all: {SMALL_CELL} requests" in body


def test_a_rematched_request_is_not_unmet_the_minute_the_person_asks_for_another_peer(submit: Submit) -> None:
    """Bo took a Somali request; three hours later the person asks for a different peer, and routing offers it to
    Amina. A minute later it has waited one minute for its new peer, not longer than the window: not unmet yet."""
    org = OrganizationFactory()
    bo = peer_profile(org, name="Bo", languages=("en",), caseload_limit=5)
    amina = peer_profile(org, name="Amina", languages=("so",), caseload_limit=5, on_shift=False)
    with time_machine.travel(NOW, tick=False):
        request, _ = submit(language="so")
        request_route(request_id=request.pk)
        request_accept(request=request, peer=bo)
    amina.on_shift = True
    amina.save(update_fields=["on_shift"])
    with time_machine.travel(NOW + dt.timedelta(hours=3), tick=False):
        request_rematch(request=request, reason="would rather speak Somali")
        assert request_route(request_id=request.pk), "Amina is offered it"
    with time_machine.travel(NOW + dt.timedelta(hours=3, minutes=1), tick=False):
        total = matching_report().total
    assert (total.requests, total.matched) == (1, 0)
    assert total.unmet == 0


def test_a_supervisor_is_told_the_figures_are_every_organizations(submit: Submit, cast: Cast) -> None:
    """A person asks Peerway, not one organization, and unmet demand is the state's: the figures are everyone's,
    de-identified, and the page says so. Eleven Somali requests, every one taken by Prairie Light's peer: Riverbend's
    supervisor sees them counted, under a heading that names every organization."""
    pat = peer_profile(cast.other_org, name="Pat", languages=("so",), caseload_limit=SMALL_CELL + 1)
    for _ in range(SMALL_CELL):
        request, _ = submit(language="so", language_required=True)
        request_route(request_id=request.pk)
        request_accept(request=request, peer=pat)
    sam = Client()
    sam.force_login(cast.sam)
    body = _page(sam)
    assert "Every request made to Peerway since" in body
    assert "whichever organization" in body
    assert f"In all: {SMALL_CELL} requests" in body


def test_the_credential_flag_counts_only_the_readers_own_peers(cast: Cast) -> None:
    """Riverbend has no peers. Prairie Light has one, Pat, with no credential on record. Riverbend's supervisor
    reads "Peers without an active credential: 0 lapsed, 1 with none recorded (0 active)": a fact about another
    organization's staff member, and a count of 1 that every other figure Peerway publishes would hide."""
    peer_profile(cast.other_org, name="Pat")
    client = Client()
    client.force_login(cast.sam)
    assert 'id="credential-flag"' not in _page(client)
