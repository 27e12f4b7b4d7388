"""The supervisors' matching report: concordance on lived experience, as on language and community; small language
groups that the total and the rows shown must not give away."""

from __future__ import annotations

import math
from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from peerway.intake.models import HelpRequest
from peerway.intake.services import request_accept, request_route
from peerway.matching import reports
from peerway.matching.reports import SMALL_CELL, MatchingReport, Row, matching_report
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
    for _ in range(2 * SMALL_CELL):
        submit(language="en")
    submit(language="so")
    submit(language="hmn")
    report = matching_report()
    rows = {row.label: row for row in report.by_language}
    # English's count and the total would give Somali + Hmong = 2: one each.
    assert rows["Somali"].suppressed and rows["Hmong"].suppressed and rows["English"].withheld
    assert not report.total.withheld
    hidden, least, most = _what_the_total_gives_away(report)
    assert hidden >= SMALL_CELL and least < hidden < most, (hidden, least, most)


def test_the_page_shows_neither_the_counts_nor_the_unmet_demand_of_two_small_languages(submit: Submit) -> None:
    amina = peer_profile(OrganizationFactory(), name="Amina", languages=("en",), caseload_limit=50)
    for _ in range(2 * SMALL_CELL):
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
    assert f"In all: {2 * SMALL_CELL + 2} requests, {2 * SMALL_CELL} matched, 2 unmet." in body
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
    # 25 - 20 over five groups gives each away as 1.
    assert {row.label: row.withheld for row in report.by_language}["English"]
    hidden, least, most = _what_the_total_gives_away(report)
    assert (hidden, least, most) == (25, SMALL_CELL + 5, math.inf)


def test_two_languages_of_four_requests_are_not_given_away_by_their_sum(submit: Submit) -> None:
    for _ in range(SMALL_CELL + 1):
        submit(language="en")
    for language in ("so", "hmn"):
        for _ in range(SMALL_CELL - 1):
            submit(language=language)
    report = matching_report()
    # The total minus English's count gives 2 x (SMALL_CELL - 1) for two groups of fewer than SMALL_CELL: only
    # SMALL_CELL - 1 each.
    rows = {row.label: row for row in report.by_language}
    assert rows["Somali"].suppressed and rows["Hmong"].suppressed and rows["English"].withheld
    assert not report.total.withheld
    hidden, least, most = _what_the_total_gives_away(report)
    assert (hidden, least, most) == (3 * SMALL_CELL - 1, SMALL_CELL + 2, math.inf)


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


# ---------------------------------------------------------------- the whole report on varied data


