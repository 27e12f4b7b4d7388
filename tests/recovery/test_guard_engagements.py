"""Guards found by mutation testing: how a hand-off is written to the access log."""

from __future__ import annotations

from peerway.core.models import AccessEvent
from peerway.recovery.services import engagement_attest, engagement_handoff
from tests.factories import MembershipFactory, peer_profile
from tests.helpers import Cast
from tests.recovery.records import ready_engagement


def test_a_hand_off_is_logged_in_the_lead_role_that_allows_it(cast: Cast) -> None:
    # Sam is also a peer of the organization; only his supervisor role lets him hand an engagement off.
    MembershipFactory(user=cast.sam, organization=cast.org, role="peer")
    engagement = ready_engagement(cast)
    bob = peer_profile(cast.org, name="Bob")
    engagement_attest(engagement=engagement, actor=bob.user)
    engagement_handoff(engagement=engagement, to_peer=bob, reason="Alice moves to nights", actor=cast.sam)
    [event] = AccessEvent.objects.filter(
        subject_id=engagement.participant.public_id, reason="handed off to another peer"
    )
    assert event.actor == cast.sam and event.action == "changed" and event.actor_role == "supervisor"
