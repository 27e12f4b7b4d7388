"""Exactly one peer wins an offer, however many accept at the same instant (PostgreSQL, real threads)."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.db import connection, connections

from peerway.intake.models import HelpRequest, Offer, OfferStatus, RequestStatus
from peerway.intake.services import OfferNotAvailable, request_accept
from peerway.recovery.models import Engagement, Participant
from peerway.workforce.models import PeerProfile
from tests.factories import OrganizationFactory, peer_profile

THREADS = 50
ROUNDS = 5

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="row-level races need PostgreSQL; SQLite serializes every writer, so there is nothing to race",
)


def _offer_to_everyone(request: HelpRequest, peers: list[PeerProfile]) -> None:
    Offer.objects.bulk_create(Offer(request=request, peer=peer, score=1.0) for peer in peers)
    request.offer()
    request.save()


@pytest.mark.django_db(transaction=True)
def test_fifty_simultaneous_accepts_have_exactly_one_winner(submit: Callable[..., tuple[HelpRequest, str]]) -> None:
    organizations = [OrganizationFactory(), OrganizationFactory()]
    peers = [peer_profile(organizations[n % 2], name=f"Racer{n}") for n in range(THREADS)]

    for _ in range(ROUNDS):
        request, _ = submit()
        _offer_to_everyone(request, peers)
        barrier = threading.Barrier(THREADS)
        outcomes: list[str] = []
        lock = threading.Lock()

        def accept(
            peer: PeerProfile,
            request: HelpRequest = request,
            barrier: threading.Barrier = barrier,
            lock: threading.Lock = lock,
            outcomes: list[str] = outcomes,
        ) -> None:
            try:
                barrier.wait()
                request_accept(request=request, peer=peer)
                result = "won"
            except OfferNotAvailable:
                result = "lost"
            except Exception as exc:  # a deadlock or any other error is a failure of the guarantee
                result = f"error: {exc!r}"
            finally:
                connections.close_all()
            with lock:
                outcomes.append(result)

        threads = [threading.Thread(target=accept, args=(peer,)) for peer in peers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)

        assert len(outcomes) == THREADS
        assert outcomes.count("won") == 1, sorted(set(outcomes))
        assert outcomes.count("lost") == THREADS - 1
        request.refresh_from_db()
        assert request.status == RequestStatus.ACCEPTED
        assert Engagement.objects.filter(help_request=request).count() == 1
        assert Offer.objects.filter(request=request, status=OfferStatus.ACCEPTED).get().peer == request.accepted_by

    assert Participant.objects.count() == ROUNDS
