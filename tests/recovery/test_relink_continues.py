"""A re-link from a check-up continues the person in one engagement, never two (docs/outcomes.md, "Re-linking").

Accepting the re-link request begins a new engagement and closes the one the re-link came from, with its future
check-ups cancelled; a check-up makes no second request while one from its engagement is still open.
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from peerway.core.models import AccessAction, AccessEvent
from peerway.intake.models import HelpRequest, Offer, OfferStatus, RequestStatus
from peerway.intake.services import CaseloadFull, request_accept, request_route, request_withdraw
from peerway.recovery.models import Checkup, CheckupStatus, Engagement, EngagementStatus, RelinkKind, Wellbeing
from peerway.recovery.services.checkups import checkup_record, checkups_schedule
from peerway.recovery.services.engagements import engagement_transition
from peerway.workforce.models import PeerProfile
from tests.helpers import Cast
from tests.recovery.checkups_support import engagement_for, peer_for

pytestmark = pytest.mark.django_db

RELINK_CLOSE_REASON = "closed: continued in a new engagement after a re-link"

# Noon in Minnesota on 15 January 2024.
START = dt.datetime(2024, 1, 15, 18, 0, tzinfo=dt.UTC)


def at(day: dt.date) -> dt.datetime:
    """Mid-morning in Minnesota on ``day``."""
    return dt.datetime(day.year, day.month, day.day, 16, 0, tzinfo=dt.UTC)


def scheduled(engagement: Engagement, sequence: int) -> Checkup:
    return engagement.checkups.get(sequence=sequence)


def alices_engagement(cast: Cast, *, status: str = EngagementStatus.ACTIVE) -> Engagement:
    """An engagement of alice's begun at START, with its quarterly schedule."""
    engagement = engagement_for(cast.org, peer=peer_for(cast.alice, cast.org), started_at=START, status=status)
    with time_machine.travel(START, tick=False):
        checkups_schedule(engagement=engagement)
    return engagement


def struggling(checkup: Checkup, cast: Cast) -> Checkup:
    """Record ``checkup`` on its due day: reached, struggling, re-linked by a request."""
    with time_machine.travel(at(checkup.due_on), tick=False):
        return checkup_record(
            checkup=checkup,
            actor=cast.alice,
            reached=True,
            wellbeing=Wellbeing.STRUGGLING,
            relink_kind=RelinkKind.REQUEST,
            recovery_capital=30,
        )


def accepted(request: HelpRequest, engagement: Engagement, when: dt.datetime) -> Engagement:
    """The previous peer is offered the re-link alone and accepts it at ``when``."""
    with time_machine.travel(when, tick=False):
        request_route(request_id=request.pk)
        return request_accept(request=request, peer=engagement.peer)


def open_engagements(engagement: Engagement) -> list[Engagement]:
    return list(
        Engagement.objects.filter(
            participant_id=engagement.participant_id,
            organization_id=engagement.organization_id,
            status__in=[EngagementStatus.ACTIVE, EngagementStatus.CHECKUP],
        )
    )


@pytest.mark.parametrize("status", [EngagementStatus.ACTIVE, EngagementStatus.CHECKUP])
def test_accepting_a_re_link_closes_the_engagement_it_came_from_and_cancels_its_future_check_ups(
    cast: Cast, status: str
) -> None:
    source = alices_engagement(cast, status=status)
    recorded = struggling(scheduled(source, 2), cast)
    request = recorded.relink_request
    assert request is not None
    when = at(recorded.due_on) + dt.timedelta(hours=1)

    new = accepted(request, source, when)

    source.refresh_from_db()
    assert (source.status, source.ended_at) == (EngagementStatus.CLOSED, when)
    assert new.participant_id == source.participant_id and new.status == EngagementStatus.ACTIVE
    assert open_engagements(source) == [new]
    # The check-ups it recorded stay (sustained wellness counts them); none of its own is left to come.
    statuses = dict(source.checkups.values_list("sequence", "status"))
    assert statuses[2] == CheckupStatus.RECORDED
    assert scheduled(source, 2).wellbeing == Wellbeing.STRUGGLING
    assert {statuses[sequence] for sequence in range(3, 21)} == {CheckupStatus.CANCELLED}
    # The first check-up, overdue and never recorded, is not in the future: a close leaves it as it is.
    assert statuses[1] == CheckupStatus.SCHEDULED
    event = AccessEvent.objects.get(reason=RELINK_CLOSE_REASON)
    assert (event.action, event.actor_id, event.actor_role, event.subject_id, event.organization_id) == (
        AccessAction.CHANGED,
        cast.alice.pk,
        "peer",
        source.participant.public_id,
        cast.org.pk,
    )


def test_a_source_engagement_closed_before_the_accept_stays_as_it_was(cast: Cast) -> None:
    source = alices_engagement(cast)
    recorded = struggling(scheduled(source, 1), cast)
    assert recorded.relink_request is not None
    closed_at = at(recorded.due_on) + dt.timedelta(minutes=30)
    with time_machine.travel(closed_at, tick=False):
        engagement_transition(engagement=source, action="close", actor=cast.sam)

    new = accepted(recorded.relink_request, source, closed_at + dt.timedelta(minutes=30))

    source.refresh_from_db()
    assert (source.status, source.ended_at) == (EngagementStatus.CLOSED, closed_at)
    assert open_engagements(source) == [new]
    assert not AccessEvent.objects.filter(reason=RELINK_CLOSE_REASON).exists()


