"""Review: weekly shifts, "on shift now", escalation, and what a person is told outside every shift.

Times are Minnesota time (America/Chicago) unless said otherwise; the status page says "(Minnesota time)".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
import time_machine
from django.test import Client

from peerway.intake.models import HelpRequest, Offer, OfferStatus
from peerway.intake.services import (
    CaseloadFull,
    next_shift_start,
    request_accept,
    request_route,
    requests_escalate_due,
    requests_route_waiting,
)
from peerway.organizations.models import Organization
from peerway.workforce.models import PeerProfile, WeeklyShift
from peerway.workforce.services import peer_shift_set
from tests.factories import OrganizationFactory, peer_profile

Submit = Callable[..., tuple[HelpRequest, str]]

pytestmark = pytest.mark.django_db

# Wednesday 25 November 2026, 10:00 in Minnesota (CST, UTC-6).
WEDNESDAY_10 = dt.datetime(2026, 11, 25, 16, 0, tzinfo=dt.UTC)
THURSDAY, SATURDAY, SUNDAY = 3, 5, 6


def _page(token: str, prefix: str = "") -> str:
    html = Client().get(f"{prefix}/r/{token}/").content.decode()
    return html[html.index('<main id="main"') :]


def _shift(peer: PeerProfile, weekday: int, starts: dt.time, ends: dt.time) -> None:
    WeeklyShift.objects.create(peer=peer, weekday=weekday, starts_at=starts, ends_at=ends)


def _held_by_a_peer_whose_caseload_filled(submit: Submit) -> tuple[HelpRequest, str, PeerProfile]:
    """At WEDNESDAY_10 the request is offered to Bea, the only peer on shift (caseload limit 1); a moment later she
    accepts another person's request, so she still holds this offer but cannot take it."""
    organization = OrganizationFactory(escalation_minutes=5)
    bea = peer_profile(organization, name="Bea", caseload_limit=1)
    with time_machine.travel(WEDNESDAY_10, tick=False):
        other, _ = submit(first_name="Ayan")
        request_route(request_id=other.pk)
        request, token = submit()
        assert [offer.peer for offer in request_route(request_id=request.pk)] == [bea]
        request_accept(request=other, peer=bea)
    return request, token, bea


# ---------- Defects ----------


def test_a_peer_who_starts_a_shift_is_offered_a_request_held_only_by_a_peer_who_cannot_take_it(
    submit: Submit,
) -> None:
    request, _, bea = _held_by_a_peer_whose_caseload_filled(submit)
    with pytest.raises(CaseloadFull):
        request_accept(request=request, peer=bea)
    with time_machine.travel(WEDNESDAY_10 + dt.timedelta(minutes=5), tick=False):
        assert requests_escalate_due() == 1  # widened: nobody new
    cy = peer_profile(bea.organization, name="Cy", on_shift=False)
    with time_machine.travel(WEDNESDAY_10 + dt.timedelta(minutes=7), tick=False):
        peer_shift_set(profile=cy, on_shift=True)
        requests_route_waiting()  # what starting a shift queues
    # Bea's offer lapsed (she cannot take it) and Cy, on shift, free and a match, is offered the request at once.
    assert Offer.objects.get(request=request, peer=bea).status == OfferStatus.LAPSED
    assert Offer.objects.filter(request=request, peer=cy, status=OfferStatus.OFFERED).exists()


def test_the_next_shift_the_person_is_told_is_never_in_the_past(submit: Submit) -> None:
    _request, token, bea = _held_by_a_peer_whose_caseload_filled(submit)
    cy = peer_profile(bea.organization, name="Cy", on_shift=False)
    _shift(cy, THURSDAY, dt.time(8), dt.time(16))
    _shift(cy, SATURDAY, dt.time(9), dt.time(13))
    with time_machine.travel(WEDNESDAY_10 + dt.timedelta(minutes=5), tick=False):
        requests_escalate_due()
        html = _page(token)
        assert "Every peer on shift right now is already helping other people." in html
        assert "The next peer shift starts tomorrow at 8 a.m. (Minnesota time)." in html
    # Cy was ill on Thursday. Friday 27 November, 10:00: the worker has run every minute since.
    friday_10 = dt.datetime(2026, 11, 27, 16, 0, tzinfo=dt.UTC)
    with time_machine.travel(friday_10, tick=False):
        requests_route_waiting()
        requests_escalate_due()
        html = _page(token)
        assert "on Thursday at 8 a.m." not in html  # yesterday
        assert "The next peer shift starts tomorrow at 9 a.m. (Minnesota time)." in html


