"""A staff form sent twice (a double click, a browser's retry) saves once: core.submissions.submitted_once.

The reviewer's finding: a contact, an engagement, a message, a referral, a plan goal or note and a participant were
each stored twice, so a session was billed twice and the person texted twice.
"""

from __future__ import annotations

import datetime as dt
import threading

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from peerway.core import services
from peerway.core.models import FormSubmission
from peerway.core.submissions import SUBMISSION_FIELD
from peerway.recovery.models import Contact, Engagement, Message, Participant, PlanGoal, ProgressNote, Referral
from peerway.resources.models import Resource
from tests.factories import ParticipantFactory
from tests.helpers import Cast, until_waiting_or_done
from tests.helpers_forms import form_token, post_twice
from tests.recovery.records import contact_fields, peer_of, ready_engagement


def _client(user: object) -> Client:
    client = Client()
    client.force_login(user)  # type: ignore[arg-type]
    return client


def _contact_data() -> dict[str, object]:
    fields = contact_fields()
    return {**fields, "occurred_on": fields["occurred_on"].isoformat(), "started_at": "14:00"}


def test_a_contact_sent_twice_is_recorded_once_and_both_land_on_the_same_page(cast: Cast) -> None:
    engagement = ready_engagement(cast)
    client = _client(cast.alice)
    url = reverse("recovery:contact_create", args=[engagement.public_id])
    first, second = post_twice(client, url, url, _contact_data())
    assert Contact.objects.filter(engagement=engagement).count() == 1
    assert first.status_code == second.status_code == 302
    assert second["Location"] == first["Location"]
    assert "it is saved once" in " ".join(str(m) for m in get_messages(second.wsgi_request))


def test_the_contact_form_on_the_engagement_page_is_sent_once_too(cast: Cast) -> None:
    engagement = ready_engagement(cast)
    client = _client(cast.alice)
    page = reverse("recovery:engagement_detail", args=[engagement.public_id])
    url = reverse("recovery:contact_create", args=[engagement.public_id])
    post_twice(client, page, url, {**_contact_data(), "from": "engagement"}, containing=url)
    assert Contact.objects.filter(engagement=engagement).count() == 1


def test_a_form_that_came_back_with_errors_can_be_sent_again_with_its_token(cast: Cast) -> None:
    engagement = ready_engagement(cast)
    client = _client(cast.alice)
    url = reverse("recovery:contact_create", args=[engagement.public_id])
    token = form_token(client, url)
    refused = client.post(url, {**_contact_data(), "duration_minutes": "-5", SUBMISSION_FIELD: token})
    assert refused.status_code == 400 and not FormSubmission.objects.exists()
    assert client.post(url, {**_contact_data(), SUBMISSION_FIELD: token}).status_code == 302
    assert Contact.objects.filter(engagement=engagement).count() == 1


def test_a_spent_token_sent_with_other_fields_is_a_new_sending(cast: Cast) -> None:
    # A browser can bring a form back with its spent token (the back button, a restored page); filled in again for
    # the afternoon's session, it is a new contact, not a repeat of the morning's.
    engagement = ready_engagement(cast)
    client = _client(cast.alice)
    url = reverse("recovery:contact_create", args=[engagement.public_id])
    token = form_token(client, url)
    assert client.post(url, {**_contact_data(), SUBMISSION_FIELD: token}).status_code == 302
    afternoon = {**_contact_data(), "started_at": "16:30", "duration_minutes": "20", SUBMISSION_FIELD: token}
    second = client.post(url, afternoon)
    assert second.status_code == 302
    assert "it is saved once" not in " ".join(str(m) for m in get_messages(second.wsgi_request))
    assert Contact.objects.filter(engagement=engagement).count() == 2
    assert client.post(url, afternoon).status_code == 302  # and that one sent twice is still saved once
    assert Contact.objects.filter(engagement=engagement).count() == 2


def test_two_drawings_of_the_form_are_two_contacts(cast: Cast) -> None:
    # Each drawing of the form has its own token: two contacts entered one after the other are both kept.
    engagement = ready_engagement(cast)
    client = _client(cast.alice)
    url = reverse("recovery:contact_create", args=[engagement.public_id])
    for started_at in ("14:00", "16:00"):
        client.post(url, {**_contact_data(), "started_at": started_at, SUBMISSION_FIELD: form_token(client, url)})
    assert Contact.objects.filter(engagement=engagement).count() == 2


def test_another_users_token_is_not_theirs(cast: Cast) -> None:
    url = reverse("recovery:participant_create")
    alice = _client(cast.alice)
    token = form_token(alice, url)
    alice.post(url, {"preferred_name": "Sample Quinn", SUBMISSION_FIELD: token})
    supervisor = _client(cast.sam)
    assert supervisor.post(url, {"preferred_name": "Sample Rowan", SUBMISSION_FIELD: token}).status_code == 302
    assert Participant.objects.filter(organization=cast.org).count() == 2


