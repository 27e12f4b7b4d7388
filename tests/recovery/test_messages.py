"""Secure messages in both directions, notices without personal details, unread counts, staff page scope."""

from __future__ import annotations

import pytest
from django.core import mail
from django.db import transaction
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from peerway.accounts.models import Membership, User
from peerway.accounts.selectors import organization_responders
from peerway.core.models import AccessEvent
from peerway.core.sms import TextMessage
from peerway.organizations.models import Organization
from peerway.recovery.models import Engagement, Message
from peerway.recovery.selectors.caseload import team_caseload_for_user
from peerway.recovery.selectors.messages import (
    message_team_for_engagement,
    unread_message_count,
    unread_message_count_for_user,
)
from peerway.recovery.services import engagement_transition
from peerway.recovery.services.messages import message_send_from_participant, message_send_from_staff
from tests.helpers import Cast, assert_staff_view_guarded
from tests.recovery.plan_helpers import CaptureOnCommit, engagement_for


def test_a_message_from_the_person_notifies_the_peer_without_details(
    cast: Cast, django_capture_on_commit_callbacks: CaptureOnCommit
) -> None:
    engagement = engagement_for(cast, preferred_name="Sample Hodan")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        message = message_send_from_participant(engagement=engagement, body="I relapsed last night, can we talk")
    assert message.sender == "participant" and message.sender_user is None
    [notice] = mail.outbox
    assert notice.to == [cast.alice.email]
    assert "Hodan" not in notice.subject + notice.body and "relapsed" not in notice.body
    assert reverse("recovery:engagement_messages", args=[engagement.public_id]) in notice.body
    assert unread_message_count_for_user(cast.alice) == 1
    assert unread_message_count(engagement) == 1


def test_a_message_from_the_peer_texts_the_person_without_details(
    cast: Cast, text_outbox: list[TextMessage], django_capture_on_commit_callbacks: CaptureOnCommit
) -> None:
    engagement = engagement_for(cast, preferred_name="Sample Hodan", language="es")
    with django_capture_on_commit_callbacks(execute=True):
        message_send_from_staff(engagement=engagement, actor=cast.alice, body="Your housing appointment is Tuesday")
    [text] = text_outbox
    assert text.to == engagement.participant.phone
    assert "Hodan" not in text.body and "housing" not in text.body and "Alice" not in text.body
    assert AccessEvent.objects.filter(subject_id=engagement.participant.public_id, action="created").exists()


def test_the_peer_reads_and_answers_on_the_messages_page(
    cast: Cast, text_outbox: list[TextMessage], django_capture_on_commit_callbacks: CaptureOnCommit
) -> None:
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
    with django_capture_on_commit_callbacks(execute=True):
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


def test_a_message_to_a_peer_whose_role_ended_goes_to_the_supervisors(
    cast: Cast, django_capture_on_commit_callbacks: CaptureOnCommit
) -> None:
    engagement = engagement_for(cast, preferred_name="Sample Hodan")
    Membership.objects.filter(user=cast.alice, organization=cast.org, role="peer").update(active=False)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        message_send_from_participant(engagement=engagement, body="I relapsed last night, can we talk")
    [notice] = mail.outbox
    assert notice.to == [cast.sam.email]
    assert "Hodan" not in notice.subject + notice.body and "relapsed" not in notice.body
    assert reverse("recovery:engagement_messages", args=[engagement.public_id]) in notice.body


def test_without_a_supervisor_the_organizations_administrators_are_told(cast: Cast) -> None:
    engagement = engagement_for(cast)
    Membership.objects.filter(organization=cast.org, role="supervisor").update(active=False)
    assert message_team_for_engagement(engagement) == [cast.ada]


# Notices go out when the write commits -------------------------------------------------------------------------


class _RolledBack(Exception):
    pass


def test_the_peers_notice_is_sent_only_when_the_message_commits(
    cast: Cast, django_capture_on_commit_callbacks: CaptureOnCommit
) -> None:
    engagement = engagement_for(cast)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        message_send_from_participant(engagement=engagement, body="Hello")
        assert mail.outbox == []
    assert callbacks
    assert [notice.to for notice in mail.outbox] == [[cast.alice.email]]


def test_a_message_that_rolls_back_tells_no_one(
    cast: Cast, django_capture_on_commit_callbacks: CaptureOnCommit
) -> None:
    engagement = engagement_for(cast)
    Membership.objects.filter(user=cast.alice, organization=cast.org, role="peer").update(active=False)
    mail.outbox.clear()
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(_RolledBack),
        transaction.atomic(),
    ):
        message_send_from_participant(engagement=engagement, body="Is anyone there?")
        raise _RolledBack
    assert callbacks == []
    assert mail.outbox == []
    assert not Message.objects.exists()


