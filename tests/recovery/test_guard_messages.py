"""Guards found by mutation testing: who may open a person's secure messages."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from peerway.accounts.models import Membership
from peerway.core.models import AccessEvent
from peerway.recovery.services.messages import message_send_from_participant
from tests.factories import MembershipFactory
from tests.helpers import Cast
from tests.recovery.plan_helpers import engagement_for


def test_a_peer_whose_role_there_ended_cannot_open_the_thread_from_another_organization(cast: Cast) -> None:
    # Alice was the engagement's peer in org, then her peer role there ended and she became a peer elsewhere.
    # The thread is the covering team's now: she gets a 404 and nothing is logged as her viewing it.
    engagement = engagement_for(cast, preferred_name="Sample Hodan")
    message_send_from_participant(engagement=engagement, body="Is anyone there?")
    Membership.objects.filter(user=cast.alice, organization=cast.org, role="peer").update(active=False)
    MembershipFactory(user=cast.alice, organization=cast.other_org, role="peer")
    client = Client()
    client.force_login(cast.alice)
    response = client.get(reverse("recovery:engagement_messages", args=[engagement.public_id]))
    assert response.status_code == 404
    assert "Is anyone there?" not in response.content.decode()
    assert not AccessEvent.objects.filter(actor=cast.alice, subject_id=engagement.participant.public_id).exists()
