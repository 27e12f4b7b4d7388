from __future__ import annotations

from django.test import Client
from django.urls import reverse

from peerway.core.models import Community, Language
from peerway.organizations.models import County
from peerway.workforce.models import PeerProfile
from tests.helpers import Cast


def _alice(cast: Cast) -> PeerProfile:
    return PeerProfile.objects.create(
        user=cast.alice, organization=cast.org, display_name="Alice", modalities=["phone"]
    )


def test_a_peer_saves_what_they_choose_to_share(cast: Cast) -> None:
    profile = _alice(cast)
    client = Client()
    client.force_login(cast.alice)
    response = client.post(
        reverse("workforce:profile_edit"),
        {
            "display_name": "Ali",
            "introduction": "Ten years in recovery; I like long walks.",
            "languages": [Language.objects.get(slug="so").pk, Language.objects.get(slug="en").pk],
            "communities": [Community.objects.get(slug="somali").pk],
            "modalities": ["phone", "in_person"],
            "service_counties": [County.objects.get(name="Ramsey").pk],
            "service_radius_km": 30,
            "caseload_limit": 20,
        },
    )
    assert response.status_code == 302
    profile.refresh_from_db()
    assert profile.display_name == "Ali"
    assert sorted(profile.languages.values_list("slug", flat=True)) == ["en", "so"]
    assert profile.modalities == ["phone", "in_person"]
    assert profile.latitude is not None  # from Ramsey County, for in-person matching


def test_bad_input_reshows_the_form_with_errors_and_keeps_what_was_typed(cast: Cast) -> None:
    _alice(cast)
    client = Client()
    client.force_login(cast.alice)
    response = client.post(
        reverse("workforce:profile_edit"),
        {
            "display_name": "Ali",
            "introduction": "Kept text",
            "modalities": [],
            "service_radius_km": 30,
            "caseload_limit": 0,
        },
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "Kept text" in body
    assert "Enter a number from 1 to 200." in body
    assert PeerProfile.objects.get(user=cast.alice).display_name == "Alice"
