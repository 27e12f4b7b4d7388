"""Review of the queue's signals (staff-home badge, tab title, screen-reader announcements), the matching report's
per-request escalation window and the CSV formula escaping after separators: adversarial cases."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from peerway.accounts.models import Membership
from peerway.core.services import csv_cell
from peerway.intake.models import EscalationAlert, HelpRequest, Offer, OfferStatus, RequestStatus
from peerway.intake.services import (
    request_erase,
    request_escalate,
    request_route,
    request_withdraw,
    requests_escalate_due,
)
from peerway.matching.reports import matching_report
from peerway.organizations.models import Organization
from peerway.workforce.models import PeerProfile
from tests.factories import MembershipFactory, OrganizationFactory, peer_profile
from tests.workforce.test_queue import _announced, _client, _fingerprint, _poll, _shown, _submit

Submit = Callable[..., tuple[HelpRequest, str]]
START = dt.datetime(2026, 11, 20, 15, 0, tzinfo=dt.UTC)


def _title(html: str) -> str:
    match = re.search(r"<title>(.*?)</title>", html, re.S)
    assert match is not None
    return match.group(1)


def _badge(html: str) -> str:
    """The staff home's count of requests waiting for a supervisor, on the Live queue button."""
    match = re.search(r"\d+ requests? waiting for a supervisor", html)
    return match.group(0) if match else ""


def _listed(html: str) -> int:
    """How many offers and alerts the queue block lists."""
    block = html.split('<div id="queue"', 1)[1]
    return block.count('<article class="card offer"') + block.count(" asked ")


def _escalate_to_supervisors(request: HelpRequest) -> None:
    """Run escalation's two steps for ``request`` as the worker would, each after the window (5 minutes)."""
    for minutes in (5, 10):
        with time_machine.travel(START + dt.timedelta(minutes=minutes), tick=False):
            assert request_escalate(request_id=request.pk)


# --- The live queue: title, staff-home badge, announcements -------------------------------------------------------


def test_a_supervisor_peer_holding_the_offer_of_an_alerted_request_sees_one_request_in_the_title(
    db: None,
) -> None:
    organization = OrganizationFactory()
    with time_machine.travel(START, tick=False):
        amina = peer_profile(organization, name="Amina", languages=("so",))
        MembershipFactory(user=amina.user, organization=organization, role="supervisor")
        request = _submit()
        request_route(request_id=request.pk)
    _escalate_to_supervisors(request)
    assert Offer.objects.get(request=request, peer=amina).status == OfferStatus.OFFERED
    assert EscalationAlert.objects.filter(request=request).count() == 1
    with time_machine.travel(START + dt.timedelta(minutes=11), tick=False):
        page = _client(amina).get(reverse("workforce:queue")).content.decode()
    # The block lists the person twice (as an offer, and as an alert); one request waits.
    assert _listed(page) == 2
    assert _title(page) == "(1) Live queue · Peerway"


def test_the_staff_home_counts_one_request_alerted_in_two_organizations_it_supervises_once(db: None) -> None:
    east, west = OrganizationFactory(), OrganizationFactory()
    with time_machine.travel(START, tick=False):
        peer_profile(east, name="Amina", languages=("so",))
        peer_profile(west, name="Bea", languages=("so",))
        request = _submit()
        assert len(request_route(request_id=request.pk)) == 2
    _escalate_to_supervisors(request)
    assert EscalationAlert.objects.filter(request=request).count() == 2
    supervisor = MembershipFactory(organization=east, role="supervisor").user
    MembershipFactory(user=supervisor, organization=west, role="supervisor")
    client = Client()
    client.force_login(supervisor)
    with time_machine.travel(START + dt.timedelta(minutes=11), tick=False):
        body = client.get(reverse("staff:home")).content.decode()
    assert _badge(body) == "1 request waiting for a supervisor"