def test_a_person_who_needs_hmong_is_told_the_next_shift_of_a_peer_who_speaks_it(submit: Submit) -> None:
    organization = OrganizationFactory()
    bea = peer_profile(organization, name="Bea", languages=("en",), on_shift=False)
    pa = peer_profile(organization, name="Pa", languages=("hmn", "en"), on_shift=False)
    _shift(bea, THURSDAY, dt.time(8), dt.time(16))
    _shift(pa, SATURDAY, dt.time(9), dt.time(13))
    with time_machine.travel(WEDNESDAY_10, tick=False):
        request, token = submit(language="hmn", language_required=True)
        request_route(request_id=request.pk)
        html = _page(token)
    # Told "tomorrow at 8 a.m.", the person waits for Bea, who cannot help them; at 8 the page will say
    # "No peer who speaks Hmong is on shift right now."
    assert "tomorrow at 8 a.m." not in html
    assert "The next peer shift starts on Saturday at 9 a.m. (Minnesota time)." in html


def test_a_shift_that_began_a_minute_ago_is_not_announced_as_starting_on_today(submit: Submit) -> None:
    bea = peer_profile(OrganizationFactory(), name="Bea", on_shift=False)
    _shift(bea, THURSDAY, dt.time(8), dt.time(16))
    # Thursday 26 November, 8:00:30: the only shift began 30 seconds ago and nobody pressed "Start my shift".
    with time_machine.travel(dt.datetime(2026, 11, 26, 14, 0, 30, tzinfo=dt.UTC), tick=False):
        request, token = submit()
        request_route(request_id=request.pk)
        html = _page(token)
    assert "No peer is on shift right now." in html
    # The next start is Thursday 3 December; on a Thursday morning this says "today, 30 seconds ago".
    assert "The next peer shift starts on Thursday at 8 a.m." not in html
    assert "The next peer shift starts next Thursday, a week from today, at 8 a.m." in html


def test_a_legacy_window_of_zero_does_not_lengthen_another_organizations_window(submit: Submit) -> None:
    legacy = OrganizationFactory()
    Organization.objects.filter(pk=legacy.pk).update(escalation_minutes=0)  # saved before 0 was refused
    quick = OrganizationFactory(escalation_minutes=2)
    peer_profile(legacy, name="Amina")
    peer_profile(quick, name="Bea")
    start = WEDNESDAY_10
    with time_machine.travel(start, tick=False):
        request, _ = submit()
        assert len(request_route(request_id=request.pk)) == 2
    # As a person choosing their peer would be (services._still_choosing): 0 reads as 5, then the shortest, 2.
    with time_machine.travel(start + dt.timedelta(minutes=2), tick=False):
        assert requests_escalate_due() == 1


# ---------- What holds ----------