def _varied_requests() -> None:
    """Requests in every state the report tells apart: matched (reached or not yet, closed since), unmatched and
    still open (fresh, waiting past the window, routed without a feasible peer), withdrawn (soon, late, with no
    time of closing), closed without a peer, and outside the period; with accepted offers whose explanations
    share all, some or none of what was asked, two accepted offers (the latest counts) and declined ones."""
    import datetime as dt
    import secrets

    from django.utils import timezone

    from peerway.core.models import Community, Language, LivedExperience
    from peerway.intake.models import Offer

    org = OrganizationFactory()
    amina = peer_profile(org, name="Amina", languages=("so", "en"), communities=("somali",))
    bo = peer_profile(org, name="Bo", languages=("en",), lived_experience=("alcohol",))
    now = timezone.now()
    minute = dt.timedelta(minutes=1)
    share_all = {"languages": ["so", "en"], "communities": ["somali", "hmong"], "lived_experience": ["opioids"]}
    share_language = {"languages": ["en", "hmn"], "communities": [], "lived_experience": []}
    # state: status, accepted after, connected after, closed after (minutes; None: not), routing note, offers
    states = {
        "reached": ("connected", 3, 12, None, {}, [("accepted", share_all)]),
        "reached_slowly": ("connected", 10, 95, None, {}, [("accepted", share_language)]),
        "accepted": ("accepted", 4, None, None, {}, [("accepted", {})]),
        "closed_matched": ("closed", 2, 30, 600, {}, [("declined", share_all), ("accepted", share_language)]),
        "two_accepted": ("connected", 5, 7, None, {}, [("accepted", share_language), ("accepted*", share_all)]),
        "open_fresh": ("received", None, None, None, {}, []),
        "open_waited": ("offered", None, None, None, {}, [("declined", share_all)]),
        "open_noted": ("received", None, None, None, {"code": "no_feasible_peer"}, []),
        "withdrawn_soon": ("withdrawn", None, None, 5, {}, []),
        "withdrawn_late": ("withdrawn", None, None, 60, {}, []),
        "withdrawn_noted": ("withdrawn", None, None, 5, {"code": "no_feasible_peer"}, []),
        "withdrawn_unclosed": ("withdrawn", None, None, None, {}, []),
        "closed_unmatched": ("closed", None, None, 30, {}, []),
    }
    requests = [
        # language, communities, lived experience, state, minutes ago, number
        ("en", ("somali",), ("opioids",), "reached", 600, 4),
        ("en", (), ("alcohol",), "reached_slowly", 3000, 2),
        ("en", ("hmong", "somali"), (), "accepted", 200, 1),
        ("en", (), (), "open_fresh", 5, 1),
        ("en", (), ("opioids",), "reached", 120, 5),
        ("en", ("somali",), ("opioids",), "two_accepted", 900, 1),
        ("so", ("somali",), ("opioids", "alcohol"), "closed_matched", 20000, 3),
        ("so", ("somali",), (), "open_waited", 2000, 2),
        ("so", (), ("opioids",), "withdrawn_late", 400, 1),
        ("so", (), (), "withdrawn_soon", 300, 1),
        ("hmn", ("hmong",), (), "open_noted", 5, 1),
        ("hmn", ("hmong",), ("opioids",), "withdrawn_unclosed", 4000, 1),
        ("hmn", ("hmong",), (), "withdrawn_noted", 700, 1),
        ("om", ("oromo", "somali"), ("parenting",), "closed_unmatched", 800, 2),
        ("om", (), ("parenting",), "reached", 100, 1),
        ("es", (), (), "reached", 60 * 24 * 100, 3),  # outside the 90 days
    ]
    peers = [amina, bo]
    for language, communities, lived, state, minutes_ago, number in requests:
        status, accepted, connected, closed, note, offers = states[state]
        for index in range(number):
            created = now - minutes_ago * minute - index * minute
            request = HelpRequest.objects.create(
                status_token_hash=secrets.token_hex(32),
                status_token_expires_at=now + dt.timedelta(days=1),
                contact_method="call",
                phone="(612) 555-0100",
                first_name="Private",
                language=Language.objects.get(slug=language),
                consent_to_contact=True,
            )
            HelpRequest.objects.filter(pk=request.pk).update(
                created_at=created,
                status=status,
                accepted_at=created + accepted * minute if accepted is not None else None,
                connected_at=created + (connected + 3 * index) * minute if connected is not None else None,
                closed_at=created + closed * minute if closed is not None else None,
                routing_note=note,
            )
            request.communities.set(Community.objects.filter(slug__in=communities))
            request.lived_experience.set(LivedExperience.objects.filter(slug__in=lived))
            for number_, (offer_status, explanation) in enumerate(offers):
                Offer.objects.create(
                    request=request,
                    peer=peers[number_ % 2],
                    score=1.0,
                    explanation=explanation,
                    status=offer_status.rstrip("*"),
                    # The latest accepted offer is the one counted: "accepted*" is offered last.
                    offered_at=created + (number_ + 1) * minute,
                )


def _report_as_data(report: MatchingReport) -> dict[str, list[tuple[object, ...]]]:
    def row(row: Row) -> tuple[object, ...]:
        return (
            row.label,
            row.requests,
            row.matched,
            row.concordant,
            row.unmet,
            row.median_minutes,
            row.concordance_percent,
            row.suppressed,
            row.withheld,
        )

    return {
        "total": [row(report.total)],
        "language": [row(r) for r in report.by_language],
        "community": [row(r) for r in report.by_community],
        "lived_experience": [row(r) for r in report.by_lived_experience],
    }


