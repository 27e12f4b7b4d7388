"""Bad input on the peers' side of the first call: the live queue's accept and decline, the on-shift switch and
the matching profile form. Guards that hostile or mistaken posts (NUL characters, over-long text, ids that are not
UUIDs, another peer's offer, a withdrawn request, a double tap) give a 404 or a clear answer, never a server
error, and that a refused profile form keeps everything the peer entered."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from peerway.core.models import Community, Language
from peerway.intake.models import HelpRequest, Offer, OfferStatus, RequestStatus
from peerway.intake.services import request_route, request_withdraw
from peerway.organizations.models import County
from peerway.recovery.models import Engagement
from peerway.workforce.models import PeerProfile
from tests.factories import OrganizationFactory, peer_profile

Submit = Callable[..., tuple[HelpRequest, str]]


def _signed_in(profile: PeerProfile) -> Client:
    # A server error must reach the test as a 500 answer, as a browser would see it, not as an exception.
    client = Client(raise_request_exception=False)
    client.force_login(profile.user)
    return client


@pytest.fixture
def offered(submit: Submit) -> tuple[Offer, PeerProfile]:
    """An offer of a fresh request to Ann, and Bo, another on-shift peer of the same organization."""
    org = OrganizationFactory()
    ann = peer_profile(org, name="Ann")
    bo = peer_profile(org, name="Bo", languages=("es",))
    request, _token = submit(language="en", language_required=True)
    [offer] = request_route(request_id=request.pk)
    assert offer.peer == ann
    return offer, bo


@pytest.mark.parametrize("action", ["workforce:offer_accept", "workforce:offer_decline"])
def test_another_peers_offer_is_a_404_and_stays_offered(offered: tuple[Offer, PeerProfile], action: str) -> None:
    offer, bo = offered
    response = _signed_in(bo).post(reverse(action, args=[offer.public_id]), {"reason": "not mine"})
    assert response.status_code == 404
    offer.refresh_from_db()
    assert offer.status == OfferStatus.OFFERED
    assert HelpRequest.objects.get(pk=offer.request_id).status == RequestStatus.OFFERED


@pytest.mark.parametrize(
    "path",
    [
        "/staff/queue/offers/not-a-uuid/accept/",
        "/staff/queue/offers/%00/decline/",
        "/staff/queue/offers/" + "a" * 5000 + "/accept/",
    ],
)
def test_an_offer_id_that_is_not_a_uuid_is_a_404(offered: tuple[Offer, PeerProfile], path: str) -> None:
    offer, _bo = offered
    assert _signed_in(offer.peer).post(path).status_code == 404


def test_accepting_a_request_the_person_withdrew_says_so_and_opens_no_record(
    offered: tuple[Offer, PeerProfile],
) -> None:
    offer, _bo = offered
    request_withdraw(request=offer.request)
    response = _signed_in(offer.peer).post(reverse("workforce:offer_accept", args=[offer.public_id]), follow=True)
    assert response.status_code == 200
    assert "or it was withdrawn" in response.content.decode()
    assert not Engagement.objects.filter(help_request=offer.request).exists()


def test_a_double_tapped_accept_takes_the_peer_to_the_person_they_accepted(offered: tuple[Offer, PeerProfile]) -> None:
    offer, _bo = offered
    client = _signed_in(offer.peer)
    url = reverse("workforce:offer_accept", args=[offer.public_id])
    first = client.post(url)
    second = client.post(url, follow=True)
    assert Engagement.objects.filter(help_request=offer.request).count() == 1
    assert "Another peer took this request" not in second.content.decode()
    assert second.redirect_chain[0][0] == first["Location"]


def test_a_decline_reason_with_nul_characters_or_too_long_is_kept_cut_and_a_second_post_changes_nothing(
    offered: tuple[Offer, PeerProfile],
) -> None:
    offer, _bo = offered
    client = _signed_in(offer.peer)
    url = reverse("workforce:offer_decline", args=[offer.public_id])
    response = client.post(url, {"reason": "busy\x00now " + "x" * 5000})
    assert response.status_code == 302
    offer.refresh_from_db()
    assert offer.status == OfferStatus.DECLINED
    assert offer.decline_reason is not None and offer.decline_reason.startswith("busy")
    assert len(offer.decline_reason) <= 200
    again = client.post(url, {"reason": "second tap"}, follow=True)
    assert "no longer waiting for you" in again.content.decode()
    offer.refresh_from_db()
    assert offer.decline_reason.startswith("busy")


@pytest.mark.parametrize("slug", ["\x00", "riverbend\x00", "x" * 5000, "../../admin"])
def test_an_organization_that_is_no_slug_of_the_peers_is_a_404_for_the_shift_and_the_profile(
    offered: tuple[Offer, PeerProfile], slug: str
) -> None:
    offer, _bo = offered
    client = _signed_in(offer.peer)
    assert client.post(reverse("workforce:shift_toggle"), {"organization": slug, "on_shift": "0"}).status_code == 404
    assert client.get(reverse("workforce:profile_edit"), {"organization": slug}).status_code == 404
    assert PeerProfile.objects.get(pk=offer.peer.pk).on_shift
    assert Offer.objects.get(pk=offer.pk).status == OfferStatus.OFFERED


def _profile_post(**changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "display_name": "Sample Ann",
        "introduction": "Sample introduction, kept",
        "languages": [Language.objects.get(slug="so").pk],
        "communities": [Community.objects.get(slug="somali").pk],
        "gender": "",
        "age_band": "",
        "modalities": ["phone", "in_person"],
        "service_counties": [County.objects.get(name="Ramsey").pk],
        "service_radius_km": "30",
        "caseload_limit": "20",
    }
    data.update(changes)
    return data


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"display_name": "Sample\x00Ann"}, "display_name"),
        ({"introduction": "Sample\x00intro"}, "introduction"),
        ({"display_name": "S" * 61}, "display_name"),
        ({"introduction": "i" * 601}, "introduction"),
        ({"service_radius_km": str(10**30)}, "service_radius_km"),
        ({"service_radius_km": "-1"}, "service_radius_km"),
        ({"languages": ["\x00"]}, "languages"),
        ({"modalities": ["phone", "fax\x00"]}, "modalities"),
        ({"caseload_limit": "1e3"}, "caseload_limit"),
    ],
)
def test_a_refused_profile_form_names_the_field_saves_nothing_and_keeps_the_rest(
    offered: tuple[Offer, PeerProfile], changes: dict[str, object], field: str
) -> None:
    offer, _bo = offered
    before = PeerProfile.objects.get(pk=offer.peer.pk)
    response = _signed_in(offer.peer).post(reverse("workforce:profile_edit"), _profile_post(**changes))
    assert response.status_code == 400
    form = response.context["form"]
    assert list(form.errors) == [field]
    after = PeerProfile.objects.get(pk=offer.peer.pk)
    assert (after.display_name, after.introduction, after.modalities) == (
        before.display_name,
        before.introduction,
        before.modalities,
    )
    body = response.content.decode()
    assert f'id="id_{field}_error"' in body
    # What the peer entered elsewhere on the form is shown again as they entered it.
    if field != "introduction":
        assert "Sample introduction, kept" in body
    somali, ramsey = Language.objects.get(slug="so").pk, County.objects.get(name="Ramsey").pk
    chosen = {
        "modalities": r'<input type="checkbox" name="modalities" value="in_person"[^>]*\bchecked\b',
        "languages": rf'<input type="checkbox" name="languages" value="{somali}"[^>]*\bchecked\b',
        "service_counties": rf'<option value="{ramsey}" selected>',
    }
    for name, pattern in chosen.items():
        if name != field:
            assert re.search(pattern, body), f"{name} was not kept"