def test_the_persons_text_is_sent_only_when_the_reply_commits(
    cast: Cast, text_outbox: list[TextMessage], django_capture_on_commit_callbacks: CaptureOnCommit
) -> None:
    engagement = engagement_for(cast)
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(_RolledBack), transaction.atomic():
            message_send_from_staff(engagement=engagement, actor=cast.alice, body="Lost reply")
            raise _RolledBack
        assert text_outbox == []
        message_send_from_staff(engagement=engagement, actor=cast.alice, body="Kept reply")
        assert text_outbox == []
    [text] = text_outbox
    assert text.to == engagement.participant.phone
    assert list(Message.objects.values_list("body", flat=True)) == ["Kept reply"]


@override_settings(SMS_BACKEND="peerway.core.sms.DisabledBackend")
def test_without_a_text_carrier_the_person_is_emailed_on_commit(
    cast: Cast, text_outbox: list[TextMessage], django_capture_on_commit_callbacks: CaptureOnCommit
) -> None:
    engagement = engagement_for(cast, email="hodan@example.test")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        message_send_from_staff(engagement=engagement, actor=cast.alice, body="See you Tuesday")
        assert mail.outbox == []
    assert [notice.to for notice in mail.outbox] == [["hodan@example.test"]] and not text_outbox
    assert "Tuesday" not in mail.outbox[0].body


# A supervisor covering a thread the peer cannot answer reads it ------------------------------------------------


def _open_thread(user: User, engagement: Engagement) -> None:
    client = Client()
    client.force_login(user)
    response = client.get(reverse("recovery:engagement_messages", args=[engagement.public_id]))
    assert response.status_code == 200


def test_a_supervisor_covering_a_closed_engagement_marks_the_persons_messages_read(cast: Cast) -> None:
    engagement = engagement_for(cast)
    engagement = engagement_transition(engagement=engagement, action="close", actor=cast.alice)
    message_send_from_participant(engagement=engagement, body="Still here")
    assert unread_message_count(engagement) == 1
    AccessEvent.objects.all().delete()
    _open_thread(cast.sam, engagement)
    assert unread_message_count(engagement) == 0
    assert AccessEvent.objects.filter(
        actor=cast.sam, subject_id=engagement.participant.public_id, action="viewed", actor_role="supervisor"
    ).exists()


def test_an_administrator_covering_for_a_peer_whose_role_ended_marks_the_messages_read(cast: Cast) -> None:
    engagement = engagement_for(cast)
    Membership.objects.filter(user=cast.alice, organization=cast.org, role="peer").update(active=False)
    Membership.objects.filter(organization=cast.org, role="supervisor").update(active=False)
    message_send_from_participant(engagement=engagement, body="Hello?")
    _open_thread(cast.ada, engagement)
    assert unread_message_count(engagement) == 0


def test_a_supervisor_looking_in_while_the_peer_can_answer_leaves_the_messages_unread(cast: Cast) -> None:
    engagement = engagement_for(cast)
    message_send_from_participant(engagement=engagement, body="For my peer")
    _open_thread(cast.sam, engagement)
    _open_thread(cast.ada, engagement)
    assert unread_message_count(engagement) == 1
    assert unread_message_count_for_user(cast.alice) == 1


def test_the_peer_opening_a_closed_engagements_thread_leaves_it_to_the_covering_supervisor(cast: Cast) -> None:
    engagement = engagement_for(cast)
    engagement = engagement_transition(engagement=engagement, action="close", actor=cast.alice)
    message_send_from_participant(engagement=engagement, body="Are you still there?")
    _open_thread(cast.alice, engagement)
    assert unread_message_count(engagement) == 1
    assert unread_message_count_for_user(cast.alice) == 0
    _open_thread(cast.sam, engagement)
    assert unread_message_count(engagement) == 0


def test_the_team_page_badge_clears_once_the_covering_supervisor_opens_the_thread(cast: Cast) -> None:
    engagement = engagement_for(cast)
    Membership.objects.filter(user=cast.alice, organization=cast.org, role="peer").update(active=False)
    message_send_from_participant(engagement=engagement, body="Hello?")

    def badge() -> int:
        page = team_caseload_for_user(cast.sam, today=timezone.localdate())
        [row] = [row for group in page.peers for row in group.rows if row.engagement.pk == engagement.pk]
        return row.unread

    assert badge() == 1
    _open_thread(cast.sam, engagement)
    assert badge() == 0


