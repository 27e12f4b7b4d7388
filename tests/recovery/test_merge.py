"""Duplicates and merging: offered, never automatic; all or nothing; audited; the tombstone remains."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models.signals import post_save
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from peerway.accounts.models import ParticipantLink
from peerway.core.models import AccessEvent
from peerway.recovery.models import CheckIn, CheckInLink, Contact, Engagement, Participant
from peerway.recovery.selectors import participant_duplicates, participant_duplicates_of
from peerway.recovery.services import ActionRefused, participant_merge
from tests.factories import ParticipantFactory
from tests.helpers import Cast
from tests.recovery.records import ready_engagement, record
from tests.recovery.test_checkins import form_data, peerway_instrument


def test_duplicates_are_found_by_blind_index_within_the_organization(cast: Cast) -> None:
    mine = ParticipantFactory(organization=cast.org, phone="(612) 555-0142", medicaid_id="DEMO-1", email="")
    ParticipantFactory(organization=cast.other_org, phone="612 555 0142")
    found = participant_duplicates(organization_id=cast.org.pk, phone="612-555-0142", medicaid_id="demo-1")
    assert [(p.pk, matched) for p, matched in found] == [(mine.pk, ["phone", "Medicaid id"])]
    assert participant_duplicates(organization_id=cast.org.pk) == []


def test_a_record_is_not_its_own_duplicate(cast: Cast) -> None:
    mine = ParticipantFactory(organization=cast.org)
    assert participant_duplicates_of(mine) == []


def _pair(cast: Cast) -> tuple[Participant, Participant]:
    keep = ParticipantFactory(organization=cast.org, phone="(612) 555-0142", email="")
    duplicate = ParticipantFactory(organization=cast.org, phone="(612) 555-0142", email="dup@example.test")
    return keep, duplicate


def test_merge_moves_engagements_and_contacts_and_leaves_a_tombstone(cast: Cast) -> None:
    keep, duplicate = _pair(cast)
    engagement = ready_engagement(cast, participant=duplicate)
    contact = record(engagement, cast.alice)
    participant_merge(keep=keep, duplicate=duplicate, actor=cast.sam)

    duplicate.refresh_from_db()
    keep.refresh_from_db()
    assert duplicate.merged_into == keep and duplicate.merged_at is not None
    assert Engagement.objects.get(pk=engagement.pk).participant == keep
    assert Contact.objects.get(pk=contact.pk).engagement.participant == keep
    assert keep.email == "dup@example.test"  # filled from the duplicate, which had it
    assert engagement.history.filter(participant_id=keep.pk).exists()
    assert duplicate.history.filter(merged_into_id=keep.pk).exists()
    reasons = set(AccessEvent.objects.filter(action="changed").values_list("subject_id", "actor"))
    assert reasons == {(keep.public_id, cast.sam.pk), (duplicate.public_id, cast.sam.pk)}
    assert participant_duplicates_of(keep) == []


def test_merge_refusals(cast: Cast) -> None:
    keep, duplicate = _pair(cast)
    with pytest.raises(ActionRefused, match="Only a supervisor"):
        participant_merge(keep=keep, duplicate=duplicate, actor=cast.alice)
    with pytest.raises(ActionRefused, match="itself"):
        participant_merge(keep=keep, duplicate=keep, actor=cast.sam)
    elsewhere = ParticipantFactory(organization=cast.other_org)
    with pytest.raises(ActionRefused, match="different organizations"):
        participant_merge(keep=keep, duplicate=elsewhere, actor=cast.sam)
    participant_merge(keep=keep, duplicate=duplicate, actor=cast.ada)
    with pytest.raises(ActionRefused, match="already merged"):
        participant_merge(keep=keep, duplicate=duplicate, actor=cast.sam)


def test_a_failing_merge_changes_nothing(cast: Cast) -> None:
    keep, duplicate = _pair(cast)
    engagement = ready_engagement(cast, participant=duplicate)

    # The tombstone is written last: failing there proves the earlier moves roll back with it.
    def fail_on_tombstone(sender: type, instance: Participant, **kwargs: object) -> None:
        if instance.merged_into_id is not None:
            raise RuntimeError("disk full")

    post_save.connect(fail_on_tombstone, sender=Participant)
    try:
        with pytest.raises(RuntimeError):
            participant_merge(keep=keep, duplicate=duplicate, actor=cast.sam)
    finally:
        post_save.disconnect(fail_on_tombstone, sender=Participant)
    assert Engagement.objects.get(pk=engagement.pk).participant == duplicate
    duplicate.refresh_from_db()
    keep.refresh_from_db()
    assert duplicate.merged_into is None and not keep.email
    assert not AccessEvent.objects.filter(action="changed").exists()


def test_a_merged_record_takes_no_check_ins_and_no_private_links(cast: Cast) -> None:
    keep, duplicate = _pair(cast)
    participant_merge(keep=keep, duplicate=duplicate, actor=cast.sam)
    client = Client()
    client.force_login(cast.alice)
    when = (timezone.localtime() - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    entry = reverse("recovery:checkin_entry", args=[duplicate.public_id])
    assert client.get(entry).status_code == 404
    assert client.post(entry, {**form_data([5] * 10), "answered_at": when}).status_code == 404
    link = reverse("recovery:checkin_link_new", args=[duplicate.public_id])
    assert client.post(link, {"instrument": peerway_instrument().pk}).status_code == 404
    space = reverse("recovery:participant_space_link", args=[duplicate.public_id])
    assert client.post(space, {"action": "create"}).status_code == 404
    assert not CheckIn.objects.exists() and not CheckInLink.objects.exists() and not ParticipantLink.objects.exists()
    # The pages of the merged record offer none of these; the kept record's check-ins page still does.
    assert space not in client.get(reverse("recovery:participant_detail", args=[duplicate.public_id])).content.decode()
    assert entry not in client.get(reverse("recovery:checkin_list", args=[duplicate.public_id])).content.decode()
    kept_page = client.get(reverse("recovery:checkin_list", args=[keep.public_id])).content.decode()
    assert reverse("recovery:checkin_entry", args=[keep.public_id]) in kept_page
