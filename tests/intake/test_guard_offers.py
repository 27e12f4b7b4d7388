"""Guards found by mutation testing: offers held by peers who can no longer take them."""

from __future__ import annotations

from collections.abc import Callable

from peerway.intake.models import HelpRequest, Offer, OfferStatus
from peerway.intake.services import request_accept, request_route, requests_route_waiting
from peerway.workforce.models import PeerProfile
from tests.factories import OrganizationFactory, peer_profile

Submit = Callable[..., tuple[HelpRequest, str]]


def test_the_every_minute_sweep_lapses_an_offer_held_by_a_peer_found_off_shift(submit: Submit) -> None:
    # peer_shift_set lapses the offers itself; the sweep is the net for a profile found off shift any other way
    # (a direct update, a restore), as requests_route_waiting's docstring promises.
    organization = OrganizationFactory()
    first = peer_profile(organization, name="Asha")
    request, _ = submit()
    assert [offer.peer for offer in request_route(request_id=request.pk)] == [first]
    PeerProfile.objects.filter(pk=first.pk).update(on_shift=False)
    second = peer_profile(organization, name="Bilan")

    assert requests_route_waiting() == 1
    assert Offer.objects.get(request=request, peer=first).status == OfferStatus.LAPSED
    assert Offer.objects.get(request=request, peer=second).status == OfferStatus.OFFERED


def test_a_peer_at_their_caseload_limit_is_not_offered_a_new_request(submit: Submit) -> None:
    # Routing counts the peer's active engagements: offering her a request she cannot accept would keep the
    # person waiting out the escalation window for nothing.
    organization = OrganizationFactory()
    amina = peer_profile(organization, name="Amina", caseload_limit=1)
    first, _ = submit()
    request_route(request_id=first.pk)
    request_accept(request=first, peer=amina)
    second, _ = submit()

    assert request_route(request_id=second.pk) == []
    second.refresh_from_db()
    assert second.routing_note["code"] == "no_capacity"
    bea = peer_profile(organization, name="Bea")
    assert requests_route_waiting() == 1
    assert [offer.peer for offer in Offer.objects.filter(request=second)] == [bea]
