"""Guards found by mutation testing: the windows a person waits through (choosing, escalation)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
import time_machine

from peerway.intake.models import HelpRequest, Offer
from peerway.intake.services import request_route, requests_route_waiting
from tests.factories import OrganizationFactory, peer_profile

Submit = Callable[..., tuple[HelpRequest, str]]
START = dt.datetime(2026, 11, 23, 18, 0, tzinfo=dt.UTC)


def test_the_window_to_choose_is_the_shortest_of_the_organizations_shown(submit: Submit) -> None:
    # Peers of two organizations are shown: the person waits the shorter window, never the longer one.
    peer_profile(OrganizationFactory(escalation_minutes=5), name="Amina")
    peer_profile(OrganizationFactory(escalation_minutes=30), name="Bea")
    with time_machine.travel(START, tick=False):
        request, _ = submit(wants_to_choose=True)
        request_route(request_id=request.pk)
    with time_machine.travel(START + dt.timedelta(minutes=4), tick=False):
        assert requests_route_waiting() == 0
    with time_machine.travel(START + dt.timedelta(minutes=5), tick=False):
        assert requests_route_waiting() == 1
    assert Offer.objects.filter(request=request).exists()


def test_an_escalation_window_is_at_least_a_minute(db: None) -> None:
    # A window of 0 would mean "never wait" to the person choosing their peer and "5 minutes" to escalation.
    from django.core.exceptions import ValidationError

    organization = OrganizationFactory()
    organization.escalation_minutes = 0
    with pytest.raises(ValidationError) as refused:
        organization.full_clean()
    assert "escalation_minutes" in refused.value.message_dict
