"""Supervision sessions: validation, totals per month against the payer's and the credentials' requirements."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from peerway.accounts.models import User
from peerway.certification import services as certification
from peerway.organizations.models import Organization
from peerway.workforce.models import SupervisionSession
from peerway.workforce.pathway import peer_record
from peerway.workforce.supervision import (
    MINUTES_A_DAY,
    Supervisee,
    month_bounds,
    payer_rules,
    session_errors,
    supervisee_get,
    supervisee_totals,
    supervisees_for_user,
    supervision_session_add,
    supervision_totals,
)
from tests.factories import MembershipFactory
from tests.helpers import Cast
from tests.workforce.credentials_helpers import credential, credential_type

TODAY = dt.date(2026, 11, 23)


@pytest.fixture(autouse=True)
def _today() -> object:
    with time_machine.travel(dt.datetime(2026, 11, 23, 15, 0, tzinfo=dt.UTC), tick=False) as traveller:
        yield traveller


def _alice(cast: Cast):  # type: ignore[no-untyped-def]
    return supervisees_for_user(cast.sam)[0]


def test_supervisees_are_the_peers_of_the_organizations_one_supervises(cast: Cast) -> None:
    assert [s.user for s in supervisees_for_user(cast.sam)] == [cast.alice]
    # Olive is peer and supervisor in her organization: she is not her own supervisee.
    assert supervisees_for_user(cast.olive) == []
    assert supervisees_for_user(cast.alice) == []


@pytest.mark.parametrize(
    ("held_on", "minutes", "field"),
    [
        (TODAY, -30, "minutes"),
        (TODAY, 0, "minutes"),
        (TODAY, 1441, "minutes"),
        (TODAY + dt.timedelta(days=1), 60, "held_on"),
    ],
)
def test_bad_sessions_are_refused_with_a_message(cast: Cast, held_on: dt.date, minutes: int, field: str) -> None:
    with pytest.raises(ValidationError) as error:
        supervision_session_add(supervisor=cast.sam, supervisee=_alice(cast), held_on=held_on, minutes=minutes)
    assert field in error.value.message_dict
    assert not SupervisionSession.objects.exists()


def test_more_than_24_hours_in_a_day_across_sessions_is_refused(cast: Cast) -> None:
    supervision_session_add(supervisor=cast.sam, supervisee=_alice(cast), held_on=TODAY, minutes=1000)
    with pytest.raises(ValidationError) as error:
        supervision_session_add(supervisor=cast.sam, supervisee=_alice(cast), held_on=TODAY, minutes=500)
    assert "1000 minutes already recorded" in error.value.message_dict["minutes"][0]


def _alice_at_both(cast: Cast) -> tuple[Supervisee, Supervisee]:
    """Alice as a peer at Riverbend (supervisor Sam) and at Prairie Light (supervisor Olive)."""
    MembershipFactory(user=cast.alice, organization=cast.other_org, role="peer")
    at_prairie = next(s for s in supervisees_for_user(cast.olive) if s.user == cast.alice)
    return _alice(cast), at_prairie


def test_the_daily_limit_counts_another_rcos_sessions_without_telling_their_minutes(cast: Cast) -> None:
    at_riverbend, at_prairie = _alice_at_both(cast)
    supervision_session_add(supervisor=cast.olive, supervisee=at_prairie, held_on=TODAY, minutes=1000)
    supervision_session_add(supervisor=cast.sam, supervisee=at_riverbend, held_on=TODAY, minutes=300)
    with pytest.raises(ValidationError) as error:
        supervision_session_add(supervisor=cast.sam, supervisee=at_riverbend, held_on=TODAY, minutes=200)
    [message] = error.value.message_dict["minutes"]
    assert message == "This is more than 24 hours with the supervision already recorded for this peer that day."
    assert "1000" not in message and "1300" not in message
    assert SupervisionSession.objects.filter(organization=cast.org).count() == 1


def test_the_daily_limit_states_only_the_minutes_of_the_supervisors_own_organization(cast: Cast) -> None:
    at_riverbend, at_prairie = _alice_at_both(cast)
    supervision_session_add(supervisor=cast.olive, supervisee=at_prairie, held_on=TODAY, minutes=100)
    supervision_session_add(supervisor=cast.sam, supervisee=at_riverbend, held_on=TODAY, minutes=1000)
    with pytest.raises(ValidationError) as error:
        supervision_session_add(supervisor=cast.sam, supervisee=at_riverbend, held_on=TODAY, minutes=500)
    [message] = error.value.message_dict["minutes"]
    assert "With the 1000 minutes already recorded that day" in message and "1100" not in message
    # Olive's organization sees its own 100 minutes, never Riverbend's 1000.
    with pytest.raises(ValidationError) as error:
        supervision_session_add(supervisor=cast.olive, supervisee=at_prairie, held_on=TODAY, minutes=400)
    [message] = error.value.message_dict["minutes"]
    assert "1000" not in message and "1100" not in message and "already recorded for this peer" in message


def test_the_supervision_page_does_not_tell_another_rcos_minutes(cast: Cast) -> None:
    at_riverbend, at_prairie = _alice_at_both(cast)
    supervision_session_add(supervisor=cast.olive, supervisee=at_prairie, held_on=TODAY, minutes=1000)
    client = Client()
    client.force_login(cast.sam)
    response = client.post(
        reverse("career:supervision"),
        {"supervisee": at_riverbend.key, "held_on": TODAY.isoformat(), "minutes": "500", "format": "individual"},
    )
    assert response.status_code == 400
    page = " ".join(response.content.decode().split())
    assert "more than 24 hours with the supervision already recorded for this peer that day" in page
    assert "1000" not in page
    assert not SupervisionSession.objects.filter(organization=cast.org).exists()


def test_the_supervision_page_tells_the_supervisor_their_own_organizations_minutes(cast: Cast) -> None:
    at_riverbend, _ = _alice_at_both(cast)
    supervision_session_add(supervisor=cast.sam, supervisee=at_riverbend, held_on=TODAY, minutes=1000)
    client = Client()
    client.force_login(cast.sam)
    response = client.post(
        reverse("career:supervision"),
        {"supervisee": at_riverbend.key, "held_on": TODAY.isoformat(), "minutes": "500", "format": "individual"},
    )
    assert response.status_code == 400
    assert "With the 1000 minutes already recorded that day" in " ".join(response.content.decode().split())


def test_session_errors_without_an_organization_state_no_minutes(cast: Cast) -> None:
    at_riverbend, at_prairie = _alice_at_both(cast)
    supervision_session_add(supervisor=cast.olive, supervisee=at_prairie, held_on=TODAY, minutes=1000)
    supervision_session_add(supervisor=cast.sam, supervisee=at_riverbend, held_on=TODAY, minutes=300)
    errors = session_errors(peer=cast.alice, held_on=TODAY, minutes=200)
    assert "1000" not in errors["minutes"] and "1300" not in errors["minutes"] and "300" not in errors["minutes"]
    own = session_errors(peer=cast.alice, held_on=TODAY, minutes=200, organization=cast.org)
    assert own == errors
    # Under 24 hours in all, nothing is refused, whoever asks.
    assert session_errors(peer=cast.alice, held_on=TODAY, minutes=140, organization=cast.org) == {}
    assert session_errors(peer=cast.alice, held_on=TODAY, minutes=140) == {}


def test_unknown_topics_are_refused(cast: Cast) -> None:
    with pytest.raises(ValidationError) as error:
        supervision_session_add(
            supervisor=cast.sam, supervisee=_alice(cast), held_on=TODAY, minutes=60, topics=["astrology"]
        )
    assert "topics" in error.value.message_dict


def test_totals_against_the_payer_rule_and_the_credential_requirement(cast: Cast) -> None:
    payer = payer_rules()[0]
    assert payer.illustrative and payer.minutes_per_month == 240 and payer.individual_minutes_per_month == 60
    # Alice holds CPRS; its reciprocal level CPRSR asks 25 supervision hours.
    credential(cast.alice, expires_on=dt.date(2028, 1, 1))
    alice = _alice(cast)
    supervision_session_add(supervisor=cast.sam, supervisee=alice, held_on=dt.date(2026, 10, 20), minutes=600)
    supervision_session_add(
        supervisor=cast.sam, supervisee=alice, held_on=dt.date(2026, 11, 2), minutes=45, topics=["ethics_boundaries"]
    )
    supervision_session_add(
        supervisor=cast.sam, supervisee=alice, held_on=dt.date(2026, 11, 9), minutes=120, format="group"
    )
    start, end = month_bounds("2026-11")
    totals = supervision_totals(cast.alice, start, end)
    assert (totals.minutes, totals.individual_minutes, totals.group_minutes) == (165, 45, 120)
    lines = {line.key: line for line in totals.lines}
    payer_line = lines["payer:mn-dhs-mhcp"]
    assert (payer_line.have, payer_line.need, payer_line.met) == (Decimal("2.75"), Decimal("4.00"), False)
    individual = lines["payer:mn-dhs-mhcp:individual"]
    assert (individual.have, individual.need, individual.met) == (Decimal("0.75"), Decimal("1.00"), False)
    cprsr = lines[f"credential:{credential_type('CPRSR').pk}"]
    # To date (October's 600 minutes count toward the credential): 12.75 of 25 hours.
    assert (cprsr.have, cprsr.need, cprsr.met) == (Decimal("12.75"), Decimal(25), False)
    assert len(totals.gaps) == 3
    supervision_session_add(supervisor=cast.sam, supervisee=alice, held_on=dt.date(2026, 11, 10), minutes=800)
    totals = supervision_totals(cast.alice, start, end)
    assert [line.key for line in totals.gaps] == []


def test_an_application_adds_its_credential_requirement(cast: Cast) -> None:
    certification.application_create(applicant=cast.alice, credential_type=credential_type("CPRSR"))
    start, end = month_bounds(None)
    assert start == dt.date(2026, 11, 1) and end == dt.date(2026, 11, 30)
    keys = [line.key for line in supervision_totals(cast.alice, start, end).lines]
    assert f"credential:{credential_type('CPRSR').pk}" in keys


def test_supervisor_page_records_and_shows_gaps(cast: Cast) -> None:
    client = Client()
    client.force_login(cast.sam)
    key = _alice(cast).key
    response = client.post(
        reverse("career:supervision"),
        {"supervisee": key, "held_on": "2026-11-24", "minutes": "90", "format": "individual", "notes": "kept"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "The date cannot be in the future." in page and "kept" in page
    response = client.post(
        reverse("career:supervision"),
        {"supervisee": key, "held_on": "2026-11-20", "minutes": "90", "format": "group", "topics": ["self_care"]},
    )
    assert response.status_code == 302
    session = SupervisionSession.objects.get()
    assert (session.peer, session.supervisor, session.minutes, session.topics) == (
        cast.alice,
        cast.sam,
        90,
        ["self_care"],
    )
    page = " ".join(client.get(reverse("career:supervision")).content.decode().split())
    assert "Alice" in page and "1.5 of 4 hours" in page
    # Alice sees her own totals; Olive, of another organization, cannot record for Alice.
    alice = Client()
    alice.force_login(cast.alice)
    assert "1.5 hours this month" in " ".join(alice.get(reverse("career:supervision")).content.decode().split())
    olive = Client()
    olive.force_login(cast.olive)
    response = olive.post(
        reverse("career:supervision"), {"supervisee": key, "held_on": "2026-11-20", "minutes": "30", "format": "group"}
    )
    assert response.status_code == 400 and SupervisionSession.objects.count() == 1
    with pytest.raises(Exception):  # noqa: B017 - Http404
        supervisee_get(cast.olive, key)


@pytest.mark.parametrize("month", ["0001-01", "0001-12"])
def test_a_month_of_year_one_falls_back_to_the_current_month(cast: Cast, month: str) -> None:
    client = Client(raise_request_exception=False)
    client.force_login(cast.sam)
    response = client.get(reverse("career:supervision"), {"month": month})
    assert response.status_code == 200
    assert 'href="?month=2026-10"' in response.content.decode()
    assert month_bounds(month) == (dt.date(2026, 11, 1), dt.date(2026, 11, 30))


def test_supervisor_totals_do_not_include_another_rcos_sessions(cast: Cast) -> None:
    # Alice is a peer at Riverbend (supervisor Sam) and at Prairie Light (supervisor Olive).
    MembershipFactory(user=cast.alice, organization=cast.other_org, role="peer")
    at_prairie = next(s for s in supervisees_for_user(cast.olive) if s.user == cast.alice)
    supervision_session_add(supervisor=cast.olive, supervisee=at_prairie, held_on=dt.date(2026, 11, 20), minutes=600)
    supervision_session_add(supervisor=cast.sam, supervisee=_alice(cast), held_on=dt.date(2026, 11, 21), minutes=45)
    start, end = dt.date(2026, 11, 1), dt.date(2026, 11, 30)
    [riverbend_row] = supervisee_totals(cast.sam, start, end)
    assert riverbend_row.organization == cast.org
    assert riverbend_row.minutes == 45
    [prairie_row] = supervisee_totals(cast.olive, start, end)
    assert (prairie_row.organization, prairie_row.minutes) == (cast.other_org, 600)
    # Alice's own totals count every session, whichever organization logged it.
    assert supervision_totals(cast.alice, start, end).minutes == 645
    sam = Client()
    sam.force_login(cast.sam)
    page = " ".join(sam.get(reverse("career:supervision")).content.decode().split())
    assert "0.75 of 4 hours" in page and "10.75" not in page


def test_supervisor_totals_toward_a_credential_count_only_their_organizations_sessions(cast: Cast) -> None:
    credential(cast.alice, expires_on=dt.date(2028, 1, 1))
    MembershipFactory(user=cast.alice, organization=cast.other_org, role="peer")
    at_prairie = next(s for s in supervisees_for_user(cast.olive) if s.user == cast.alice)
    supervision_session_add(supervisor=cast.olive, supervisee=at_prairie, held_on=dt.date(2026, 10, 20), minutes=600)
    supervision_session_add(supervisor=cast.sam, supervisee=_alice(cast), held_on=dt.date(2026, 11, 2), minutes=60)
    start, end = month_bounds("2026-11")
    key = f"credential:{credential_type('CPRSR').pk}"
    [riverbend_row] = supervisee_totals(cast.sam, start, end)
    assert {line.key: line.have for line in riverbend_row.lines}[key] == Decimal("1.00")
    # The peer's own view, and her career pathway, count supervision from every employer.
    own = supervision_totals(cast.alice, start, end)
    assert {line.key: line.have for line in own.lines}[key] == Decimal("11.00")
    assert peer_record(cast.alice).supervision_hours == Decimal("11.00")


def _peer_at(organization: Organization, name: str) -> User:
    return MembershipFactory(organization=organization, role="peer", user__first_name=name).user


def _session(
    supervisor: User, peer: User, organization: Organization, held_on: dt.date, minutes: int, **kw: str
) -> None:
    SupervisionSession.objects.create(
        organization=organization, supervisor=supervisor, peer=peer, held_on=held_on, minutes=minutes, **kw
    )


def _team_page_queries(cast: Cast) -> tuple[int, str]:
    client = Client()
    client.force_login(cast.sam)
    url = reverse("career:supervision")
    client.get(url)  # warm the session and the caches
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured.captured_queries), " ".join(response.content.decode().split())


def _supervisees_with_supervision(cast: Cast, count: int) -> None:
    """``count`` more peers of Sam's organization, each with sessions this month and before; every other one
    holds CPRS (its reciprocal level CPRSR asks supervision), the others applied for Delaware's CPRS."""
    for index in range(count):
        peer = _peer_at(cast.org, f"Peer{index}")
        _session(cast.sam, peer, cast.org, dt.date(2026, 11, 2), 30 + index)
        _session(cast.sam, peer, cast.org, dt.date(2026, 10, 2), 60, format="group")
        if index % 2:
            credential(peer, expires_on=dt.date(2028, 1, 1))
        else:
            certification.application_create(applicant=peer, credential_type=credential_type("CPRS", "de-dcb"))


