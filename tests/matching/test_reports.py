"""The supervisors' matching report: concordance on lived experience, as on language and community; small language
groups that the total and the rows shown must not give away."""

from __future__ import annotations

import math
from collections.abc import Callable

from django.test import Client
from django.urls import reverse

from peerway.intake.models import HelpRequest
from peerway.intake.services import request_accept, request_route
from peerway.matching.reports import SMALL_CELL, MatchingReport, matching_report
from tests.factories import MembershipFactory, OrganizationFactory, peer_profile

Submit = Callable[..., tuple[HelpRequest, str]]


def test_the_matching_report_gives_concordance_on_lived_experience(submit: Submit) -> None:
    amina = peer_profile(OrganizationFactory(), name="Amina", lived_experience=("opioids",), caseload_limit=50)
    for _ in range(SMALL_CELL):
        request, _ = submit(lived_experience=("opioids",))
        request_route(request_id=request.pk)
        request_accept(request=request, peer=amina)
    report = matching_report()
    rows = {row.label: row for row in getattr(report, "by_lived_experience", [])}
    assert rows["Opioids"].concordance_percent == 100


def test_a_peer_who_does_not_share_the_experience_is_not_counted_as_concordant(submit: Submit) -> None:
    org = OrganizationFactory()
    amina = peer_profile(org, name="Amina", lived_experience=("opioids",), caseload_limit=50)
    bo = peer_profile(org, name="Bo", lived_experience=("alcohol",), caseload_limit=50)
    for peer in [amina, amina, amina, bo, bo]:
        request, _ = submit(lived_experience=("opioids",))
        request_route(request_id=request.pk)
        request_accept(request=request, peer=peer)
    rows = {row.label: row for row in matching_report().by_lived_experience}
    assert (rows["Opioids"].requests, rows["Opioids"].matched, rows["Opioids"].concordant) == (5, 5, 3)
    assert rows["Opioids"].concordance_percent == 60


def test_the_page_shows_lived_experience_and_suppresses_small_groups(submit: Submit) -> None:
    for _ in range(SMALL_CELL):
        submit(lived_experience=("opioids",))
    for _ in range(SMALL_CELL - 1):
        submit(lived_experience=("veteran",))
    client = Client()
    client.force_login(MembershipFactory(role="supervisor").user)
    body = client.get(reverse("matching:report")).content.decode()
    section = body[body.index("By lived experience") :]
    assert "Opioids" in section and f"<td>{SMALL_CELL}</td>" in section
    assert "Military service" in section and f"fewer than {SMALL_CELL}" in section
    assert f"<td>{SMALL_CELL - 1}</td>" not in section


# Every request has exactly one language, so the language rows add up to the total ("In all: ...") shown below them.


def _what_the_total_gives_away(report: MatchingReport) -> tuple[int, int, float]:
    """The hidden language rows' requests as a reader works them out (the total minus the rows shown), and the
    least and the most they could add up to from what the page says of each: "fewer than SMALL_CELL" is 1 to
    SMALL_CELL - 1, a row withheld to protect them SMALL_CELL or more, with no most."""
    hidden = [row for row in report.by_language if row.suppressed or row.withheld]
    shown = sum(row.requests for row in report.by_language if not (row.suppressed or row.withheld))
    least = sum(SMALL_CELL if row.withheld else 1 for row in hidden)
    most = math.inf if any(row.withheld for row in hidden) else len(hidden) * (SMALL_CELL - 1)
    return report.total.requests - shown, least, most


def _language_section(body: str) -> str:
    return body[body.index('id="report-language"') : body.index('id="report-community"')]


def test_two_small_languages_are_not_given_away_by_the_total(submit: Submit) -> None:
    for _ in range(10):
        submit(language="en")
    submit(language="so")
    submit(language="hmn")
    report = matching_report()
    rows = {row.label: row for row in report.by_language}
    # English's 10 and the total's 12 would give Somali + Hmong = 2: one each.
    assert rows["Somali"].suppressed and rows["Hmong"].suppressed and rows["English"].withheld
    assert not report.total.withheld
    hidden, least, most = _what_the_total_gives_away(report)
    assert hidden >= SMALL_CELL and least < hidden < most, (hidden, least, most)


def test_the_page_shows_neither_the_counts_nor_the_unmet_demand_of_two_small_languages(submit: Submit) -> None:
    amina = peer_profile(OrganizationFactory(), name="Amina", languages=("en",), caseload_limit=50)
    for _ in range(10):
        request, _ = submit(language="en")
        request_route(request_id=request.pk)
        request_accept(request=request, peer=amina)
    for language in ("so", "hmn"):
        request, _ = submit(language=language, language_required=True)
        request_route(request_id=request.pk)  # nobody speaks it: unmet
    client = Client()
    client.force_login(MembershipFactory(role="supervisor").user)
    body = " ".join(client.get(reverse("matching:report")).content.decode().split())
    # The total is shown; with English's row (10 requests, 0 unmet) it gave away one Somali and one Hmong request,
    # both unmet. No language row shows a count now.
    assert "In all: 12 requests, 10 matched, 2 unmet." in body
    section = _language_section(body)
    assert "<td>" not in section
    assert section.count(f"fewer than {SMALL_CELL}") == 2
    assert "not shown, so that a smaller group cannot be worked out from the total" in section


def test_many_single_requests_are_not_given_away_by_a_total_large_enough(submit: Submit) -> None:
    for _ in range(20):
        submit(language="en")
    for language in ("so", "hmn", "om", "ksw", "oj"):
        submit(language=language)
    report = matching_report()
    # Five groups of 1 add up to SMALL_CELL, but 25 - 20 over five groups gives each away as 1.
    assert {row.label: row.withheld for row in report.by_language}["English"]
    hidden, least, most = _what_the_total_gives_away(report)
    assert (hidden, least, most) == (25, 10, math.inf)


def test_two_languages_of_four_requests_are_not_given_away_by_their_sum(submit: Submit) -> None:
    for _ in range(6):
        submit(language="en")
    for language in ("so", "hmn"):
        for _ in range(SMALL_CELL - 1):
            submit(language=language)
    report = matching_report()
    # The total (14) minus English's 6 gives 8 for two groups of fewer than 5: only 4 + 4.
    rows = {row.label: row for row in report.by_language}
    assert rows["Somali"].suppressed and rows["Hmong"].suppressed and rows["English"].withheld
    assert not report.total.withheld
    hidden, least, most = _what_the_total_gives_away(report)
    assert (hidden, least, most) == (14, 7, math.inf)


def test_the_total_is_withheld_when_the_rows_it_could_hide_are_not_enough(submit: Submit) -> None:
    for _ in range(SMALL_CELL):
        submit(language="en")
    submit(language="om")
    report = matching_report()
    # English is withheld, but known to be at least SMALL_CELL: a total of SMALL_CELL + 1 would give Oromo's 1.
    assert {row.label: row.withheld for row in report.by_language}["English"]
    assert report.total.withheld
    client = Client()
    client.force_login(MembershipFactory(role="supervisor").user)
    body = client.get(reverse("matching:report")).content.decode()
    assert "In all:" not in body
