from __future__ import annotations

import pytest
from django.http import Http404

from peerway.core.models import AccessAction, AccessEvent
from peerway.recovery.models import SUBJECT_PARTICIPANT
from peerway.recovery.selectors import (
    participant_access_history_for_user,
    participant_get_for_user,
    participant_page_for_user,
    participants_for_user,
)
from peerway.recovery.services import participant_create
from tests.factories import ParticipantFactory
from tests.helpers import Cast


def test_each_read_of_a_record_writes_exactly_one_access_event(cast: Cast) -> None:
    participant = ParticipantFactory(organization=cast.org)
    participant_get_for_user(cast.alice, participant.public_id, reason="follow-up call")
    participant_get_for_user(cast.sam, str(participant.public_id))

    events = list(AccessEvent.objects.filter(subject_id=participant.public_id).order_by("id"))
    assert [(e.actor, e.action) for e in events] == [(cast.alice, "viewed"), (cast.sam, "viewed")]
    first = events[0]
    assert first.actor_role == "peer"
    assert first.organization == cast.org
    assert first.subject_type == SUBJECT_PARTICIPANT
    assert first.reason == "follow-up call"


def test_a_user_holding_two_roles_is_logged_with_both(cast: Cast) -> None:
    participant = ParticipantFactory(organization=cast.other_org)
    participant_get_for_user(cast.olive, participant.public_id)
    assert AccessEvent.objects.get(subject_id=participant.public_id).actor_role == "org_admin,peer,supervisor"


def test_other_organizations_records_do_not_exist_and_leave_no_event(cast: Cast) -> None:
    participant = ParticipantFactory(organization=cast.other_org)
    for user in (cast.alice, cast.nobody, cast.analyst):
        with pytest.raises(Http404):
            participant_get_for_user(user, participant.public_id)
    assert not AccessEvent.objects.exists()


def test_a_malformed_id_is_a_404_not_an_error(cast: Cast) -> None:
    with pytest.raises(Http404):
        participant_get_for_user(cast.alice, "not-a-uuid")


def test_scoping_returns_only_the_users_organizations(cast: Cast) -> None:
    mine = ParticipantFactory(organization=cast.org)
    ParticipantFactory(organization=cast.other_org)
    assert list(participants_for_user(cast.alice)) == [mine]
    assert list(participants_for_user(cast.analyst)) == []
    assert list(participants_for_user(cast.nobody)) == []


def test_a_list_page_logs_each_person_shown_once(cast: Cast) -> None:
    shown = [ParticipantFactory(organization=cast.org) for _ in range(3)]
    ParticipantFactory(organization=cast.other_org)
    page = participant_page_for_user(cast.alice)
    assert {p.public_id for p in page.object_list} == {p.public_id for p in shown}
    events = AccessEvent.objects.filter(action=AccessAction.LISTED)
    assert sorted(str(e.subject_id) for e in events) == sorted(str(p.public_id) for p in shown)


def test_phone_search_uses_the_blind_index(cast: Cast) -> None:
    wanted = ParticipantFactory(organization=cast.org, phone="(612) 555-0142")
    ParticipantFactory(organization=cast.org, phone="(612) 555-0143")
    page = participant_page_for_user(cast.alice, phone="+1 612 555 0142")
    assert list(page.object_list) == [wanted]


def test_access_history_is_for_supervisors_and_admins_and_is_itself_logged(cast: Cast) -> None:
    participant = ParticipantFactory(organization=cast.org)
    participant_get_for_user(cast.alice, participant.public_id)
    with pytest.raises(Http404):
        participant_access_history_for_user(cast.alice, participant.public_id)
    _, events = participant_access_history_for_user(cast.sam, participant.public_id)
    assert [(e.actor, e.reason) for e in events] == [(cast.sam, "access history"), (cast.alice, "")]


def test_creating_a_participant_is_logged_in_the_same_transaction(cast: Cast) -> None:
    participant = participant_create(
        organization=cast.org, actor=cast.alice, preferred_name="Sample Person", phone="612 555 0100"
    )
    event = AccessEvent.objects.get(subject_id=participant.public_id)
    assert (event.action, event.actor, event.actor_role) == ("created", cast.alice, "peer")
    assert participant.phone_index


@pytest.mark.django_db(transaction=True)
def test_a_failed_read_rolls_back_its_event(cast: Cast, monkeypatch: pytest.MonkeyPatch) -> None:
    # The event and the read share one transaction: if logging fails, nothing is returned, nothing half-written.
    participant = ParticipantFactory(organization=cast.org)

    def broken_bulk_create(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(AccessEvent.objects, "bulk_create", broken_bulk_create)
    with pytest.raises(RuntimeError):
        participant_get_for_user(cast.alice, participant.public_id)
    monkeypatch.undo()
    assert not AccessEvent.objects.exists()


def test_access_events_are_append_only(cast: Cast) -> None:
    participant = ParticipantFactory(organization=cast.org)
    participant_get_for_user(cast.alice, participant.public_id)
    event = AccessEvent.objects.get()
    event.reason = "edited"
    with pytest.raises(ValueError, match="append-only"):
        event.save()
