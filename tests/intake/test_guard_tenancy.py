"""Guards found by mutation testing: intake services stay inside the acting staff member's organization."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from peerway.core.models import AccessEvent, Language
from peerway.intake.models import HelpRequest, Offer
from peerway.intake.services import (
    RequestInput,
    request_accept,
    request_relink,
    request_route,
    request_submit_by_staff,
)
from peerway.recovery.models import Wellbeing
from peerway.recovery.services.checkups import checkup_record, checkups_schedule
from tests.factories import MembershipFactory, ParticipantFactory, peer_profile
from tests.helpers import Cast
from tests.recovery.checkups_support import engagement_for, peer_for

START = dt.datetime(2024, 1, 15, 18, 0, tzinfo=dt.UTC)


def _phone_call() -> RequestInput:
    return RequestInput(
        contact_method="call",
        phone="612-555-0142",
        language=Language.objects.get(slug="en"),
        consent_to_contact=True,
        modalities=("phone",),
    )


def test_a_relink_is_refused_for_a_participant_of_another_organization(cast: Cast) -> None:
    # Sam supervises in org; the participant and their peer belong to other_org. Naming org as the acting
    # organization must not let him open a request (with the person's name, phone and email) for them.
    theirs = ParticipantFactory(organization=cast.other_org)
    their_peer = peer_profile(cast.other_org, name="Oda")
    with pytest.raises(ValueError, match="participant of the acting organization"):
        request_relink(participant=theirs, preferred_peer=their_peer, organization=cast.org, actor=cast.sam)
    assert not HelpRequest.objects.exists()
    assert not AccessEvent.objects.exists()


def test_an_administrator_of_the_state_agency_cannot_enter_a_request_through_the_service(cast: Cast) -> None:
    # org_admin is a role held in the state agency too; requests are entered only in service organizations.
    MembershipFactory(user=cast.analyst, organization=cast.state, role="org_admin")
    with pytest.raises(PermissionError):
        request_submit_by_staff(data=_phone_call(), source="phone_line", actor=cast.analyst, organization=cast.state)
    assert not HelpRequest.objects.exists()
    assert not AccessEvent.objects.exists()


def test_a_relink_accepted_by_a_peer_of_another_organization_never_reuses_the_persons_record(cast: Cast) -> None:
    # Routing offers a re-link only within the person's organization; should a peer of another organization
    # ever hold an offer for it (an offer made by hand, a future routing path), accepting it must not attach
    # them to org's participant record: their engagement starts a record of their own organization.
    engagement = engagement_for(cast.org, peer=peer_for(cast.alice, cast.org), started_at=START)
    with time_machine.travel(START, tick=False):
        checkups_schedule(engagement=engagement)
    checkup = engagement.checkups.order_by("sequence").first()
    recorded = checkup_record(checkup=checkup, actor=cast.alice, reached=True, wellbeing=Wellbeing.WANTS_RECONNECT)
    request = recorded.relink_request
    request_route(request_id=request.pk)
    outsider = peer_profile(cast.other_org, name="Oda")
    Offer.objects.create(request=request, peer=outsider, score=1.0)

    theirs = request_accept(request=request, peer=outsider)

    assert theirs.organization == cast.other_org
    assert theirs.participant != engagement.participant
    assert theirs.participant.organization == cast.other_org


def test_an_engagement_never_joins_one_organizations_peer_to_anothers_person(cast: Cast) -> None:
    # The last line behind the services' own checks: an engagement of other_org for org's participant is refused.
    from django.core.exceptions import ValidationError
    from django.utils import timezone

    from peerway.recovery.models import Engagement, Program

    participant = ParticipantFactory(organization=cast.org)
    outsider = peer_profile(cast.other_org, name="Sample Outsider")
    engagement = Engagement(
        participant=participant,
        organization=cast.other_org,
        peer=outsider,
        program=Program.RCO,
        started_at=timezone.now(),
    )
    with pytest.raises(ValidationError) as refused:
        engagement.full_clean()
    assert list(refused.value.message_dict) == ["participant"]