def test_a_chain_of_re_links_leaves_the_person_in_one_open_engagement(cast: Cast) -> None:
    source = alices_engagement(cast)
    first = struggling(scheduled(source, 1), cast)
    assert first.relink_request is not None
    second = accepted(first.relink_request, source, at(first.due_on) + dt.timedelta(hours=1))
    with time_machine.travel(second.started_at, tick=False):
        checkups_schedule(engagement=second)

    again = struggling(scheduled(second, 1), cast)
    assert again.relink_request is not None
    third = accepted(again.relink_request, second, at(again.due_on) + dt.timedelta(hours=1))

    assert open_engagements(source) == [third]
    # The re-link request the second engagement began from closes with it, as any engagement's request does.
    first.relink_request.refresh_from_db()
    assert first.relink_request.status == RequestStatus.CLOSED
    assert not second.checkups.filter(status=CheckupStatus.SCHEDULED, due_on__gte=again.due_on).exists()


def test_no_second_re_link_request_while_one_from_the_engagement_is_open(cast: Cast) -> None:
    source = alices_engagement(cast)
    first = struggling(scheduled(source, 1), cast)
    request = first.relink_request
    assert request is not None
    with time_machine.travel(at(first.due_on), tick=False):
        request_route(request_id=request.pk)
    request.refresh_from_db()
    offered = (request.status, list(request.offers.values_list("peer_id", "status")))
    assert request.status == RequestStatus.OFFERED

    # Nobody has taken it three months later: the next check-up finds the person struggling again.
    second = struggling(scheduled(source, 2), cast)

    assert (second.status, second.wellbeing, second.relink_kind) == (
        CheckupStatus.RECORDED,
        Wellbeing.STRUGGLING,
        RelinkKind.REQUEST,
    )
    assert second.relink_request is None
    assert list(HelpRequest.objects.all()) == [request]
    request.refresh_from_db()
    assert (request.status, list(request.offers.values_list("peer_id", "status"))) == offered
    assert open_engagements(source) == [source]

    # Once the person stopped that request, a later check-up re-links them anew.
    with time_machine.travel(at(second.due_on), tick=False):
        request_withdraw(request=request)
    third = struggling(scheduled(source, 3), cast)
    assert third.relink_request is not None and third.relink_request != request


def test_the_page_says_the_open_request_goes_on_when_no_second_one_is_made(cast: Cast) -> None:
    from django.contrib.messages import get_messages
    from django.test import Client
    from django.urls import reverse

    source = alices_engagement(cast)
    first = struggling(scheduled(source, 1), cast)
    assert first.relink_request is not None
    second = scheduled(source, 2)
    client = Client()
    client.force_login(cast.alice)
    url = reverse("recovery:checkup_record", args=[source.public_id, second.public_id])
    with time_machine.travel(at(second.due_on), tick=False):
        response = client.post(url, {"reached": "yes", "wellbeing": "struggling", "relink_kind": "request"})
    assert response.status_code == 302
    said = [str(message) for message in get_messages(response.wsgi_request)]
    assert said == [
        "Check-up recorded. The priority request from an earlier check-up still waits for a peer; it goes on."
    ]
    assert HelpRequest.objects.count() == 1


def offered_peers(request: HelpRequest) -> set[int]:
    return set(request.offers.filter(status=OfferStatus.OFFERED).values_list("peer_id", flat=True))


def test_a_peer_full_only_with_this_persons_active_engagement_is_offered_the_re_link_and_can_take_it(
    cast: Cast,
) -> None:
    """Accepting the re-link closes that engagement, so taking the person back is no new place in the caseload."""
    source = alices_engagement(cast)
    PeerProfile.objects.filter(pk=source.peer_id).update(caseload_limit=1)
    recorded = struggling(scheduled(source, 1), cast)
    request = recorded.relink_request
    assert request is not None
    when = at(recorded.due_on) + dt.timedelta(hours=1)

    with time_machine.travel(when, tick=False):
        request_route(request_id=request.pk)
        assert offered_peers(request) == {source.peer_id}
        new = request_accept(request=request, peer=source.peer)

    source.refresh_from_db()
    assert source.status == EngagementStatus.CLOSED
    assert open_engagements(source) == [new]
    assert Engagement.objects.filter(peer_id=source.peer_id, status=EngagementStatus.ACTIVE).count() == 1


def test_a_peer_full_with_other_people_is_not_offered_the_re_link_nor_can_take_it(cast: Cast) -> None:
    """Only the engagement the re-link closes is left out of the count: in its check-up phase it holds no place
    anyway, and the peer's other active engagements still fill their caseload."""
    source = alices_engagement(cast, status=EngagementStatus.CHECKUP)
    PeerProfile.objects.filter(pk=source.peer_id).update(caseload_limit=1)
    engagement_for(cast.org, peer=source.peer, started_at=START, status=EngagementStatus.ACTIVE)
    recorded = struggling(scheduled(source, 1), cast)
    request = recorded.relink_request
    assert request is not None
    when = at(recorded.due_on) + dt.timedelta(hours=1)

    with time_machine.travel(when, tick=False):
        request_route(request_id=request.pk)
        assert source.peer_id not in offered_peers(request)
        # Even holding an offer made before the caseload filled, the accept is refused.
        Offer.objects.create(request=request, peer=source.peer, score=1.0, offered_at=when)
        with pytest.raises(CaseloadFull):
            request_accept(request=request, peer=source.peer)

    source.refresh_from_db()
    assert source.status == EngagementStatus.CHECKUP
