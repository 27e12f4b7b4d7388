"""Review: the staff side of the first call beyond the queue's signals and the shift forms.

Escalation alerts after a request was taken and handed back (a rematch), the live queue's accept and decline on
a request the person stopped or deleted meanwhile, and what staff entering a call are told outside every shift.
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Callable

import pytest
import time_machine
from django.apps import apps as django_apps
from django.test import Client
from django.urls import reverse

from peerway.accounts.models import User
from peerway.core.models import AccessEvent
from peerway.intake.models import EscalationAlert, HelpRequest, Offer, OfferStatus, RequestStatus
from peerway.intake.services import (
    request_accept,
    request_erase,
    request_rematch,
    request_route,
    request_withdraw,
    requests_escalate_due,
)
from peerway.recovery.models import Engagement
from peerway.workforce.models import PeerProfile, WeeklyShift
from tests.factories import MembershipFactory, OrganizationFactory, peer_profile

Submit = Callable[..., tuple[HelpRequest, str]]

pytestmark = pytest.mark.django_db

# Wednesday 25 November 2026, 10:00 in Minnesota (CST, UTC-6).
T0 = dt.datetime(2026, 11, 25, 16, 0, tzinfo=dt.UTC)
MINUTE = dt.timedelta(minutes=1)
THURSDAY = 3


def _signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _queue(user: User) -> str:
    return _signed_in(user).get(reverse("workforce:queue")).content.decode()


def _alerted_then_taken_then_rematched(submit: Submit) -> tuple[HelpRequest, User, PeerProfile]:
    """Bea, the only peer on shift, holds the offer 10 minutes: escalation widens (nobody new) and alerts the
    supervisor. Bea accepts at 11 minutes; at 12 the person asks for a different peer, and Cy, who has just started
    a shift, is offered the request. Returns the request, the supervisor and Cy."""
    organization = OrganizationFactory(escalation_minutes=5)
    bea = peer_profile(organization, name="Bea")
    supervisor = MembershipFactory(organization=organization, role="supervisor").user
    with time_machine.travel(T0, tick=False):
        request, _ = submit(first_name="Sample Hodan")
        request_route(request_id=request.pk)
    with time_machine.travel(T0 + 5 * MINUTE, tick=False):
        assert requests_escalate_due() == 1  # widened: nobody new
    with time_machine.travel(T0 + 10 * MINUTE, tick=False):
        assert requests_escalate_due() == 1  # the supervisor is alerted
        assert "Waiting too long" in _queue(supervisor)
    with time_machine.travel(T0 + 11 * MINUTE, tick=False):
        request_accept(request=request, peer=bea)
        assert "Waiting too long" not in _queue(supervisor)
    cy = peer_profile(organization, name="Cy")
    with time_machine.travel(T0 + 12 * MINUTE, tick=False):
        request_rematch(request=request, reason="someone closer to my age")
        offered = request_route(request_id=request.pk)
        assert [offer.peer for offer in offered] == [cy]
    request.refresh_from_db()
    assert (request.status, request.escalation_level) == (RequestStatus.OFFERED, 0)
    return request, supervisor, cy


# ---------- Defects ----------


def test_an_alert_is_resolved_when_a_peer_accepts_the_request(submit: Submit) -> None:
    organization = OrganizationFactory(escalation_minutes=5)
    bea = peer_profile(organization, name="Bea")
    with time_machine.travel(T0, tick=False):
        request, _ = submit()
        request_route(request_id=request.pk)
    for minutes in (5, 10):
        with time_machine.travel(T0 + minutes * MINUTE, tick=False):
            requests_escalate_due()
    alert = EscalationAlert.objects.get(request=request)
    with time_machine.travel(T0 + 11 * MINUTE, tick=False):
        request_accept(request=request, peer=bea)
    alert.refresh_from_db()
    # The seed data (core/seed/past_requests.py) writes it so: "the request was settled ..., which resolves its
    # alerts"; the application never does.
    assert alert.resolved_at == T0 + 11 * MINUTE


def test_after_a_rematch_the_old_alert_does_not_come_back_before_the_new_peer_had_their_window(
    submit: Submit,
) -> None:
    _request, supervisor, _cy = _alerted_then_taken_then_rematched(submit)
    # Cy was offered the request a second ago and escalation is back at level 0; supervisors are alerted only
    # after the widened offer's window (here at 22 minutes). Today the queue and the staff home say it waits.
    with time_machine.travel(T0 + 12 * MINUTE + dt.timedelta(seconds=1), tick=False):
        assert "Waiting too long" not in _queue(supervisor)
        assert "waiting for a supervisor" not in _signed_in(supervisor).get(reverse("staff:home")).content.decode()


def test_a_second_escalation_after_a_rematch_raises_a_new_alert(submit: Submit) -> None:
    request, supervisor, _cy = _alerted_then_taken_then_rematched(submit)
    for minutes in (17, 22):
        with time_machine.travel(T0 + minutes * MINUTE, tick=False):
            assert requests_escalate_due() == 1
    open_alerts = EscalationAlert.objects.filter(request=request, resolved_at__isnull=True)
    assert [alert.created_at for alert in open_alerts] == [T0 + 22 * MINUTE]
    with time_machine.travel(T0 + 22 * MINUTE, tick=False):
        assert "Waiting too long" in _queue(supervisor)
    sights = AccessEvent.objects.filter(actor=supervisor, subject_id=request.public_id, reason="live queue alert")
    assert sights.count() == 2  # at 10 minutes, and of the new alert at 22


@pytest.mark.parametrize("action", ["workforce:offer_accept", "workforce:offer_decline"])
def test_a_peer_pressing_accept_or_decline_after_the_person_deleted_the_request_is_told_so(
    submit: Submit, action: str
) -> None:
    bea = peer_profile(OrganizationFactory(), name="Bea")
    request, _ = submit()
    (offer,) = request_route(request_id=request.pk)
    client = _signed_in(bea.user)
    assert "Sample" in client.get(reverse("workforce:queue")).content.decode()
    request_erase(request=request)  # the person pressed "Delete what I entered" while Bea's queue showed it
    response = client.post(reverse(action, args=[offer.public_id]))
    assert response.status_code == 302
    assert response["Location"] == reverse("workforce:queue")


def test_staff_entering_a_call_outside_every_shift_are_told_when_the_next_shift_starts(db: None) -> None:
    organization = OrganizationFactory()
    bea = peer_profile(organization, name="Bea", on_shift=False)
    WeeklyShift.objects.create(peer=bea, weekday=THURSDAY, starts_at=dt.time(8), ends_at=dt.time(16))
    supervisor = MembershipFactory(organization=organization, role="supervisor").user
    entry = {
        "source": "phone_line",
        "contact_method": "call",
        "phone": "612-555-0142",
        "first_name": "Sample",
        "language": "en",
        "modalities": ["phone"],
        "consent_to_contact": "on",
    }
    # Wednesday 22:00 in Minnesota: nobody is on shift; Bea's next shift is tomorrow at 8.
    with time_machine.travel(dt.datetime(2026, 11, 26, 4, 0, tzinfo=dt.UTC), tick=False):
        response = _signed_in(supervisor).post(reverse("intake:staff_entry"), entry)
    assert response.status_code == 200
    page = response.content.decode()
    # The staff member can tell the caller, who may never open the link, when to expect contact.
    assert "No peer who could take this request is on shift now." in page
    assert "The next peer shift starts tomorrow at 8 a.m. (Minnesota time)." in page
    # Once Bea is on shift, nothing of the kind is said.
    bea.on_shift = True
    bea.save(update_fields=["on_shift"])
    with time_machine.travel(dt.datetime(2026, 11, 26, 4, 0, tzinfo=dt.UTC), tick=False):
        entry["first_name"] = "Sample Two"
        again = _signed_in(supervisor).post(reverse("intake:staff_entry"), entry).content.decode()
    assert "Request saved" in again and "No peer who could take this request is on shift now." not in again


# ---------- What holds ----------


def test_accept_and_decline_after_the_person_stopped_the_request_say_so_and_change_nothing(submit: Submit) -> None:
    bea = peer_profile(OrganizationFactory(), name="Bea")
    request, _ = submit()
    (offer,) = request_route(request_id=request.pk)
    request_withdraw(request=request)
    client = _signed_in(bea.user)
    accepted = client.post(reverse("workforce:offer_accept", args=[offer.public_id]), follow=True)
    assert "Another peer took this request a moment ago, or it was withdrawn." in accepted.content.decode()
    declined = client.post(reverse("workforce:offer_decline", args=[offer.public_id]), follow=True)
    assert "This request is no longer waiting for you." in declined.content.decode()
    request.refresh_from_db()
    assert request.status == RequestStatus.WITHDRAWN
    assert Offer.objects.get(pk=offer.pk).status == OfferStatus.LAPSED
    assert not Engagement.objects.filter(help_request=request).exists()


def test_the_upgrade_resolves_the_alerts_of_requests_that_no_longer_wait(submit: Submit) -> None:
    request, _supervisor, _cy = _alerted_then_taken_then_rematched(submit)
    waiting, _ = submit(first_name="Sample Two")
    organization = request.alerts.get().organization
    still = EscalationAlert.objects.create(request=waiting, organization=organization)
    HelpRequest.objects.filter(pk=waiting.pk).update(status=RequestStatus.OFFERED)
    # As before intake/0011: nothing resolved an alert, whatever became of its request.
    EscalationAlert.objects.update(resolved_at=None)
    module = importlib.import_module("peerway.intake.migrations.0011_alerts_resolved")
    module.resolve_stale_alerts(django_apps, None)
    # The rematched request's alert predates its rematch; the other request still waits on its offer.
    assert list(EscalationAlert.objects.filter(resolved_at__isnull=True)) == [still]
