"""Secure messages in both directions, notices without personal details, unread counts, staff page scope."""

from __future__ import annotations

from django.core import mail
from django.test import Client
from django.urls import reverse

from peerway.accounts.models import Membership
from peerway.core.models import AccessEvent
from peerway.core.sms import TextMessage
from peerway.recovery.models import Message
from peerway.recovery.selectors.messages import (
    message_team_for_engagement,
    unread_message_count,
    unread_message_count_for_user,
)
from peerway.recovery.services.messages import message_send_from_participant, message_send_from_staff
from tests.helpers import Cast, assert_staff_view_guarded
from tests.recovery.plan_helpers import engagement_for


def test_a_message_from_the_person_notifies_the_peer_without_details(cast: Cast) -> None:
    engagement = engagement_for(cast, preferred_name="Sample Hodan")
    mail.outbox.clear()
    message = message_send_from_participant(engagement=engagement, body="I relapsed last night, can we talk")
    assert message.sender == "participant" and message.sender_user is None
    [notice] = mail.outbox
    assert notice.to == [cast.alice.email]
    assert "Hodan" not in notice.subject + notice.body and "relapsed" not in notice.body
    assert reverse("recovery:engagement_messages", args=[engagement.public_id]) in notice.body
    assert unread_message_count_for_user(cast.alice) == 1
    assert unread_message_count(engagement) == 1


def test_a_message_from_the_peer_texts_the_person_without_details(cast: Cast, text_outbox: list[TextMessage]) -> None:
    engagement = engagement_for(cast, preferred_name="Sample Hodan", language="es")
    message_send_from_staff(engagement=engagement, actor=cast.alice, body="Your housing appointment is Tuesday")
    [text] = text_outbox
    assert text.to == engagement.participant.phone
    assert "Hodan" not in text.body and "housing" not in text.body and "Alice" not in text.body
    assert AccessEvent.objects.filter(subject_id=engagement.participant.public_id, action="created").exists()


def test_the_peer_reads_and_answers_on_the_messages_page(cast: Cast, text_outbox: list[TextMessage]) -> None:
    engagement = engagement_for(cast)
    message_send_from_participant(engagement=engagement, body="Hello from me")
    url = reverse("recovery:engagement_messages", args=[engagement.public_id])
    client = Client()
    client.force_login(cast.sam)  # a supervisor reading does not mark it read for the peer
    assert "Hello from me" in client.get(url).content.decode()
    assert unread_message_count_for_user(cast.alice) == 1
    client.force_login(cast.alice)
    AccessEvent.objects.all().delete()
    client.get(url)
    assert AccessEvent.objects.filter(subject_id=engagement.participant.public_id, action="viewed").count() == 1
    assert unread_message_count_for_user(cast.alice) == 0
    response = client.post(url, {"body": ""})
    assert response.status_code == 400
    response = client.post(url, {"body": "Hi back"})
    assert response.status_code == 302
    assert Message.objects.filter(engagement=engagement, sender="staff", sender_user=cast.alice).count() == 1
    assert len(text_outbox) == 1


def test_other_peers_and_billing_do_not_see_messages(cast: Cast) -> None:
    from tests.factories import MembershipFactory, UserFactory

    other_peer = UserFactory(username="pat")
    MembershipFactory(user=other_peer, organization=cast.org, role="peer")
    engagement = engagement_for(cast)
    assert_staff_view_guarded(
        reverse("recovery:engagement_messages", args=[engagement.public_id]),
        allowed=[cast.alice, cast.sam, cast.ada],
        outsiders=[cast.olive],
        without_role=[cast.bill, cast.nobody, other_peer],
    )


def test_the_person_writes_from_their_space(cast: Cast, text_outbox: list[TextMessage]) -> None:
    from tests.recovery.test_space import _signed_in_client

    engagement = engagement_for(cast)
    message_send_from_staff(engagement=engagement, actor=cast.alice, body="How are you?")
    client, token = _signed_in_client(cast, engagement, text_outbox)
    body = client.get(reverse("space:enter", args=[token])).content.decode()
    assert "How are you?" in body
    assert Message.objects.get(sender="staff").read_at is not None
    response = client.post(reverse("space:message_send", args=[token]), {"body": "Doing okay"})
    assert response.status_code == 302
    [sent] = Message.objects.filter(engagement=engagement, sender="participant")
    assert sent.body == "Doing okay"


def test_a_message_to_a_peer_whose_role_ended_goes_to_the_supervisors(cast: Cast) -> None:
    engagement = engagement_for(cast, preferred_name="Sample Hodan")
    Membership.objects.filter(user=cast.alice, organization=cast.org, role="peer").update(active=False)
    mail.outbox.clear()
    message_send_from_participant(engagement=engagement, body="I relapsed last night, can we talk")
    [notice] = mail.outbox
    assert notice.to == [cast.sam.email]
    assert "Hodan" not in notice.subject + notice.body and "relapsed" not in notice.body
    assert reverse("recovery:engagement_messages", args=[engagement.public_id]) in notice.body


def test_without_a_supervisor_the_organizations_administrators_are_told(cast: Cast) -> None:
    engagement = engagement_for(cast)
    Membership.objects.filter(organization=cast.org, role="supervisor").update(active=False)
    assert message_team_for_engagement(engagement) == [cast.ada]