# label, requests, matched, concordant, unmet, median minutes to first contact, concordance %, suppressed, withheld
Shown = tuple[str, int, int, int, int, float | None, int | None, bool, bool]
LAST_90_DAYS: dict[str, list[Shown]] = {
    # unmet: open_waited 2, open_noted, withdrawn_late, withdrawn_unclosed, withdrawn_noted; not open_fresh (5
    # minutes), withdrawn_soon (5 minutes), closed_unmatched
    "total": [("", 27, 17, 12, 6, 19.5, 71, False, False)],
    "language": [
        ("English", 14, 13, 12, 0, 18.0, 92, False, False),
        ("Somali", 7, 3, 0, 3, 33.0, 0, False, False),
        ("Hmong", 3, 0, 0, 3, None, None, True, False),
        ("Oromo", 3, 1, 0, 0, 12.0, 0, True, False),
    ],
    # two_accepted counts its latest accepted offer, which shares Somali; closed_matched's shares no community
    "community": [
        ("Somali", 13, 9, 5, 2, 19.5, 56, False, False),
        ("Hmong", 4, 1, 0, 3, None, 0, True, False),
        ("Oromo", 2, 0, 0, 0, None, None, True, False),
    ],
    "lived_experience": [
        ("Opioids", 15, 13, 10, 2, 18.0, 77, False, False),
        ("Alcohol", 5, 5, 0, 0, 36.0, 0, False, False),
        ("Parenting in recovery", 3, 1, 0, 0, 12.0, 0, True, False),
    ],
}
WINDOW_OF_2_MINUTES: dict[str, list[Shown]] = {
    # open_fresh and withdrawn_soon waited longer than 2 minutes: unmet too
    "total": [("", 27, 17, 12, 8, 19.5, 71, False, False)],
    "language": [
        ("English", 14, 13, 12, 1, 18.0, 92, False, False),
        ("Somali", 7, 3, 0, 4, 33.0, 0, False, False),
        ("Hmong", 3, 0, 0, 3, None, None, True, False),
        ("Oromo", 3, 1, 0, 0, 12.0, 0, True, False),
    ],
    "community": LAST_90_DAYS["community"],
    "lived_experience": LAST_90_DAYS["lived_experience"],
}
LAST_150_MINUTES: dict[str, list[Shown]] = {
    "total": [("", 8, 6, 5, 1, 16.5, 83, False, False)],
    # 8 - 6 would give Hmong and Oromo away as one request each: English is withheld too
    "language": [
        ("English", 6, 5, 5, 0, 18.0, 100, False, True),
        ("Hmong", 1, 0, 0, 1, None, None, True, False),
        ("Oromo", 1, 1, 0, 0, 12.0, 0, True, False),
    ],
    "community": [("Hmong", 1, 0, 0, 1, None, None, True, False)],
    "lived_experience": [
        ("Opioids", 5, 5, 5, 0, 18.0, 100, False, False),
        ("Parenting in recovery", 1, 1, 0, 0, 12.0, 0, True, False),
    ],
}
LAST_60_MINUTES: dict[str, list[Shown]] = {
    "total": [("", 2, 0, 0, 1, None, None, True, True)],  # every row is small: so is the total, withheld
    "language": [
        ("English", 1, 0, 0, 0, None, None, True, False),
        ("Hmong", 1, 0, 0, 1, None, None, True, False),
    ],
    "community": [("Hmong", 1, 0, 0, 1, None, None, True, False)],
    "lived_experience": [],
}
LAST_YEAR_WINDOW_OF_2_HOURS: dict[str, list[Shown]] = {
    # Spanish, 100 days old, is in; withdrawn_late (an hour) is no longer unmet
    "total": [("", 30, 20, 12, 5, 18.0, 60, False, False)],
    "language": [
        ("English", 14, 13, 12, 0, 18.0, 92, False, False),
        ("Somali", 7, 3, 0, 2, 33.0, 0, False, False),
        ("Hmong", 3, 0, 0, 3, None, None, True, False),
        ("Oromo", 3, 1, 0, 0, 12.0, 0, True, False),
        ("Spanish", 3, 3, 0, 0, 15.0, 0, True, False),
    ],
    "community": LAST_90_DAYS["community"],
    "lived_experience": [
        ("Opioids", 15, 13, 10, 1, 18.0, 77, False, False),
        ("Alcohol", 5, 5, 0, 0, 36.0, 0, False, False),
        ("Parenting in recovery", 3, 1, 0, 0, 12.0, 0, True, False),
    ],
}


