"""The admin's peer profile pages: read-mostly, for putting a peer on leave or making them inactive."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from peerway.workforce.models import PeerProfile, PeerStatus
from tests.factories import OrganizationFactory, UserFactory, peer_profile


def _superuser_client() -> Client:
    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(admin)
    return client


def test_an_administrator_lists_peer_profiles_and_puts_a_peer_on_leave(db: None) -> None:
    amina = peer_profile(OrganizationFactory(), name="Amina")
    client = _superuser_client()
    assert "Amina" in client.get(reverse("admin:workforce_peerprofile_changelist")).content.decode()
    url = reverse("admin:workforce_peerprofile_change", args=[amina.pk])
    assert client.get(url).status_code == 200
    shifts = {"shifts-TOTAL_FORMS": "0", "shifts-INITIAL_FORMS": "0"}  # the weekly shifts' inline, left empty
    response = client.post(url, {"status": PeerStatus.ON_LEAVE, "display_name": "Someone else", **shifts})
    assert response.status_code == 302
    amina.refresh_from_db()
    assert (amina.status, amina.display_name) == (PeerStatus.ON_LEAVE, "Amina")


def test_profiles_are_neither_added_nor_deleted_in_the_admin(db: None) -> None:
    amina = peer_profile(OrganizationFactory(), name="Amina")
    client = _superuser_client()
    assert client.get(reverse("admin:workforce_peerprofile_add")).status_code == 403
    delete_url = reverse("admin:workforce_peerprofile_delete", args=[amina.pk])
    assert client.post(delete_url, {"post": "yes"}).status_code == 403
    assert PeerProfile.objects.filter(pk=amina.pk).exists()
