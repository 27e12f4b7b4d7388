"""Staff pages for engagements, contacts and participants' details: what they show, audit, re-rendering."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from peerway.core.models import AccessEvent
from peerway.recovery.models import Contact, Engagement, Participant
from peerway.recovery.services import contact_lock_for_billing
from tests.factories import ParticipantFactory
from tests.helpers import Cast
from tests.recovery.records import contact_fields, peer_of, ready_engagement, record


def _client(user: object) -> Client:
    client = Client()
    client.force_login(user)  # type: ignore[arg-type]
    return client


def test_the_engagement_page_shows_contacts_and_checks_and_logs_one_view(cast: Cast) -> None:
    engagement = ready_engagement(cast)
    for _ in range(4):
        record(engagement, cast.alice)
    AccessEvent.objects.all().delete()
    body = _client(cast.alice).get(reverse("recovery:engagement_detail", args=[engagement.public_id])).content.decode()
    assert "Written notice that participation is voluntary: given" in body
    assert "attested they do not live with or work for the person" in body
    assert "No complete plan after the third session" in body
    assert "Record a contact" in body
    assert AccessEvent.objects.filter(subject_id=engagement.participant.public_id, action="viewed").count() == 1


def test_quick_entry_from_the_engagement_page_records_a_contact(cast: Cast) -> None:
    engagement = ready_engagement(cast)
    fields = contact_fields()
    data = {**fields, "occurred_on": fields["occurred_on"].isoformat(), "started_at": "14:00", "from": "engagement"}
    response = _client(cast.alice).post(reverse("recovery:contact_create", args=[engagement.public_id]), data)
    assert response.status_code == 302
    assert Contact.objects.get(engagement=engagement).current_version.duration_minutes == 45  # type: ignore[union-attr]


def test_a_bad_contact_re_renders_the_engagement_page_with_the_typed_values(cast: Cast) -> None:
    engagement = ready_engagement(cast)
    fields = contact_fields(duration_minutes=800, note="Typed note stays")
    data = {**fields, "occurred_on": fields["occurred_on"].isoformat(), "started_at": "14:00", "from": "engagement"}
    response = _client(cast.alice).post(reverse("recovery:contact_create", args=[engagement.public_id]), data)
    body = response.content.decode()
    assert response.status_code == 400
    assert "more than 12 hours" in body and "Typed note stays" in body
    assert not Contact.objects.exists()


def test_a_contact_dated_long_before_the_engagement_began_is_refused_at_its_field(cast: Cast) -> None:
    engagement = ready_engagement(cast)  # began 30 days ago
    fields = contact_fields()
    data = {**fields, "occurred_on": "0001-01-01", "started_at": "14:00", "note": "Typed note stays"}
    response = _client(cast.alice).post(reverse("recovery:contact_create", args=[engagement.public_id]), data)
    body = response.content.decode()
    assert not Contact.objects.filter(engagement=engagement).exists(), "a contact in year 1 was recorded (billable)"
    assert response.status_code == 400 and "Typed note stays" in body
    assert "before the engagement began" in body


def test_a_peer_without_attestation_is_told_why_on_the_form(cast: Cast) -> None:
    engagement = ready_engagement(cast, attested=False)
    fields = contact_fields()
    data = {**fields, "occurred_on": fields["occurred_on"].isoformat(), "started_at": "14:00"}
    response = _client(cast.alice).post(reverse("recovery:contact_create", args=[engagement.public_id]), data)
    assert response.status_code == 400 and "Attest that you do not live with" in response.content.decode()


def test_quick_entry_starts_from_the_peers_last_modality_and_kind(cast: Cast) -> None:
    engagement = ready_engagement(cast)
    record(engagement, cast.alice, modality="video", kind="advocacy")
    body = _client(cast.alice).get(reverse("recovery:contact_create", args=[engagement.public_id])).content.decode()
    assert re.search(r'<input[^>]*value="video"[^>]*checked', body)
    assert not re.search(r'<input[^>]*value="phone"[^>]*checked', body)
    assert '<option value="advocacy" selected>' in body


def test_the_contact_page_shows_every_version_and_the_billed_one(cast: Cast) -> None:
    contact = record(ready_engagement(cast), cast.alice)
    contact_lock_for_billing(contact=contact)
    client = _client(cast.alice)
    fields = contact_fields(duration_minutes=50)
    data = {**fields, "occurred_on": fields["occurred_on"].isoformat(), "started_at": "14:00", "reason": ""}
    response = client.post(reverse("recovery:contact_correct", args=[contact.public_id]), data)
    assert response.status_code == 400 and "say why it is being corrected" in response.content.decode()
    data["reason"] = "Typo in the length"
    assert client.post(reverse("recovery:contact_correct", args=[contact.public_id]), data).status_code == 302
    body = client.get(reverse("recovery:contact_detail", args=[contact.public_id])).content.decode()
    assert "Version 2" in body and "Version 1" in body and "Billed as version 1" in body
    assert "Typo in the length" in body


def test_the_cosign_queue_lists_waiting_contacts_and_signs_them(cast: Cast) -> None:
    cast.org.contact_cosign_policy = "all"
    cast.org.save()
    contact = record(ready_engagement(cast), cast.alice)
    client = _client(cast.sam)
    body = client.get(reverse("recovery:contact_cosign_queue")).content.decode()
    assert str(contact.public_id) in body
    assert AccessEvent.objects.filter(action="listed", reason="contacts awaiting co-sign").count() == 1
    assert 'name="version" value="1"' in body, "the queue says which version it shows"
    client.post(reverse("recovery:contact_cosign", args=[contact.public_id]), {"next": "queue", "version": "1"})
    contact.refresh_from_db()
    assert contact.cosigned_by == cast.sam


def test_a_new_record_with_a_known_phone_offers_the_existing_one_first(cast: Cast) -> None:
    existing = ParticipantFactory(organization=cast.org, phone="(612) 555-0177", preferred_name="Sample Existing")
    client = _client(cast.alice)
    data = {"preferred_name": "Sample New", "phone": "612.555.0177"}
    response = client.post(reverse("recovery:participant_create"), data)
    body = response.content.decode()
    assert response.status_code == 400 and "Sample Existing" in body and "Sample New" in body
    assert AccessEvent.objects.filter(subject_id=existing.public_id, action="listed").exists()
    assert Participant.objects.count() == 1
    response = client.post(reverse("recovery:participant_create"), {**data, "different_person": "on"})
    assert response.status_code == 302 and Participant.objects.count() == 2
    created = Participant.objects.exclude(pk=existing.pk).get()
    page = client.get(reverse("recovery:participant_detail", args=[created.public_id])).content.decode()
    assert reverse("recovery:participant_compare", args=[created.public_id, existing.public_id]) in page


def test_editing_keeps_history_and_logs_the_change(cast: Cast) -> None:
    participant = ParticipantFactory(organization=cast.org, preferred_name="Sample Before")
    response = _client(cast.alice).post(
        reverse("recovery:participant_edit", args=[participant.public_id]), {"preferred_name": "Sample After"}
    )
    assert response.status_code == 302
    participant.refresh_from_db()
    assert participant.preferred_name == "Sample After"
    assert participant.history.count() == 2
    assert AccessEvent.objects.filter(subject_id=participant.public_id, action="changed").count() == 1


@pytest.mark.parametrize(
    ("born", "message"),
    [
        ("2090-01-01", "cannot be in the future"),
        ("9999-12-31", "cannot be in the future"),
        ("0001-01-01", "1900 or later"),
        ("1899-12-31", "1900 or later"),
    ],
)
def test_a_date_of_birth_in_the_future_or_before_1900_is_refused_at_its_field(
    cast: Cast, born: str, message: str
) -> None:
    response = _client(cast.alice).post(
        reverse("recovery:participant_create"), {"preferred_name": "Sample Zia", "date_of_birth": born}
    )
    body = response.content.decode()
    assert not Participant.objects.filter(organization=cast.org).exists(), f"a participant born {born} was saved"
    assert response.status_code == 400 and "Sample Zia" in body and message in body


def test_a_date_of_birth_from_1900_to_today_is_kept(cast: Cast) -> None:
    client = _client(cast.alice)
    for born in ("1900-01-01", timezone.localdate().isoformat()):
        data = {"preferred_name": f"Sample {born}", "date_of_birth": born, "different_person": "on"}
        assert client.post(reverse("recovery:participant_create"), data).status_code == 302
    assert Participant.objects.filter(organization=cast.org).count() == 2


def test_an_edit_to_a_date_of_birth_in_the_future_is_refused(cast: Cast) -> None:
    participant = ParticipantFactory(organization=cast.org, preferred_name="Sample Before", date_of_birth=None)
    response = _client(cast.alice).post(
        reverse("recovery:participant_edit", args=[participant.public_id]),
        {"preferred_name": "Sample Typed", "date_of_birth": "2090-01-01"},
    )
    assert response.status_code == 400 and "cannot be in the future" in response.content.decode()
    participant.refresh_from_db()
    assert (participant.preferred_name, participant.date_of_birth) == ("Sample Before", None)


# Valid as an address (up to 320 characters) but longer than the 255 the record keeps.
LONG_EMAIL = "a" * 60 + "." + "b" * 60 + "." + "c" * 60 + "." + "d" * 60 + "@" + "e" * 40 + ".org"


def test_a_new_record_with_an_overlong_email_is_a_field_error_with_the_typed_values(cast: Cast) -> None:
    assert 255 < len(LONG_EMAIL) <= 320
    data = {"preferred_name": "Sample Typed", "email": LONG_EMAIL, "different_person": "on"}
    response = _client(cast.alice).post(reverse("recovery:participant_create"), data)
    body = response.content.decode()
    assert response.status_code == 400
    assert "at most 255 characters" in body and "Sample Typed" in body and LONG_EMAIL in body
    assert not Participant.objects.exists()


def test_an_edit_with_an_overlong_email_is_a_field_error_with_the_typed_values(cast: Cast) -> None:
    participant = ParticipantFactory(organization=cast.org, preferred_name="Sample Before", email="before@example.test")
    response = _client(cast.alice).post(
        reverse("recovery:participant_edit", args=[participant.public_id]),
        {"preferred_name": "Sample Typed", "email": LONG_EMAIL},
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert "at most 255 characters" in body and "Sample Typed" in body and LONG_EMAIL in body
    participant.refresh_from_db()
    assert (participant.preferred_name, participant.email) == ("Sample Before", "before@example.test")


def test_the_compare_page_and_merge_through_the_views(cast: Cast) -> None:
    first = ParticipantFactory(organization=cast.org, phone="(612) 555-0188")
    second = ParticipantFactory(organization=cast.org, phone="(612) 555-0188")
    body = _client(cast.sam).get(reverse("recovery:participant_compare", args=[first.public_id, second.public_id]))
    assert "phone" in body.content.decode() and "Merge the records" in body.content.decode()
    peer_body = _client(cast.alice).get(
        reverse("recovery:participant_compare", args=[first.public_id, second.public_id])
    )
    assert "Merge the records" not in peer_body.content.decode()
    response = _client(cast.sam).post(
        reverse("recovery:participant_merge", args=[first.public_id, second.public_id]), {"keep": str(second.public_id)}
    )
    assert response.status_code == 302
    first.refresh_from_db()
    assert first.merged_into == second
    list_body = _client(cast.sam).get(reverse("recovery:participant_list")).content.decode()
    assert str(first.public_id) not in list_body


def test_a_peer_starts_an_engagement_with_notice_and_attestation(cast: Cast) -> None:
    alice = peer_of(cast.alice, cast)
    participant = ParticipantFactory(organization=cast.org)
    response = _client(cast.alice).post(
        reverse("recovery:engagement_start", args=[participant.public_id]),
        {"peer": alice.pk, "program": "rco", "voluntary_notice_given": "on", "attest": "on"},
    )
    assert response.status_code == 302
    engagement = Engagement.objects.get(participant=participant)
    assert engagement.attestations.filter(peer=alice).exists() and engagement.voluntary_notice_given
    refused = _client(cast.alice).post(
        reverse("recovery:engagement_start", args=[participant.public_id]), {"peer": alice.pk, "program": "rco"}
    )
    assert refused.status_code == 400 and "written notice" in refused.content.decode()


def test_a_status_refusal_is_shown_as_a_message(cast: Cast) -> None:
    engagement = ready_engagement(cast)
    client = _client(cast.alice)
    response = client.post(
        reverse("recovery:engagement_status", args=[engagement.public_id]), {"action": "reopen"}, follow=True
    )
    assert "already active" in response.content.decode()


def test_the_contact_form_lists_the_plans_goals_and_logs_the_view(cast: Cast) -> None:
    engagement = ready_engagement(cast)
    AccessEvent.objects.all().delete()
    response = _client(cast.alice).get(reverse("recovery:contact_create", args=[engagement.public_id]))
    assert response.status_code == 200
    events = AccessEvent.objects.filter(subject_id=engagement.participant.public_id, action="viewed")
    assert [(event.actor, event.reason) for event in events] == [(cast.alice, "contact form")]


def test_a_long_access_history_is_shown_whole_a_page_at_a_time(cast: Cast) -> None:
    """Once the 500 newest events and no word of the rest; now every event, 100 a page, newest first."""
    person = ParticipantFactory(organization=cast.org)
    start = timezone.now() - dt.timedelta(days=30)
    AccessEvent.objects.bulk_create(
        AccessEvent(
            occurred_at=start + dt.timedelta(minutes=n),
            actor=cast.alice,
            actor_role="peer",
            organization=cast.org,
            subject_type="participant",
            subject_id=person.public_id,
            action="viewed",
            reason=f"sample {n:03d}",
        )
        for n in range(150)
    )
    client = Client()
    client.force_login(cast.sam)
    url = reverse("recovery:participant_access_history", args=[person.public_id])
    first = client.get(url).content.decode()
    # The sight of this page is the newest event; then sample 149 down to sample 051.
    assert first.count("<tr>") - 1 == 100 and "sample 149" in first and "sample 050" not in first
    assert "Page 1 of 2" in first and "?page=2" in first
    second = client.get(url, {"page": "2"}).content.decode()
    # 150 samples and two sights of the page now: the second page holds samples 051 down to 000.
    assert second.count("<tr>") - 1 == 52 and "sample 051" in second and "sample 052" not in second
    assert "sample 000" in second and "Page 2 of 2" in second
