"""Review of the person's side of the first call (issue 4, part 1): the public form at /help/ and the private
status page at /r/<token>/, under the paths a person really takes (a page left open in a second tab, the back
button, deleting what they entered). Synthetic data only."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from peerway.intake.models import HelpRequest, Offer, OfferStatus, RequestStatus
from peerway.intake.services import request_accept, request_route
from tests.factories import OrganizationFactory, peer_profile
from tests.intake.test_status_actions import notices

Submit = Callable[..., tuple[HelpRequest, str]]

pytestmark = pytest.mark.django_db


def test_a_different_peer_sent_again_from_a_page_left_open_does_not_turn_down_the_peers_just_asked(
    submit: Submit,
) -> None:
    """The person asks for a different peer in one tab; the worker routes the request to three new peers within
    seconds. Their other tab (or the back button) still shows "Find me a different peer"; pressing it there used to
    turn every new peer down as if the person had refused them: they are never asked again for this person."""
    org = OrganizationFactory()
    for name in ("Amina", "Bea", "Cal", "Dee"):
        peer_profile(org, name=name)
    request, token = submit()
    first_round = request_route(request_id=request.pk)
    request_accept(request=request, peer=first_round[0].peer)
    stale_tab = Client()
    assert "Find me a different peer" in stale_tab.get(f"/r/{token}/").content.decode()

    Client().post(f"/r/{token}/different-peer/", {"reason": "Sample reason"})
    second_round = {offer.peer for offer in request_route(request_id=request.pk)}
    assert len(second_round) == 3 and first_round[0].peer not in second_round

    response = stale_tab.post(f"/r/{token}/different-peer/", {"reason": "Sample reason"})

    request.refresh_from_db()
    assert request.status == RequestStatus.OFFERED, "the new search goes on"
    still_asked = {offer.peer for offer in Offer.objects.filter(request=request, status=OfferStatus.OFFERED)}
    assert still_asked == second_round, "peers who were only just asked are not turned down"
    assert notices(response) == ["We are looking for a different peer for you."]


def test_deleting_what_the_person_entered_removes_the_ways_to_meet_from_why_nobody_was_found(
    submit: Submit,
) -> None:
    """The delete page promises to keep only that a request was made, in which language and county, and when, and
    request_erase empties ``modalities``; the routing note (why no peer could take it) kept them anyway."""
    peer_profile(OrganizationFactory(), name="Bea", modalities=("phone",))
    request, token = submit(modalities=("video", "in_person"), zip_code="55404")
    request_route(request_id=request.pk)
    request.refresh_from_db()
    assert sorted(request.routing_note.get("modalities", ())) == ["in_person", "video"]

    assert Client().post(f"/r/{token}/delete/").status_code == 302

    request.refresh_from_db()
    assert request.modalities == []
    assert "in_person" not in str(request.routing_note) and "video" not in str(request.routing_note)
    assert request.routing_note.get("code") == "no_common_modality", "the reason alone still counts as unmet demand"


def test_a_different_peer_is_asked_about_the_peer_the_page_showed(submit: Submit) -> None:
    """The form names the peer the page showed: a page older than the person's latest peer changes nothing."""
    org = OrganizationFactory()
    for name in ("Amina", "Bea"):
        peer_profile(org, name=name)
    request, token = submit()
    offers = request_route(request_id=request.pk)
    request_accept(request=request, peer=offers[0].peer)
    page = Client().get(f"/r/{token}/").content.decode()
    assert f'name="peer" value="{offers[0].peer.public_id}"' in page

    other = Client().post(f"/r/{token}/different-peer/", {"peer": str(offers[1].peer.public_id)})
    request.refresh_from_db()
    assert request.status == RequestStatus.ACCEPTED
    assert notices(other) == [
        "Your page was out of date, so nothing changed. It now shows your peer; you can still ask for another."
    ]
    assert not Offer.objects.filter(request=request, status=OfferStatus.DECLINED).exists()

    shown = Client().post(f"/r/{token}/different-peer/", {"peer": str(offers[0].peer.public_id), "reason": ""})
    request.refresh_from_db()
    assert request.status == RequestStatus.RECEIVED and notices(shown) == [
        "We are looking for a different peer for you."
    ]
    assert Offer.objects.get(request=request, peer=offers[0].peer).status == OfferStatus.DECLINED
