"""A peer who ends their shift lets go of the offers they hold, so nobody waits on them."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django_tasks_db.models import DBTaskResult

from peerway.intake.models import HelpRequest, Offer, OfferStatus
from peerway.intake.services import OfferNotAvailable, request_accept, request_route, requests_route_waiting
from peerway.workforce.services import peer_shift_set
from tests.factories import OrganizationFactory, peer_profile

Submit = Callable[..., tuple[HelpRequest, str]]


def _routing_jobs() -> list[list[int]]:
    return [row.args_kwargs["args"] for row in DBTaskResult.objects.filter(task_path__endswith="request_route_task")]


def test_a_peer_who_ends_their_shift_does_not_keep_the_person_waiting_on_their_offer(submit: Submit) -> None:
    org = OrganizationFactory()
    ann = peer_profile(org, name="Ann")
    bo = peer_profile(org, name="Bo", on_shift=False)
    request, _ = submit()
    assert [o.peer for o in request_route(request_id=request.pk)] == [ann]
    peer_shift_set(profile=bo, on_shift=True)
    peer_shift_set(profile=ann, on_shift=False)
    requests_route_waiting()
    request_route(request_id=request.pk)
    live = set(
        Offer.objects.filter(request=request, status=OfferStatus.OFFERED).values_list("peer__display_name", flat=True)
    )
    assert live == {"Bo"}


def test_ending_a_shift_lapses_the_peers_offers_and_queues_their_requests_for_routing(submit: Submit) -> None:
    ann = peer_profile(OrganizationFactory(), name="Ann")
    first, _ = submit()
    second, _ = submit()
    request_route(request_id=first.pk)
    request_route(request_id=second.pk)
    before = _routing_jobs()
    peer_shift_set(profile=ann, on_shift=False)
    offers = Offer.objects.filter(peer=ann)
    assert {o.status for o in offers} == {OfferStatus.LAPSED}
    assert all(o.responded_at is not None for o in offers)
    assert _routing_jobs()[len(before) :] == [[first.pk], [second.pk]]


def test_a_peer_off_shift_cannot_accept_an_offer_they_held(submit: Submit) -> None:
    ann = peer_profile(OrganizationFactory(), name="Ann")
    request, _ = submit()
    request_route(request_id=request.pk)
    peer_shift_set(profile=ann, on_shift=False)
    with pytest.raises(OfferNotAvailable):
        request_accept(request=request, peer=ann)


def test_a_peer_back_on_shift_may_be_offered_the_request_again(submit: Submit) -> None:
    ann = peer_profile(OrganizationFactory(), name="Ann")
    request, _ = submit()
    request_route(request_id=request.pk)
    peer_shift_set(profile=ann, on_shift=False)
    assert request_route(request_id=request.pk) == []
    peer_shift_set(profile=ann, on_shift=True)
    assert [o.peer for o in request_route(request_id=request.pk)] == [ann]


def test_ending_a_shift_leaves_other_peers_offers_and_accepted_ones_alone(submit: Submit) -> None:
    org = OrganizationFactory()
    ann = peer_profile(org, name="Ann")
    bo = peer_profile(org, name="Bo")
    taken, _ = submit()
    request_route(request_id=taken.pk)
    request_accept(request=taken, peer=ann)
    waiting, _ = submit()
    request_route(request_id=waiting.pk)
    peer_shift_set(profile=ann, on_shift=False)
    assert Offer.objects.get(request=taken, peer=ann).status == OfferStatus.ACCEPTED
    assert Offer.objects.get(request=waiting, peer=bo).status == OfferStatus.OFFERED
    assert Offer.objects.get(request=waiting, peer=ann).status == OfferStatus.LAPSED


def test_a_request_let_go_with_nobody_on_shift_goes_to_the_next_peer_who_starts_one(submit: Submit) -> None:
    org = OrganizationFactory()
    ann = peer_profile(org, name="Ann")
    bo = peer_profile(org, name="Bo", on_shift=False)
    request, _ = submit()
    assert [o.peer for o in request_route(request_id=request.pk)] == [ann]
    peer_shift_set(profile=ann, on_shift=False)
    # The worker routes it again at once, and finds nobody on shift.
    assert request_route(request_id=request.pk) == []
    # Later Bo starts a shift; the worker's retry of waiting requests (every minute, and on a shift start).
    peer_shift_set(profile=bo, on_shift=True)
    requests_route_waiting()
    live = Offer.objects.filter(request=request, status=OfferStatus.OFFERED).values_list("peer", flat=True)
    assert list(live) == [bo.pk]