def test_the_staff_home_badge_counts_exactly_the_alerts_the_queue_lists(db: None) -> None:
    """Resolved alerts, alerts of a request a peer took, of an organization that closed, of one the supervisor left,
    or of another organization are in neither; the open one of their own organization is in both."""
    own, closed, left, other = (OrganizationFactory() for _ in range(4))
    supervisor = MembershipFactory(organization=own, role="supervisor").user
    MembershipFactory(user=supervisor, organization=closed, role="supervisor")
    MembershipFactory(user=supervisor, organization=left, role="supervisor", active=False)
    Organization.objects.filter(pk=closed.pk).update(active=False)
    peer_profile(own, name="Amina", languages=("so",))
    requests = [_submit() for _ in range(6)]
    for request in requests:
        request_route(request_id=request.pk)
    open_one, resolved, taken, in_closed, in_left, in_other = requests
    EscalationAlert.objects.create(request=open_one, organization=own)
    EscalationAlert.objects.create(request=resolved, organization=own, resolved_at=START)
    EscalationAlert.objects.create(request=taken, organization=own)
    HelpRequest.objects.filter(pk=taken.pk).update(status=RequestStatus.ACCEPTED)
    EscalationAlert.objects.create(request=in_closed, organization=closed)
    EscalationAlert.objects.create(request=in_left, organization=left)
    EscalationAlert.objects.create(request=in_other, organization=other)
    client = Client()
    client.force_login(supervisor)
    home = client.get(reverse("staff:home")).content.decode()
    page = client.get(reverse("workforce:queue")).content.decode()
    assert _badge(home) == "1 request waiting for a supervisor"
    assert _listed(page) == 1 and _title(page) == "(1) Live queue · Peerway"


def test_a_peer_in_two_organizations_sees_the_offers_of_both_counted_in_the_title(amina: PeerProfile) -> None:
    """One person with a profile in each of two organizations: one request offered under each, two in the title
    and two in the block, and each offered once (never to both profiles of the same person)."""
    second = OrganizationFactory()
    Membership.objects.create(user=amina.user, organization=second, role="peer")
    other_profile = PeerProfile.objects.create(
        user=amina.user, organization=second, display_name="Amina", modalities=["phone"], on_shift=True
    )
    other_profile.languages.set(amina.languages.all())
    first_request, second_request = _submit(), _submit()
    request_route(request_id=first_request.pk)
    request_route(request_id=second_request.pk)
    assert Offer.objects.filter(peer__user=amina.user).count() == 2
    assert all(Offer.objects.filter(request=r).count() == 1 for r in (first_request, second_request))
    page = _client(amina).get(reverse("workforce:queue")).content.decode()
    assert _listed(page) == 2
    assert _title(page) == "(2) Live queue · Peerway"


def test_a_withdrawn_offer_and_a_new_one_in_the_same_poll_announce_the_new_one_only(amina: PeerProfile) -> None:
    gone = _submit()
    request_route(request_id=gone.pk)
    client = _client(amina)
    page = client.get(reverse("workforce:queue")).content.decode()
    request_withdraw(request=gone)
    request_route(request_id=_submit().pk)
    status, poll = _poll(client, _fingerprint(page), _shown(page))
    assert status == 200
    assert _announced(poll) == "1 new request offered to you."
    assert _title(poll) == "(1) Live queue · Peerway"
    # The poll after it, unchanged, answers 204 and leaves the live region as it is.
    assert _poll(client, _fingerprint(poll), _shown(poll)) == (204, "")


@pytest.mark.parametrize(
    "query",
    [
        "shown=",
        "shown=.",
        "shown=" + "." * 5000,
        "shown=" + "abcdef0123" * 2000,
        "shown=%FF%FE%00",
        "shown=%E2%80%A8%EF%BC%9D",
        "shown=a&shown=b&shown=c",
        "shown[]=x",
        "",
    ],
    ids=["empty", "dot", "dots", "huge", "not-utf8", "unicode", "repeated", "bracketed", "absent"],
)
def test_a_malformed_shown_list_is_never_an_error_and_counts_every_offer_as_new(amina: PeerProfile, query: str) -> None:
    request_route(request_id=_submit().pk)
    client = _client(amina)
    response = client.get(
        reverse("workforce:queue"), headers={"HX-Request": "true"}, QUERY_STRING=f"seen=stale&{query}"
    )
    assert response.status_code == 200
    assert _announced(response.content.decode()) == "1 new request offered to you."


def test_the_page_s_own_shown_list_repeated_or_padded_announces_nothing(amina: PeerProfile) -> None:
    """Only the last ``shown`` counts, and empty pieces around the page's digests change nothing."""
    request_route(request_id=_submit().pk)
    client = _client(amina)
    page = client.get(reverse("workforce:queue")).content.decode()
    shown = _shown(page)
    for query in (f"shown=junk&shown={shown}", f"shown=..{shown}..", f"shown={shown}.{shown}"):
        response = client.get(
            reverse("workforce:queue"), headers={"HX-Request": "true"}, QUERY_STRING=f"seen=stale&{query}"
        )
        assert response.status_code == 200
        assert _announced(response.content.decode()) == "", query


# --- The matching report's window ----------------------------------------------------------------------------------


