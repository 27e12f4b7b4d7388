"""The seed's routing gives a peer the service area matching gives them: in person, anywhere in every county they
serve, and within their radius of the first one (matching.service.peer_spec)."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from peerway.core.seed.context import PeerSeed, SeedContext
from peerway.core.seed.routing import PastRouter, PresentRouter, peer_spec, peer_spec_for_request
from peerway.core.seed.scales import SCALES
from peerway.matching import service
from peerway.matching.specs import Location, RequestSpec
from peerway.organizations.geography import place_for_county
from peerway.organizations.models import County
from peerway.workforce.models import PeerStatus
from tests.factories import OrganizationFactory, peer_profile

TODAY = dt.date(2026, 11, 23)
PEER_ID = uuid.UUID("8c4f1f2e-0d7a-4b53-9d0e-5f7e3c2a1b40")
# Hennepin's centre is the peer's home point; St. Louis (Duluth) is about 230 km away, Ramsey next door.
HOME, SECOND, NEIGHBOUR, ELSEWHERE = "Hennepin", "St. Louis", "Ramsey", "Lake"
RADIUS_KM = 40


def _centre(county: str) -> Location:
    place = place_for_county(county)
    assert place is not None
    return Location(place.latitude, place.longitude)


def _dee(counties: tuple[str, ...] = (HOME, SECOND), modalities: tuple[str, ...] = ("in_person",)) -> PeerSeed:
    home = _centre(counties[0]) if counties else None
    return PeerSeed(
        profile_id=1,
        public_id=PEER_ID,
        user_id=1,
        organization_id=1,
        region="Metro",
        role="peer",
        demo_username=None,
        languages=("en",),
        communities=(),
        lived_experience=(),
        pathways=(),
        gender="",
        age_band="",
        modalities=modalities,
        service_counties=counties,
        latitude=home.lat if home else None,
        longitude=home.lon if home else None,
        service_radius_km=RADIUS_KM,
        caseload_limit=10,
        status=PeerStatus.ACTIVE,
        on_shift=True,
        created_at=dt.datetime(2026, 1, 5, tzinfo=dt.UTC),
    )


def _in_person(county: str, modalities: tuple[str, ...] = ("in_person",)) -> RequestSpec:
    return RequestSpec(id=f"request-in-{county}", languages=("en",), modalities=modalities, location=_centre(county))


def _past_router(peer: PeerSeed) -> PastRouter:
    ctx = SeedContext(seed=42, scale_name="small", scale=SCALES["small"], today=TODAY, progress=False)
    ctx.peers.append(peer)
    return PastRouter(ctx)


@pytest.mark.parametrize(("county", "reached"), [(SECOND, True), (NEIGHBOUR, True), (ELSEWHERE, False)])
def test_a_past_request_reaches_a_peer_in_any_county_they_serve(county: str, reached: bool) -> None:
    router = _past_router(_dee())
    ranked = router.rank(_in_person(county), "Metro", dt.datetime(2026, 11, 1, tzinfo=dt.UTC), county=county)
    assert [item.peer for item in ranked] == ([0] if reached else [])
    if reached:
        # The explanation is the engine's for the spec it ranked: in person is shared, at a real distance.
        assert "in_person" in ranked[0].explanation["modalities"]
        assert ranked[0].explanation["distance_km"] is not None


@pytest.mark.parametrize(("county", "reached"), [(SECOND, True), (NEIGHBOUR, True), (ELSEWHERE, False)])
def test_an_open_request_reaches_a_peer_in_any_county_they_serve(county: str, reached: bool) -> None:
    router = PresentRouter([_dee()], [0])
    ranked, reason = router.route(_in_person(county), county=county)
    assert [item.peer for item in ranked] == ([0] if reached else [])
    assert (reason is None) == reached
    if not reached:
        assert reason is not None and reason["code"] == "no_peer_in_range"
    # Excluding the peer (a widened round) leaves nobody, whatever the county.
    assert router.route(_in_person(county), county=county, exclude=[0])[0] == []


def test_a_second_county_does_not_open_in_person_meetings_to_a_peer_who_does_not_meet_in_person() -> None:
    router = PresentRouter([_dee(modalities=("phone",))], [0])
    assert router.route(_in_person(SECOND), county=SECOND)[0] == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("counties", "request_county", "modalities", "moved"),
    [
        ((HOME, SECOND), SECOND, ("in_person",), True),
        ((HOME, SECOND), NEIGHBOUR, ("in_person",), False),
        ((HOME, SECOND), ELSEWHERE, ("in_person",), False),
        ((HOME, SECOND), SECOND, ("in_person", "phone"), True),
        ((HOME, SECOND), SECOND, ("phone",), False),
        ((SECOND, HOME), HOME, ("in_person",), True),
        ((HOME,), SECOND, ("in_person",), False),
        ((), SECOND, ("in_person",), False),
    ],
)
def test_the_seed_builds_the_same_spec_for_a_request_as_matching_does(
    counties: tuple[str, ...], request_county: str, modalities: tuple[str, ...], moved: bool
) -> None:
    seeded = _dee(counties)
    record = peer_profile(OrganizationFactory(), name="Dee", modalities=("in_person",))
    record.public_id, record.service_radius_km, record.caseload_limit = PEER_ID, RADIUS_KM, seeded.caseload_limit
    record.latitude, record.longitude = seeded.latitude, seeded.longitude
    record.save()
    record.service_counties.set([County.objects.get(name=name, state="MN") for name in counties])
    request = _in_person(request_county, modalities)
    live = service.peer_spec(record, request=request, request_county_id=County.objects.get(name=request_county).pk)
    base = peer_spec(seeded, on_shift=record.on_shift, active_caseload=0)
    assert peer_spec_for_request(seeded, base, request, request_county) == live
    # Widened: the peer's reach is stretched to the person, who is in a county the peer serves; the peer keeps their
    # own point, so the proximity term counts the real distance.
    assert live.location == base.location
    assert (live.service_radius_km is not None and live.service_radius_km > RADIUS_KM) == moved and (
        live != base
    ) == moved
