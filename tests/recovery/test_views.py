from __future__ import annotations

from django.test import Client
from django.urls import reverse

from peerway.core.models import AccessEvent
from tests.factories import ParticipantFactory
from tests.helpers import Cast, assert_staff_view_guarded


def test_the_record_page_shows_the_person_and_logs_one_view(cast: Cast) -> None:
    participant = ParticipantFactory(organization=cast.org, preferred_name="Sample Nimco")
    url = reverse("recovery:participant_detail", args=[participant.public_id])
    assert_staff_view_guarded(url, allowed=[cast.alice], outsiders=[cast.olive], without_role=[cast.nobody])
    client = Client()
    client.force_login(cast.sam)
    AccessEvent.objects.all().delete()
    response = client.get(url)
    assert "Sample Nimco" in response.content.decode()
    assert response["Cache-Control"] == "no-store, private"
    assert AccessEvent.objects.filter(subject_id=participant.public_id, action="viewed").count() == 1


def test_the_list_shows_only_the_users_organization(cast: Cast) -> None:
    ParticipantFactory(organization=cast.org, preferred_name="Sample Mine")
    ParticipantFactory(organization=cast.other_org, preferred_name="Sample Theirs")
    client = Client()
    client.force_login(cast.alice)
    body = client.get(reverse("recovery:participant_list")).content.decode()
    assert "Sample Mine" in body
    assert "Sample Theirs" not in body


def test_the_access_history_page_lists_who_looked(cast: Cast) -> None:
    participant = ParticipantFactory(organization=cast.org)
    client = Client()
    client.force_login(cast.alice)
    client.get(reverse("recovery:participant_detail", args=[participant.public_id]))
    client.force_login(cast.sam)
    body = client.get(reverse("recovery:participant_access_history", args=[participant.public_id])).content.decode()
    assert "alice" in body.lower()
    assert "record page" in body