def test_the_report_reads_a_legacy_0_an_over_the_cap_window_and_several_organizations_as_escalation_does(
    submit: Submit,
) -> None:
    """A legacy 0 is the default 5 minutes, 2000 is read as a day, and a request offered to peers of two
    organizations gets the shorter window: unmet exactly when escalation finds it due."""
    legacy, over_cap, patient = OrganizationFactory(), OrganizationFactory(), OrganizationFactory(escalation_minutes=30)
    Organization.objects.filter(pk=legacy.pk).update(escalation_minutes=0)
    Organization.objects.filter(pk=over_cap.pk).update(escalation_minutes=2000)
    peer_profile(legacy, name="Amina", languages=("om", "so"))
    peer_profile(over_cap, name="Bea", languages=("hmn",))
    peer_profile(patient, name="Cali", languages=("so",))
    with time_machine.travel(START, tick=False):
        oromo = submit(language="om", language_required=True)[0]
        hmong = submit(language="hmn", language_required=True)[0]
        somali = submit(language="so", language_required=True)[0]
        for request in (oromo, hmong, somali):
            request_route(request_id=request.pk)
    assert Offer.objects.filter(request=somali).count() == 2

    def unmet(minutes: int) -> dict[str, int]:
        with time_machine.travel(START + dt.timedelta(minutes=minutes), tick=False):
            report = matching_report(since=START - dt.timedelta(days=1))
        return {row.label: row.unmet for row in report.by_language}

    assert unmet(4) == {"Oromo": 0, "Hmong": 0, "Somali": 0}
    assert unmet(5) == {"Oromo": 1, "Hmong": 0, "Somali": 1}
    assert unmet(1439) == {"Oromo": 1, "Hmong": 0, "Somali": 1}
    assert unmet(1440) == {"Oromo": 1, "Hmong": 1, "Somali": 1}
    # Escalation agrees: at 5 minutes the Oromo and Somali requests are due, the Hmong one only after a day.
    assert requests_escalate_due(now=START + dt.timedelta(minutes=4)) == 0
    assert requests_escalate_due(now=START + dt.timedelta(minutes=5)) == 2
    hmong.refresh_from_db()
    assert hmong.escalation_level == 0
    assert request_escalate(request_id=hmong.pk, now=START + dt.timedelta(minutes=1439)) is False
    assert request_escalate(request_id=hmong.pk, now=START + dt.timedelta(minutes=1440)) is True


def test_erasing_a_request_does_not_change_whether_it_counts_as_unmet(submit: Submit) -> None:
    patient = OrganizationFactory(escalation_minutes=60)
    peer_profile(patient, name="Amina", languages=("so",))
    with time_machine.travel(START, tick=False):
        withdrawn = submit(language="so", language_required=True)[0]
        erased = submit(language="so", language_required=True)[0]
        for request in (withdrawn, erased):
            request_route(request_id=request.pk)
    with time_machine.travel(START + dt.timedelta(minutes=10), tick=False):
        # Both people stop after ten minutes, well within the organization's hour; one also deletes what they entered.
        request_withdraw(request=withdrawn)
        request_erase(request=erased)
    with time_machine.travel(START + dt.timedelta(hours=2), tick=False):
        report = matching_report(since=START - dt.timedelta(days=1))
    assert report.total.requests == 2
    assert report.total.unmet == 0


def test_an_explicit_window_of_zero_overrides_like_any_other(submit: Submit) -> None:
    peer_profile(OrganizationFactory(escalation_minutes=30), name="Amina", languages=("so",))
    with time_machine.travel(START, tick=False):
        request_route(request_id=submit(language="so", language_required=True)[0].pk)
    with time_machine.travel(START + dt.timedelta(minutes=1), tick=False):
        since = START - dt.timedelta(days=1)
        assert matching_report(since=since, window=dt.timedelta(seconds=1)).total.unmet == 1
        assert matching_report(since=since, window=dt.timedelta(0)).total.unmet == 1


# --- CSV cells ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("", ""),
        (";;;", ";;;"),
        (",\t;\r\n", ",\t;\r\n"),
        ("   ", "   "),
        ("a;=1", "a;'=1"),
        ("a;\t=1", "a;\t'=1"),
        ('a; "@SUM(1)', "a; \"'@SUM(1)"),
        ("a\r\n-1", "a\r\n'-1"),
        ("\u2028=1", "\u2028'=1"),
        ("a\u2028b", "a\u2028b"),
        ("\uff1d1+1", "\uff1d1+1"),
        ("Sample=1;b", "Sample=1;b"),
        ("=;=", "'=;'="),
    ],
)
def test_csv_cell_escapes_only_formula_starts_and_keeps_the_text_recoverable(value: str, written: str) -> None:
    assert csv_cell(value) == written
    # Taking out the apostrophes it added gives the text back.
    assert csv_cell(value).replace("'", "") == value.replace("'", "")
