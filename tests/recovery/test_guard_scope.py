"""Guards found by mutation testing: a role that ended opens no record."""

from __future__ import annotations

import pytest
from django.http import Http404
from django.test import Client
from django.urls import reverse

from peerway.accounts.models import Membership
from peerway.core.models import AccessEvent
from peerway.recovery.selectors import participant_get_for_user
from tests.factories import ParticipantFactory
from tests.helpers import Cast


def test_a_peer_whose_membership_ended_no_longer_opens_the_organizations_records(cast: Cast) -> None:
    participant = ParticipantFactory(organization=cast.org)
    Membership.objects.filter(user=cast.alice, organization=cast.org).update(active=False)
    with pytest.raises(Http404):
        participant_get_for_user(cast.alice, participant.public_id)
    client = Client()
    client.force_login(cast.alice)
    assert client.get(reverse("recovery:participant_detail", args=[participant.public_id])).status_code == 404
    assert not AccessEvent.objects.filter(actor=cast.alice).exists()


def test_the_records_of_a_deactivated_organization_open_for_no_one(cast: Cast) -> None:
    participant = ParticipantFactory(organization=cast.org)
    cast.org.active = False
    cast.org.save()
    for user in (cast.alice, cast.sam, cast.ada):
        with pytest.raises(Http404):
            participant_get_for_user(user, participant.public_id)
    assert not AccessEvent.objects.filter(subject_id=participant.public_id).exists()


def test_a_merged_duplicate_leaves_the_participant_list_and_the_phone_search(cast: Cast) -> None:
    # The tombstone stays for the audit trail, but the list and the search by phone show the kept record only,
    # and only the kept record is logged as listed.
    from peerway.recovery.selectors import participant_page_for_user
    from peerway.recovery.services import participant_merge

    keep = ParticipantFactory(organization=cast.org, phone="(612) 555-0142", email="")
    duplicate = ParticipantFactory(organization=cast.org, phone="(612) 555-0142", email="dup@example.test")
    participant_merge(keep=keep, duplicate=duplicate, actor=cast.sam)
    before = max(AccessEvent.objects.values_list("id", flat=True), default=0)
    assert [p.pk for p in participant_page_for_user(cast.alice).object_list] == [keep.pk]
    assert [p.pk for p in participant_page_for_user(cast.alice, phone="612 555 0142").object_list] == [keep.pk]
    listed = set(AccessEvent.objects.filter(action="listed", id__gt=before).values_list("subject_id", flat=True))
    assert listed == {keep.public_id}