def test_the_supervision_page_takes_as_many_queries_for_many_supervisees_as_for_few(cast: Cast) -> None:
    # Alice is a supervisee too: 4 supervisees, then 10.
    _supervisees_with_supervision(cast, 3)
    few, page = _team_page_queries(cast)
    assert "Peer2" in page
    _supervisees_with_supervision(cast, 6)
    many, page = _team_page_queries(cast)
    assert page.count('<th scope="row">') == 10
    assert many == few, f"4 supervisees: {few} queries, 10 supervisees: {many} queries"


def test_batched_totals_are_those_of_supervision_totals_one_by_one(cast: Cast) -> None:
    # Sue supervises at both RCOs; Alice and Bea are peers at both, Cal only at Riverbend, Olive only at Prairie
    # Light. Each row of Sue's team counts only the sessions of the organization named in it.
    sue = MembershipFactory(organization=cast.org, role="supervisor", user__first_name="Sue").user
    MembershipFactory(user=sue, organization=cast.other_org, role="supervisor")
    MembershipFactory(user=cast.alice, organization=cast.other_org, role="peer")
    bea = _peer_at(cast.org, "Bea")
    MembershipFactory(user=bea, organization=cast.other_org, role="peer")
    cal = _peer_at(cast.org, "Cal")
    credential(cast.alice, expires_on=dt.date(2028, 1, 1))
    certification.application_create(applicant=cast.alice, credential_type=credential_type("CPRS", "de-dcb"))
    certification.application_create(applicant=bea, credential_type=credential_type("CPRSR"))
    credential(cal, expires_on=dt.date(2028, 1, 1))
    _session(cast.sam, cast.alice, cast.org, dt.date(2026, 10, 20), 600)
    _session(cast.sam, cast.alice, cast.org, dt.date(2026, 11, 2), 45)
    _session(cast.sam, cast.alice, cast.org, dt.date(2026, 11, 9), 120, format="group")
    _session(cast.olive, cast.alice, cast.other_org, dt.date(2026, 10, 1), 100, format="group")
    _session(cast.olive, cast.alice, cast.other_org, dt.date(2026, 11, 20), 300)
    _session(cast.olive, bea, cast.other_org, dt.date(2026, 11, 3), 90, format="group")
    _session(sue, cast.olive, cast.other_org, dt.date(2026, 11, 5), 30)
    cprsr, de_cprs = f"credential:{credential_type('CPRSR').pk}", f"credential:{credential_type('CPRS', 'de-dcb').pk}"
    expected = {
        # (peer, organization): (minutes, individual, group, {credential line: hours to date}) in November
        ("Alice", cast.org): (165, 45, 120, {de_cprs: Decimal("12.75"), cprsr: Decimal("12.75")}),
        ("Alice", cast.other_org): (300, 300, 0, {de_cprs: Decimal("6.67"), cprsr: Decimal("6.67")}),
        ("Bea", cast.org): (0, 0, 0, {cprsr: Decimal("0.00")}),
        ("Bea", cast.other_org): (90, 0, 90, {cprsr: Decimal("1.50")}),
        ("Cal", cast.org): (0, 0, 0, {cprsr: Decimal("0.00")}),
        ("Olive", cast.other_org): (30, 30, 0, {}),
    }
    start, end = month_bounds("2026-11")
    team = supervisee_totals(sue, start, end)
    assert len(team) == len(expected)
    for totals in team:
        assert totals.organization is not None
        credentials = {line.key: line.have for line in totals.lines if line.key.startswith("credential:")}
        assert (totals.minutes, totals.individual_minutes, totals.group_minutes, credentials) == expected[
            (totals.peer.first_name, totals.organization)
        ]
        assert totals == supervision_totals(totals.peer, start, end, organization=totals.organization)
    # The same rows through each supervisor of one organization, and in October (November's sessions are later).
    for supervisor in (cast.sam, cast.olive, sue):
        for month in ("2026-11", "2026-10"):
            start, end = month_bounds(month)
            for totals in supervisee_totals(supervisor, start, end):
                assert totals == supervision_totals(totals.peer, start, end, organization=totals.organization)
    start, end = month_bounds("2026-10")
    [alice_at_riverbend] = [t for t in supervisee_totals(cast.sam, start, end) if t.peer == cast.alice]
    assert (alice_at_riverbend.minutes, alice_at_riverbend.individual_minutes) == (600, 600)
    assert {line.key: line.have for line in alice_at_riverbend.lines}[cprsr] == Decimal("10.00")
    # Alice's own totals count every organization's sessions.
    own = supervision_totals(cast.alice, *month_bounds("2026-11"))
    assert (own.minutes, own.individual_minutes, own.group_minutes) == (465, 345, 120)
    assert {line.key: line.have for line in own.lines}[cprsr] == Decimal("19.42")


