"""Guards found by mutation testing: the person's space shows only check-ups that are still going to happen."""

from __future__ import annotations

from peerway.accounts.links import participant_link_create
from peerway.recovery.models import CheckupStatus
from peerway.recovery.selectors.space import space_page
from peerway.recovery.services import engagement_transition
from peerway.recovery.services.checkups import checkups_schedule
from tests.helpers import Cast
from tests.recovery.plan_helpers import engagement_for


def test_check_ups_cancelled_by_closing_the_engagement_are_not_shown_as_upcoming(cast: Cast) -> None:
    engagement = engagement_for(cast)
    checkups_schedule(engagement=engagement)
    link = participant_link_create(participant=engagement.participant, actor=cast.alice, send=False).link
    assert len(space_page(link).upcoming_checkups) == 3

    engagement_transition(engagement=engagement, action="close", actor=cast.alice)
    assert engagement.checkups.exclude(status=CheckupStatus.CANCELLED).count() == 0
    assert space_page(link).upcoming_checkups == []
