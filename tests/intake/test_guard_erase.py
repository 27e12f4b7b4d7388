"""Guards found by mutation testing: what deleting a request leaves behind."""

from __future__ import annotations

from collections.abc import Callable

from peerway.core.models import RecoveryPathway
from peerway.intake.models import HelpRequest, Offer, RequestStatus
from peerway.intake.services import request_accept, request_erase, request_rematch, request_route, status_token_hash
from tests.factories import OrganizationFactory, peer_profile

Submit = Callable[..., tuple[HelpRequest, str]]


def test_erasing_removes_the_location_the_experience_the_pathways_and_the_previous_peer(submit: Submit) -> None:
    bea = peer_profile(OrganizationFactory(), name="Bea")
    request, _ = submit(
        zip_code="55404",
        lived_experience=("opioids",),
        pathways=list(RecoveryPathway.objects.filter(slug="medication")),
    )
    request.preferred_peer = bea
    request.save(update_fields=["preferred_peer"])
    assert request.latitude is not None and request.lived_experience.exists() and request.pathways.exists()

    request_erase(request=request)

    request.refresh_from_db()
    assert request.status == RequestStatus.WITHDRAWN
    assert (request.zip_code, request.latitude, request.longitude) == ("", None, None)
    assert not request.lived_experience.exists()
    assert not request.pathways.exists()
    assert request.preferred_peer_id is None


def test_after_erasing_the_old_link_no_longer_matches_any_request(submit: Submit) -> None:
    # Not only expired: a link found later (browser history, a shared phone) cannot show a request was made.
    request, token = submit()
    request_erase(request=request)
    assert not HelpRequest.objects.filter(status_token_hash=status_token_hash(token)).exists()


def test_erasing_a_routed_request_deletes_its_offers_and_the_reason_given_for_a_different_peer(
    submit: Submit,
) -> None:
    org = OrganizationFactory()
    peer_profile(org, name="Amina")
    peer_profile(org, name="Bea")
    request, _ = submit()
    offers = request_route(request_id=request.pk)
    request_accept(request=request, peer=offers[0].peer)
    # The reason the person typed is kept on the declined offers.
    request_rematch(request=request, reason="Sample reason: I know this peer from church")
    assert any("church" in (offer.decline_reason or "") for offer in Offer.objects.filter(request=request))

    request_erase(request=request)

    assert not Offer.objects.filter(request=request).exists()
