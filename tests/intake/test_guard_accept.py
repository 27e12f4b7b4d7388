"""Guards found by mutation testing: who may accept a first-call request."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.db import connection, connections, transaction

from peerway.intake.models import HelpRequest, RequestStatus
from peerway.intake.services import CaseloadFull, request_accept, request_route
from peerway.recovery.models import Engagement
from peerway.workforce.models import PeerStatus
from tests.factories import OrganizationFactory, peer_profile
from tests.helpers import until_waiting_or_done

Submit = Callable[..., tuple[HelpRequest, str]]


@pytest.mark.parametrize("status", [PeerStatus.ON_LEAVE, PeerStatus.INACTIVE])
def test_a_peer_whose_profile_left_service_after_the_offer_cannot_accept_it(submit: Submit, status: str) -> None:
    amina = peer_profile(OrganizationFactory(), name="Amina")
    request, _ = submit()
    request_route(request_id=request.pk)
    # Her profile is set on leave (or inactive) while her offer is still out: the every-minute lapse has not run.
    amina.status = status
    amina.save(update_fields=["status"])

    with pytest.raises(CaseloadFull):
        request_accept(request=request, peer=amina)
    request.refresh_from_db()
    assert request.status == RequestStatus.OFFERED
    assert not Engagement.objects.exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite serializes every writer: nothing to race")
@pytest.mark.django_db(transaction=True)
def test_two_accepts_at_once_by_one_peer_with_one_place_left_begin_one_engagement(submit: Submit) -> None:
    # Offers hold no place: a peer with room for one more person may hold two offers and accept both at once
    # (two tabs, a double-tapped phone). The row lock on her profile makes the second accept count the first.
    amina = peer_profile(OrganizationFactory(), name="Amina", caseload_limit=1)
    first, _ = submit()
    second, _ = submit()
    request_route(request_id=first.pk)
    request_route(request_id=second.pk)
    outcome: list[str] = []

    def second_accept() -> None:
        try:
            request_accept(request=second, peer=amina)
            outcome.append("accepted")
        except CaseloadFull:
            outcome.append("caseload full")
        except Exception as error:  # any other error fails the assertion below
            outcome.append(repr(error))
        finally:
            connections.close_all()

    thread = threading.Thread(target=second_accept)
    with transaction.atomic():  # the first accept: its engagement begun, not yet committed
        request_accept(request=first, peer=amina)
        thread.start()
        until_waiting_or_done(thread)
    thread.join(timeout=30)

    assert outcome == ["caseload full"]
    assert Engagement.objects.filter(peer=amina).count() == 1
    second.refresh_from_db()
    assert second.status == RequestStatus.OFFERED