def test_the_whole_report_on_varied_data(db: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """The expected rows are worked out for a threshold of 5, so that this small data set has rows both shown and
    suppressed; the tests above check the threshold Peerway publishes with."""
    import datetime as dt

    from django.utils import timezone

    monkeypatch.setattr(reports, "SMALL_CELL", 5)
    _varied_requests()
    now = timezone.now()
    for since, window, expected in [
        (None, dt.timedelta(minutes=15), LAST_90_DAYS),
        (None, dt.timedelta(minutes=2), WINDOW_OF_2_MINUTES),
        (now - dt.timedelta(minutes=150), dt.timedelta(minutes=15), LAST_150_MINUTES),
        (now - dt.timedelta(minutes=60), dt.timedelta(minutes=15), LAST_60_MINUTES),
        (now - dt.timedelta(days=365), dt.timedelta(hours=2), LAST_YEAR_WINDOW_OF_2_HOURS),
    ]:
        assert _report_as_data(matching_report(since=since, window=window)) == expected, (since, window)


def test_the_report_builds_no_request_or_offer_and_its_queries_do_not_grow(submit: Submit) -> None:
    """Counted from the requests' columns, their terms and their accepted offers' explanations: no request or
    offer is built as a model instance (their encrypted fields decrypted), however many the period has."""
    from django.db import connection
    from django.db.models.signals import post_init
    from django.test.utils import CaptureQueriesContext

    from peerway.intake.models import Offer

    client = Client()
    client.force_login(MembershipFactory(role="supervisor").user)
    amina = peer_profile(OrganizationFactory(), name="Amina", communities=("somali",), caseload_limit=50)

    def add(number: int) -> None:
        for index in range(number):
            request, _ = submit(communities=("somali",), lived_experience=("opioids",))
            if index % 2:
                request_route(request_id=request.pk)
                request_accept(request=request, peer=amina)

    def built_and_queries() -> tuple[int, int]:
        built = [0]

        def count(sender: object, **kwargs: object) -> None:
            built[0] += 1

        post_init.connect(count, sender=HelpRequest)
        post_init.connect(count, sender=Offer)
        try:
            with CaptureQueriesContext(connection) as queries:
                assert client.get(reverse("matching:report")).status_code == 200
        finally:
            post_init.disconnect(count, sender=HelpRequest)
            post_init.disconnect(count, sender=Offer)
        return built[0], len(queries)

    add(3)
    few = built_and_queries()
    add(6)
    many = built_and_queries()
    assert many[0] == 0 and many == few


def test_a_count_the_workforce_page_hides_is_not_shown_exactly_to_the_same_analyst(submit: Submit) -> None:
    # The state analyst read "Somali <11" requests on the supply page and "Somali 7" here for the same period: the
    # two pages must hide the same small groups, or one gives away what the other protects.
    from peerway.workforce.supply import supply_demand

    for _ in range(20):
        submit(language="en")
    for _ in range(7):
        submit(language="so")
    somali = next(row for row in supply_demand().facet("language") if row.key == "so")
    assert somali.demand_shown == "<11"
    analyst = MembershipFactory(role="analyst", organization=OrganizationFactory(kind="state_agency")).user
    client = Client()
    client.force_login(analyst)
    response = client.get(reverse("matching:report"))
    assert response.status_code == 200
    section = _language_section(" ".join(response.content.decode().split()))
    somali_row = section[section.index(">Somali<") :][:200]
    assert "<td>7</td>" not in somali_row, somali_row
    assert f"fewer than {SMALL_CELL}" in somali_row, somali_row
