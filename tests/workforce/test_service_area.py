"""In person, a peer meets people anywhere in the counties they serve and within their radius of home."""

from __future__ import annotations

from collections.abc import Callable

from django.test import Client
from django.urls import reverse

from peerway.intake.models import HelpRequest
from peerway.intake.services import request_route
from peerway.organizations.models import County
from peerway.workforce.models import PeerProfile
from tests.factories import OrganizationFactory, peer_profile

Submit = Callable[..., tuple[HelpRequest, str]]


def _profile_post(client: Client, profile: PeerProfile, counties: list[County], radius: int = 40) -> None:
    response = client.post(
        reverse("workforce:profile_edit") + f"?organization={profile.organization.slug}",
        {
            "display_name": profile.display_name,
            "modalities": ["in_person"],
            "service_counties": [c.pk for c in counties],
            "service_radius_km": radius,
            "caseload_limit": 20,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]


def _dee(counties: list[str], radius: int = 40) -> PeerProfile:
    peer = peer_profile(OrganizationFactory(), name="Dee", modalities=("in_person",))
    client = Client()
    client.force_login(peer.user)
    _profile_post(client, peer, [County.objects.get(name=name) for name in counties], radius)
    return PeerProfile.objects.get(pk=peer.pk)


def test_a_person_in_a_county_the_peer_serves_can_meet_them_in_person(submit: Submit) -> None:
    peer = _dee(["Hennepin", "St. Louis"])
    request, _ = submit(modalities=("in_person",), zip_code="55802")
    assert request.county is not None and request.county.name == "St. Louis"
    assert [o.peer for o in request_route(request_id=request.pk)] == [peer]


def test_a_person_within_the_radius_of_the_first_county_is_met_with_the_real_distance(submit: Submit) -> None:
    # Ramsey is next to Hennepin, whose centre is the peer's home point; the peer does not list Ramsey.
    peer = _dee(["Hennepin"])
    request, _ = submit(modalities=("in_person",), zip_code="55101")
    offers = request_route(request_id=request.pk)
    assert [o.peer for o in offers] == [peer]
    assert offers[0].explanation["distance_km"] > 0


def test_a_person_outside_every_county_served_and_the_radius_is_not_offered(submit: Submit) -> None:
    _dee(["Hennepin"])
    request, _ = submit(modalities=("in_person",), zip_code="55802")
    assert request_route(request_id=request.pk) == []
    request.refresh_from_db()
    assert request.routing_note["code"] == "no_peer_in_range"


def test_a_peer_who_stops_serving_any_county_is_no_longer_offered_in_person_requests(submit: Submit) -> None:
    peer = peer_profile(OrganizationFactory(), name="Dee", modalities=("in_person",))
    client = Client()
    client.force_login(peer.user)
    _profile_post(client, peer, [County.objects.get(name="Hennepin")])
    assert PeerProfile.objects.get(pk=peer.pk).latitude is not None
    _profile_post(client, peer, [])
    peer.refresh_from_db()
    assert (peer.latitude, peer.longitude) == (None, None)
    request, _ = submit(modalities=("in_person",), zip_code="55404")
    assert request_route(request_id=request.pk) == []


def test_serving_a_county_does_not_open_in_person_meetings_to_a_peer_who_does_not_meet_in_person(
    submit: Submit,
) -> None:
    peer = peer_profile(OrganizationFactory(), name="Dee", modalities=("phone",))
    peer.service_counties.set([County.objects.get(name="St. Louis")])
    request, _ = submit(modalities=("in_person",), zip_code="55802")
    assert request_route(request_id=request.pk) == []