def test_a_shift_starting_in_a_minute_is_today_in_every_language(submit: Submit) -> None:
    bea = peer_profile(OrganizationFactory(), name="Bea", on_shift=False)
    _shift(bea, THURSDAY, dt.time(8), dt.time(16))
    # Thursday 26 November, 7:59.
    now = dt.datetime(2026, 11, 26, 13, 59, tzinfo=dt.UTC)
    with time_machine.travel(now, tick=False):
        assert next_shift_start() == dt.datetime(2026, 11, 26, 14, 0, tzinfo=dt.UTC)
        request, token = submit()
        request_route(request_id=request.pk)
        assert "The next peer shift starts today at 8 a.m. (Minnesota time)." in _page(token)
        assert "hoy a las 08:00" in _page(token, "/es")
        assert "08:00" in _page(token, "/so")
        assert "8:00 AM" in _page(token, "/hmn")


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        # Sunday 1 March, 9:00 CST: next Sunday 8 March at 8:00 is CDT (UTC-5), an hour earlier in UTC.
        (dt.datetime(2026, 3, 1, 15, 0, tzinfo=dt.UTC), dt.datetime(2026, 3, 8, 13, 0, tzinfo=dt.UTC)),
        # Sunday 25 October, 9:00 CDT: next Sunday 1 November at 8:00 is CST (UTC-6), an hour later in UTC.
        (dt.datetime(2026, 10, 25, 14, 0, tzinfo=dt.UTC), dt.datetime(2026, 11, 1, 14, 0, tzinfo=dt.UTC)),
    ],
)
def test_a_weekly_shift_keeps_its_local_hour_across_a_daylight_saving_change(
    db: None, now: dt.datetime, expected: dt.datetime
) -> None:
    peer = peer_profile(OrganizationFactory(timezone="America/Chicago"), name="Dee", on_shift=False)
    _shift(peer, SUNDAY, dt.time(8), dt.time(12))
    assert next_shift_start(now=now) == expected


def test_a_shift_across_midnight_from_sunday_to_monday_is_read_by_the_local_day(submit: Submit) -> None:
    # Sunday 22:00 to Monday 02:00, kept as two rows (a row's end is after its start). In UTC it is already Monday.
    peer = peer_profile(OrganizationFactory(), name="Dee", on_shift=False)
    _shift(peer, SUNDAY, dt.time(22), dt.time(23, 59))
    _shift(peer, 0, dt.time(0), dt.time(2))
    sunday_21 = dt.datetime(2026, 11, 30, 3, 0, tzinfo=dt.UTC)
    with time_machine.travel(sunday_21, tick=False):
        request, token = submit()
        request_route(request_id=request.pk)
        assert next_shift_start() == dt.datetime(2026, 11, 30, 4, 0, tzinfo=dt.UTC)
        assert "The next peer shift starts today at 10 p.m. (Minnesota time)." in _page(token)
    with time_machine.travel(sunday_21 + dt.timedelta(hours=2, minutes=30), tick=False):
        requests_route_waiting()
        assert "The next peer shift starts tomorrow at midnight (Minnesota time)." in _page(token)


def test_a_shift_of_an_organization_in_another_zone_is_told_in_minnesota_time(submit: Submit) -> None:
    # Monday 20:00 in Honolulu is Tuesday 00:00 in Minnesota: the day the person is told is Minnesota's.
    peer = peer_profile(OrganizationFactory(timezone="Pacific/Honolulu"), name="Kai", on_shift=False)
    _shift(peer, 0, dt.time(20), dt.time(23))
    with time_machine.travel(dt.datetime(2026, 11, 30, 18, 0, tzinfo=dt.UTC), tick=False):  # Monday noon
        request, token = submit()
        request_route(request_id=request.pk)
        assert "The next peer shift starts tomorrow at midnight (Minnesota time)." in _page(token)


def test_escalation_waits_the_shortest_window_of_the_organizations_offered(submit: Submit) -> None:
    # One organization's very long window (the most the column holds) does not keep the person waiting.
    patient = OrganizationFactory(escalation_minutes=32767)
    default = OrganizationFactory()
    assert default.escalation_minutes == 5
    peer_profile(patient, name="Amina")
    peer_profile(default, name="Bea")
    with time_machine.travel(WEDNESDAY_10, tick=False):
        request, _ = submit()
        offered = request_route(request_id=request.pk)
        assert {offer.peer.organization_id for offer in offered} == {patient.pk, default.pk}
    with time_machine.travel(WEDNESDAY_10 + dt.timedelta(minutes=4, seconds=59), tick=False):
        assert requests_escalate_due() == 0
    with time_machine.travel(WEDNESDAY_10 + dt.timedelta(minutes=5), tick=False):
        assert requests_escalate_due() == 1
    request.refresh_from_db()
    assert request.escalation_level == 1
