from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import time_machine
from django.test import Client
from django.urls import reverse

from peerway.intake.models import HelpRequest
from peerway.intake.services import request_accept, request_connect, request_erase, request_route, request_withdraw
from peerway.matching.reports import SMALL_CELL, matching_report
from tests.factories import MembershipFactory, OrganizationFactory, peer_profile

Submit = Callable[..., tuple[HelpRequest, str]]


def test_concordance_unmet_demand_and_time_to_a_peer_per_community(submit: Submit) -> None:
    org = OrganizationFactory()
    amina = peer_profile(org, name="Amina", languages=("so",), communities=("somali",), caseload_limit=50)
    start = dt.datetime(2026, 11, 20, 15, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        somali = [submit(language="so", language_required=True, communities=("somali",))[0] for _ in range(SMALL_CELL)]
        hmong = [submit(language="hmn", language_required=True, communities=("hmong",))[0] for _ in range(SMALL_CELL)]
        for request in somali + hmong:
            request_route(request_id=request.pk)
    with time_machine.travel(start + dt.timedelta(minutes=6), tick=False):
        for request in somali[:4]:
            request_accept(request=request, peer=amina)
    # First contact is when the peer reached the person, not when they accepted.
    with time_machine.travel(start + dt.timedelta(minutes=40), tick=False):
        for request in somali[:3]:
            request_connect(request=request, peer=amina)
    with time_machine.travel(start + dt.timedelta(hours=1), tick=False):
        report = matching_report(since=start - dt.timedelta(days=1))

    rows = {row.label: row for row in report.by_community}
    assert (rows["Somali"].requests, rows["Somali"].matched, rows["Somali"].concordant) == (SMALL_CELL, 4, 4)
    assert rows["Somali"].concordance_percent == 100
    assert rows["Somali"].median_minutes == 40.0
    assert rows["Somali"].unmet == SMALL_CELL - 4  # the others still wait, past the window
    assert (rows["Hmong"].matched, rows["Hmong"].unmet) == (0, SMALL_CELL)  # nobody speaks Hmong: all unmet
    languages = {row.label: row for row in report.by_language}
    assert languages["Hmong"].unmet == SMALL_CELL


def test_small_groups_are_suppressed_on_the_page(submit: Submit) -> None:
    for _ in range(SMALL_CELL - 1):
        submit(language="om", communities=("oromo",))
    supervisor = MembershipFactory(role="supervisor").user
    client = Client()
    client.force_login(supervisor)
    body = client.get(reverse("matching:report")).content.decode()
    assert "Oromo" in body
    assert f"fewer than {SMALL_CELL}" in body
    assert f"<td>{SMALL_CELL - 1}</td>" not in body


def test_requests_stopped_without_a_peer_still_count_as_unmet(submit: Submit) -> None:
    start = dt.datetime(2026, 11, 20, 15, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        hmong = [submit(language="hmn", language_required=True)[0] for _ in range(SMALL_CELL)]
        for request in hmong:
            request_route(request_id=request.pk)  # nobody speaks Hmong
    with time_machine.travel(start + dt.timedelta(minutes=3), tick=False):
        request_withdraw(request=hmong[0])
        request_erase(request=hmong[1])
    with time_machine.travel(start + dt.timedelta(hours=1), tick=False):
        report = matching_report(since=start - dt.timedelta(days=1))
    assert {row.label: row.unmet for row in report.by_language}["Hmong"] == SMALL_CELL


def test_a_person_who_erases_their_request_after_a_match_does_not_lower_the_concordance(submit: Submit) -> None:
    """Five people asked for a Somali speaker and a Somali-speaking peer took and reached every one; one of them
    later deletes what they entered. The request still counts as matched (its language, times and acceptance
    stay), so it must not turn into a match that shared nothing: the peer spoke Somali with all five."""
    org = OrganizationFactory()
    amina = peer_profile(org, name="Amina", languages=("so",), communities=("somali",), caseload_limit=50)
    start = dt.datetime(2026, 11, 20, 15, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        somali = [submit(language="so", language_required=True)[0] for _ in range(SMALL_CELL)]
        for request in somali:
            request_route(request_id=request.pk)
    with time_machine.travel(start + dt.timedelta(minutes=5), tick=False):
        for request in somali:
            request_accept(request=request, peer=amina)
            request_connect(request=request, peer=amina)
    with time_machine.travel(start + dt.timedelta(minutes=30), tick=False):
        request_erase(request=HelpRequest.objects.get(pk=somali[0].pk))
    with time_machine.travel(start + dt.timedelta(hours=1), tick=False):
        report = matching_report(since=start - dt.timedelta(days=1))
    row = {row.label: row for row in report.by_language}["Somali"]
    assert row.matched == SMALL_CELL
    assert row.concordance_percent == 100, f"{row.concordant} of {row.matched} shown as sharing Somali with their peer"
    # The erased one is in neither side of the share; the four others are.
    assert (row.compared, row.concordant) == (SMALL_CELL - 1, SMALL_CELL - 1)
    assert (report.total.matched, report.total.compared) == (SMALL_CELL, SMALL_CELL - 1)


def test_the_report_says_that_deleted_matches_are_not_in_the_share(submit: Submit) -> None:
    client = Client()
    client.force_login(MembershipFactory(role="supervisor").user)
    body = client.get(reverse("matching:report")).content.decode()
    assert "still counts as matched, but not in “Shared with their peer”" in body


def test_a_lone_small_language_cannot_be_worked_out_from_the_total(submit: Submit) -> None:
    for _ in range(SMALL_CELL + 2):
        submit(language="en")
    for _ in range(2):
        submit(language="om")
    report = matching_report()
    rows = {row.label: row for row in report.by_language}
    assert rows["Oromo"].suppressed and rows["English"].withheld
    supervisor = MembershipFactory(role="supervisor").user
    client = Client()
    client.force_login(supervisor)
    body = client.get(reverse("matching:report")).content.decode()
    # The total is shown, so English's count must not be: the total minus English's would give Oromo's 2.
    assert f"<td>{SMALL_CELL + 2}</td>" not in body
    assert f"In all: {SMALL_CELL + 4} requests" in body


def test_a_small_total_is_withheld(submit: Submit) -> None:
    for _ in range(SMALL_CELL - 1):
        submit(language="en")
    assert matching_report().total.withheld


def test_a_request_is_unmet_once_it_waits_past_the_escalation_window_it_was_given(submit: Submit) -> None:
    """Unmet demand counts the requests that waited longer than the window: the escalation window of the
    organizations whose peers were offered it (the shortest, as escalation reads it), else the default 5 minutes."""
    patient = OrganizationFactory(escalation_minutes=20)
    quick = OrganizationFactory(escalation_minutes=3)
    peer_profile(patient, name="Amina", languages=("so",), caseload_limit=50)
    peer_profile(quick, name="Hodan", languages=("om",), caseload_limit=50)
    start = dt.datetime(2026, 11, 20, 15, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        somali = [submit(language="so", language_required=True)[0] for _ in range(SMALL_CELL)]
        oromo = [submit(language="om", language_required=True)[0] for _ in range(SMALL_CELL)]
        for request in somali + oromo:
            request_route(request_id=request.pk)
        for _ in range(SMALL_CELL):
            submit(language="hmn")  # its routing job has not run: offered to nobody yet
    assert {r.status for r in HelpRequest.objects.filter(pk__in=[r.pk for r in somali + oromo])} == {"offered"}

    def unmet(minutes: int) -> dict[str, int]:
        with time_machine.travel(start + dt.timedelta(minutes=minutes), tick=False):
            report = matching_report(since=start - dt.timedelta(days=1))
        return {row.label: row.unmet for row in report.by_language}

    assert unmet(2) == {"Somali": 0, "Oromo": 0, "Hmong": 0}
    assert unmet(10) == {"Somali": 0, "Oromo": SMALL_CELL, "Hmong": SMALL_CELL}
    assert unmet(25) == {"Somali": SMALL_CELL, "Oromo": SMALL_CELL, "Hmong": SMALL_CELL}
    # A window given explicitly still applies to every request alike.
    with time_machine.travel(start + dt.timedelta(minutes=10), tick=False):
        report = matching_report(since=start - dt.timedelta(days=1), window=dt.timedelta(minutes=15))
    assert report.total.unmet == 0


def test_the_report_says_what_unmet_means(submit: Submit) -> None:
    client = Client()
    client.force_login(MembershipFactory(role="supervisor").user)
    body = client.get(reverse("matching:report")).content.decode()
    assert "none took it within the escalation window of the organizations whose peers were offered it" in body
    assert "(5 minutes unless an organization set its own)" in body