def test_an_engagement_start_sent_twice_opens_one_engagement(cast: Cast) -> None:
    alice = peer_of(cast.alice, cast)
    participant = ParticipantFactory(organization=cast.org)
    url = reverse("recovery:engagement_start", args=[participant.public_id])
    data = {"peer": alice.pk, "program": "rco", "voluntary_notice_given": "on", "attest": "on"}
    post_twice(_client(cast.alice), url, url, data)
    assert Engagement.objects.filter(participant=participant).count() == 1


def test_a_message_sent_twice_is_sent_once(cast: Cast) -> None:
    engagement = ready_engagement(cast)
    url = reverse("recovery:engagement_messages", args=[engagement.public_id])
    post_twice(_client(cast.alice), url, url, {"body": "Checking in about tomorrow's appointment."})
    assert Message.objects.filter(engagement=engagement).count() == 1


def test_a_referral_sent_twice_is_made_once(cast: Cast) -> None:
    engagement = ready_engagement(cast)
    resource = Resource.objects.create(organization=None, name="Sample Housing Line", category="housing")
    url = reverse("recovery:engagement_referrals", args=[engagement.public_id])
    post_twice(_client(cast.alice), url, url, {"resource": str(resource.public_id), "note": "Needs a room"})
    assert Referral.objects.filter(engagement=engagement).count() == 1


def test_a_plan_goal_and_a_progress_note_sent_twice_are_added_once(cast: Cast) -> None:
    engagement = ready_engagement(cast)
    client = _client(cast.alice)
    url = reverse("recovery:engagement_plan", args=[engagement.public_id])
    goal = {"action": "goal_add", "goal-life_area": "housing", "goal-description": "Find a room"}
    post_twice(client, url, url, goal, containing='value="goal_add"')
    note = {"action": "note_add", "note-noted_on": timezone.localdate().isoformat(), "note-text": "Visited two rooms"}
    post_twice(client, url, url, note, containing='value="note_add"')
    assert PlanGoal.objects.filter(plan__engagement=engagement).count() == 1
    assert ProgressNote.objects.filter(plan__engagement=engagement).count() == 1


def test_a_new_participant_sent_twice_is_created_once(cast: Cast) -> None:
    # With only a name (phone, email and Medicaid id are optional) the duplicate check has nothing to match.
    url = reverse("recovery:participant_create")
    post_twice(_client(cast.alice), url, url, {"preferred_name": "Sample Quinn"})
    assert Participant.objects.filter(organization=cast.org).count() == 1


def test_a_new_resource_sent_twice_is_added_once(cast: Cast) -> None:
    url = reverse("resources:create")
    data = {"owner": "riverbend", "name": "Sample Food Shelf", "category": "food", "active": "on"}
    post_twice(_client(cast.ada), url, url, data)
    assert Resource.objects.filter(organization=cast.org, name="Sample Food Shelf").count() == 1


def test_tokens_are_forgotten_after_a_day(cast: Cast) -> None:
    engagement = ready_engagement(cast)
    client = _client(cast.alice)
    url = reverse("recovery:contact_create", args=[engagement.public_id])
    with time_machine.travel(timezone.now() - dt.timedelta(days=2)):
        client.post(url, {**_contact_data(), SUBMISSION_FIELD: form_token(client, url)})
    client.post(url, {**_contact_data(), "started_at": "16:00", SUBMISSION_FIELD: form_token(client, url)})
    assert FormSubmission.objects.count() == 2
    assert services.form_submissions_prune() == 1
    assert FormSubmission.objects.count() == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="two requests at once need PostgreSQL's row locks")
@pytest.mark.django_db(transaction=True)
def test_the_same_form_sent_twice_at_the_same_instant_is_recorded_once(cast: Cast) -> None:
    from django.db import transaction

    engagement = ready_engagement(cast)
    url = reverse("recovery:contact_create", args=[engagement.public_id])
    alice = _client(cast.alice)
    data = {**_contact_data(), SUBMISSION_FIELD: form_token(alice, url)}
    statuses: list[int] = []

    def second_click() -> None:
        try:
            statuses.append(_client(cast.alice).post(url, data).status_code)
        finally:
            connection.close()

    # The first sending holds its token's row, uncommitted, while the second arrives.
    with transaction.atomic():
        statuses.append(alice.post(url, data).status_code)
        thread = threading.Thread(target=second_click)
        thread.start()
        until_waiting_or_done(thread)
    thread.join(timeout=10)
    assert statuses == [302, 302]
    assert Contact.objects.filter(engagement=engagement).count() == 1
