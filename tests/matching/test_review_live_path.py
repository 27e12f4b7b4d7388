"""Review of the live matching path: records to specs, ranking, and the explanations and reasons people read."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.utils import translation

from peerway.core.models import Language
from peerway.intake.models import HelpRequest
from peerway.intake.services import request_accept, request_decline, request_route
from peerway.matching.presentation import shared_sentence
from peerway.matching.service import proposals_for_request
from peerway.organizations.models import County
from peerway.workforce.models import PeerProfile
from tests.factories import MembershipFactory, OrganizationFactory, peer_profile

Submit = Callable[..., tuple[HelpRequest, str]]

# ZIP 55802 is in Duluth, St. Louis County; its centroid is about (46.77, -92.09).
DULUTH_ZIP = "55802"
NEAR_DULUTH = (46.88, -92.09)  # about 12 km from the person
MINNEAPOLIS = (44.98, -93.27)  # about 220 km from the person


def test_a_nearer_peer_is_not_outranked_by_a_far_one_who_serves_the_county(submit: Submit) -> None:
    organization = OrganizationFactory()
    near = peer_profile(organization, name="Near", modalities=("in_person",), location=NEAR_DULUTH)
    far = peer_profile(organization, name="Far", modalities=("in_person",), location=MINNEAPOLIS)
    far.service_counties.set([County.objects.get(name="St. Louis")])
    request, _ = submit(modalities=("in_person",), zip_code=DULUTH_ZIP)

    proposals, _ = proposals_for_request(request, top=2)

    # Both may meet the person (far serves St. Louis County, near is within 40 km); all else is equal.
    assert {p.peer for p in proposals} == {near, far}
    assert proposals[0].peer == near
    assert proposals[0].match.score > proposals[1].match.score


def test_the_reason_after_a_decline_does_not_say_nobody_on_shift_speaks_the_language(submit: Submit) -> None:
    organization = OrganizationFactory()
    mai = peer_profile(organization, name="Mai", languages=("hmn", "en"))
    peer_profile(organization, name="Bea", languages=("en",))
    request, _ = submit(language="hmn", language_required=True)
    assert [offer.peer for offer in request_route(request_id=request.pk)] == [mai]

    request_decline(request=request, peer=mai)
    request_route(request_id=request.pk)

    request.refresh_from_db()
    assert request.routing_note["code"] != "no_peer_speaks_language"


@pytest.mark.parametrize(
    ("language", "doubled"),
    [("en", "community community"), ("es", "comunidad comunidad"), ("so", "bulshada bulshada")],
)
def test_the_live_queue_names_the_deaf_community_once(db: None, language: str, doubled: str) -> None:
    with translation.override(language):
        sentence = shared_sentence({"communities": ["deaf"]})
    assert sentence
    assert doubled not in sentence.casefold()


def test_the_live_queue_lists_a_shared_label_once(db: None) -> None:
    with translation.override("en"):
        sentence = shared_sentence({"lived_experience": ["harm-reduction"], "pathways": ["harm-reduction"]})
    assert sentence == "Shares: Harm reduction"


def test_a_peer_full_in_one_organization_is_offered_once_through_the_other(submit: Submit) -> None:
    """Capacity is per profile: a peer at their limit in one organization is offered through the other, once."""
    alder, birch = OrganizationFactory(), OrganizationFactory()
    amina = peer_profile(alder, name="Amina", caseload_limit=1)
    earlier, _ = submit()
    request_route(request_id=earlier.pk)
    request_accept(request=earlier, peer=amina)
    MembershipFactory(user=amina.user, organization=birch, role="peer")
    twin = PeerProfile.objects.create(
        user=amina.user, organization=birch, display_name="Amina", modalities=["phone"], on_shift=True
    )
    twin.languages.set(Language.objects.filter(slug="en"))

    request, _ = submit()

    assert [offer.peer for offer in request_route(request_id=request.pk)] == [twin]
