"""Races, with real threads on PostgreSQL: exactly one peer wins an offer however many accept at the same
instant, and people submitting the public form at once on a threaded server each get their request stored."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterator

import pytest
from django.core.cache import cache
from django.db import connection, connections
from django.test import Client
from django_tasks_db.models import DBTaskResult

from peerway.intake.models import HelpRequest, Offer, OfferStatus, RequestStatus
from peerway.intake.services import OfferNotAvailable, request_accept
from peerway.recovery.models import Engagement, Participant
from peerway.workforce.models import PeerProfile
from tests.factories import OrganizationFactory, peer_profile
from tests.intake.test_public_views import form_data

THREADS = 50
ROUNDS = 5
SUBMITTERS = 4
SUBMITS_EACH = 15

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="races between writers need PostgreSQL; SQLite serializes every writer, so there is nothing to race",
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


@pytest.fixture
def _threads_switch_often() -> Iterator[None]:
    # Python hands the interpreter from thread to thread every 5 ms by default, so two requests rarely
    # interleave inside a short stretch of code; every 10 µs, they do, as on a busy threaded server.
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)
    cache.clear()
    yield
    sys.setswitchinterval(interval)
    cache.clear()


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("_threads_switch_often")
def test_people_submitting_at_once_on_a_threaded_server_each_get_their_request_stored() -> None:
    # `make demo` serves with Django's threaded development server and gunicorn can run threaded workers: the
    # model fields and form fields of a submit are shared by every thread. State kept on one of them while a
    # request is validated (as django-fernet-encrypted-fields' clean did) makes some of these submits fail.
    outcomes: list[str] = []
    lock = threading.Lock()

    def person(number: int) -> None:
        client = Client()
        try:
            for each in range(SUBMITS_EACH):
                # Each from their own address, so the per-address rate limit lets every one through.
                address = f"198.51.100.{number * SUBMITS_EACH + each + 1}"
                try:
                    response = client.post("/help/", form_data(first_name=f"Sample{number}"), REMOTE_ADDR=address)
                    result = "stored" if response.status_code == 302 else f"status {response.status_code}"
                except Exception as exc:  # whatever fails is reported by the assertion below
                    result = f"error: {exc!r}"
                with lock:
                    outcomes.append(result)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=person, args=(number,)) for number in range(SUBMITTERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    submitted = SUBMITTERS * SUBMITS_EACH
    assert outcomes == ["stored"] * submitted, sorted(set(outcomes))
    assert HelpRequest.objects.count() == submitted
    assert HelpRequest.history.filter(history_type="+").count() == submitted
    assert DBTaskResult.objects.count() == submitted