# Boundaries a mutation audit found unpinned: exactly 24 hours a day is allowed, and a session on the first or last
# day of a month counts in that month.


def test_one_session_of_exactly_24_hours_is_allowed(cast: Cast) -> None:
    alice = supervisees_for_user(cast.sam)[0]
    supervision_session_add(supervisor=cast.sam, supervisee=alice, held_on=TODAY, minutes=MINUTES_A_DAY)
    assert SupervisionSession.objects.get().minutes == 1440


def test_sessions_adding_up_to_exactly_24_hours_are_allowed_and_one_minute_more_is_not(cast: Cast) -> None:
    alice = supervisees_for_user(cast.sam)[0]
    supervision_session_add(supervisor=cast.sam, supervisee=alice, held_on=TODAY, minutes=1000)
    supervision_session_add(supervisor=cast.sam, supervisee=alice, held_on=TODAY, minutes=439)
    supervision_session_add(supervisor=cast.sam, supervisee=alice, held_on=TODAY, minutes=1)
    with pytest.raises(ValidationError):
        supervision_session_add(supervisor=cast.sam, supervisee=alice, held_on=TODAY, minutes=1)
    assert SupervisionSession.objects.filter(held_on=TODAY).count() == 3


def test_the_own_organizations_minutes_are_named_only_when_they_alone_pass_24_hours(cast: Cast) -> None:
    # Alice works at Riverbend (supervisor Sam) and Prairie Light (supervisor Olive).
    MembershipFactory(user=cast.alice, organization=cast.other_org, role="peer")
    at_riverbend = supervisees_for_user(cast.sam)[0]
    at_prairie = next(s for s in supervisees_for_user(cast.olive) if s.user == cast.alice)
    supervision_session_add(supervisor=cast.olive, supervisee=at_prairie, held_on=TODAY, minutes=100)
    supervision_session_add(supervisor=cast.sam, supervisee=at_riverbend, held_on=TODAY, minutes=1000)
    # Riverbend's 1000 + 440 is exactly 24 hours: only Prairie Light's minutes make it too many, so the message
    # must not claim Riverbend's own 1000 minutes are the reason.
    errors = session_errors(peer=cast.alice, held_on=TODAY, minutes=440, organization=cast.org)
    assert errors == {
        "minutes": "This is more than 24 hours with the supervision already recorded for this peer that day."
    }


def test_a_session_on_the_first_and_last_day_of_the_month_counts_in_that_month(cast: Cast) -> None:
    alice = supervisees_for_user(cast.sam)[0]
    supervision_session_add(supervisor=cast.sam, supervisee=alice, held_on=dt.date(2026, 10, 31), minutes=30)
    supervision_session_add(supervisor=cast.sam, supervisee=alice, held_on=dt.date(2026, 11, 1), minutes=45)
    supervision_session_add(supervisor=cast.sam, supervisee=alice, held_on=dt.date(2026, 11, 23), minutes=60)
    start, end = month_bounds("2026-11")
    assert supervision_totals(cast.alice, start, end).minutes == 105
    start, end = month_bounds("2026-10")
    assert supervision_totals(cast.alice, start, end).minutes == 30