def test_a_notice_that_fails_does_not_stop_the_others_or_lose_the_message(
    cast: Cast, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: CaptureOnCommit
) -> None:
    from django.core.mail import send_mail

    from peerway.recovery.services import messages as message_services
    from tests.factories import MembershipFactory, UserFactory

    MembershipFactory(user=UserFactory(username="sue"), organization=cast.org, role="supervisor")
    engagement = engagement_for(cast)
    Membership.objects.filter(user=cast.alice, organization=cast.org, role="peer").update(active=False)

    def send_or_fail(subject: str, message: str, from_email: None, recipient_list: list[str]) -> int:
        if recipient_list == [cast.sam.email]:
            raise ConnectionError("mail server down")
        return send_mail(subject, message, from_email, recipient_list)

    monkeypatch.setattr(message_services, "send_mail", send_or_fail)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        message_send_from_participant(engagement=engagement, body="Anyone?")
    assert [notice.to for notice in mail.outbox] == [["sue@example.test"]]
    assert [message.body for message in Message.objects.filter(engagement=engagement)] == ["Anyone?"]


# Who answers for the organization --------------------------------------------------------------------------------


def test_the_organizations_responders_are_its_active_supervisors_in_order(cast: Cast) -> None:
    from tests.factories import MembershipFactory, UserFactory

    sue = UserFactory(username="sue")
    MembershipFactory(user=sue, organization=cast.org, role="supervisor")
    gone = UserFactory(username="gone", is_active=False)
    MembershipFactory(user=gone, organization=cast.org, role="supervisor")
    ended = UserFactory(username="ended")
    MembershipFactory(user=ended, organization=cast.org, role="supervisor", active=False)
    assert organization_responders(cast.org.pk) == [cast.sam, sue]
    # olive supervises elsewhere and is not in this organization.
    assert organization_responders(cast.other_org.pk) == [cast.olive]


def test_without_a_supervisor_the_responders_are_the_administrators_and_none_in_an_inactive_organization(
    cast: Cast,
) -> None:
    Membership.objects.filter(organization=cast.org, role="supervisor").update(active=False)
    assert organization_responders(cast.org.pk) == [cast.ada]
    Membership.objects.filter(organization=cast.org, role="supervisor").update(active=True)
    Organization.objects.filter(pk=cast.org.pk).update(active=False)
    assert organization_responders(cast.org.pk) == []


def test_the_staff_home_tells_the_peer_how_many_messages_wait(cast: Cast) -> None:
    engagement = engagement_for(cast, preferred_name="Sample Hodan")
    client = Client()
    client.force_login(cast.alice)
    assert "unread message" not in client.get("/staff/").content.decode()
    message_send_from_participant(engagement=engagement, body="Are you there?")
    message_send_from_participant(engagement=engagement, body="Call me back please")
    home = client.get("/staff/").content.decode()
    assert "2 unread messages" in home
    assert "Hodan" not in home and "Call me back" not in home  # a count only, no names or words
    client.force_login(cast.sam)  # a supervisor without a caseload of their own has no such badge
    assert "unread message" not in client.get("/staff/").content.decode()
    engagement_transition(engagement=engagement, action="close", actor=cast.alice)
    client.force_login(cast.alice)
    assert "unread message" not in client.get("/staff/").content.decode()  # the covering team's now


def test_a_peer_who_moved_to_another_organization_is_not_badged_with_the_first_ones_messages(cast: Cast) -> None:
    # Messages the peer can no longer answer are the covering team's, and "My caseload" no longer lists them.
    from peerway.recovery.selectors.caseload import caseload_for_user
    from peerway.recovery.selectors.messages import peer_answers_messages
    from tests.factories import MembershipFactory

    engagement = engagement_for(cast, preferred_name="Sample Hodan")
    Membership.objects.filter(user=cast.alice, organization=cast.org, role="peer").update(active=False)
    MembershipFactory(user=cast.alice, organization=cast.other_org, role="peer")
    message_send_from_participant(engagement=engagement, body="Is anyone there?")
    assert not peer_answers_messages(engagement)
    assert not caseload_for_user(cast.alice, today=timezone.localdate())
    client = Client()
    client.force_login(cast.alice)
    home = client.get("/staff/").content.decode()
    assert "My caseload" in home and "unread message" not in home
    assert unread_message_count_for_user(cast.alice) == 0
