"""Guards found by mutation testing: the role an access event names is the one held where the record lives."""

from __future__ import annotations

from peerway.core.models import AccessEvent
from peerway.recovery.selectors import participant_get_for_user
from tests.factories import MembershipFactory, ParticipantFactory
from tests.helpers import Cast


def test_roles_held_in_another_organization_are_not_named_in_the_event(cast: Cast) -> None:
    # Alice is a peer in Riverbend and a supervisor in Prairie Light: reading a Riverbend record, she acts as a peer.
    MembershipFactory(user=cast.alice, organization=cast.other_org, role="supervisor")
    participant = ParticipantFactory(organization=cast.org)
    participant_get_for_user(cast.alice, participant.public_id)
    event = AccessEvent.objects.get(subject_id=participant.public_id)
    assert (event.actor, event.organization, event.actor_role) == (cast.alice, cast.org, "peer")
