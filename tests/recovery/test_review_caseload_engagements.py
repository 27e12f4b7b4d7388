"""Review of caseloads and the engagement lifecycle: re-opening, who a new record belongs to, and the local day
of each organization on the team page. Every name and number is synthetic."""

from __future__ import annotations

import contextlib
import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from peerway.accounts.models import Membership
from peerway.intake.services import request_accept, request_route
from peerway.organizations.models import Organization
from peerway.recovery.caseload_rules import Urgency
from peerway.recovery.models import (
    Checkup,
    CheckupStatus,
    Engagement,
    EngagementStatus,
    Participant,
    Program,
    RelinkKind,
    Wellbeing,
)
from peerway.recovery.selectors.caseload import caseload_for_user
from peerway.recovery.services import ActionRefused, engagement_transition
from peerway.recovery.services.checkups import checkup_record, checkups_schedule
from peerway.recovery.services.engagements import engagement_close_for_relink
from peerway.workforce.models import PeerProfile
from tests.factories import MembershipFactory, OrganizationFactory, ParticipantFactory, peer_profile
from tests.helpers import Cast
from tests.recovery.checkups_support import engagement_for, peer_for
from tests.recovery.records import peer_of, ready_engagement
from tests.recovery.test_caseload import contact

pytestmark = pytest.mark.django_db

CHICAGO = ZoneInfo("America/Chicago")


def _client(user: object) -> Client:
    client = Client()
    client.force_login(user)  # type: ignore[arg-type]
    return client


# Re-opening


def test_a_reopened_engagement_counts_contact_days_from_the_reopening(cast: Cast) -> None:
    # A person supported last year, closed, comes back today: the peer re-opens the engagement and talks to them
    # this week. The caseload should count from the re-opening (docs/caseload.md), not say "200 days overdue".
    long_ago = timezone.now() - dt.timedelta(days=300)
    item = ready_engagement(cast)
    Engagement.objects.filter(pk=item.pk).update(started_at=long_ago)
    # Dated on the organization's calendar, as the contact form records it.
    contact(item, (timezone.now() - dt.timedelta(days=200)).astimezone(CHICAGO))
    engagement_transition(engagement=item, action="close", actor=cast.alice)
    engagement_transition(engagement=item, action="reopen", actor=cast.alice)

    row = next(row for row in caseload_for_user(cast.alice, today=timezone.localdate()) if row.engagement.pk == item.pk)
    assert (row.contact, row.days_since_contact) == (Urgency.OK, 0)


@pytest.mark.parametrize("how", ["peer role ended", "profile inactive"])
def test_reopening_does_not_give_the_engagement_back_to_a_peer_who_has_left(cast: Cast, how: str) -> None:
    item = ready_engagement(cast)
    engagement_transition(engagement=item, action="close", actor=cast.alice)
    if how == "peer role ended":
        Membership.objects.filter(user=cast.alice, organization=cast.org, role="peer").update(active=False)
    else:
        PeerProfile.objects.filter(user=cast.alice).update(status="inactive")

    # Refused with a reason (e.g. "hand it to another peer first") is fine.
    with contextlib.suppress(ActionRefused):
        engagement_transition(engagement=item, action="reopen", actor=cast.sam)
    item.refresh_from_db()
    if item.status == EngagementStatus.ACTIVE:
        assert PeerProfile.objects.in_service().filter(pk=item.peer_id).exists(), (
            "an active engagement whose peer cannot open the record"
        )


def test_reopening_the_engagement_a_relink_continued_keeps_one_open_engagement(cast: Cast) -> None:
    earlier = ready_engagement(cast)
    bob = peer_profile(cast.org, name="Bob")
    later = Engagement.objects.create(
        participant=earlier.participant,
        organization=cast.org,
        peer=bob,
        program=earlier.program,
        started_at=timezone.now(),
    )
    assert engagement_close_for_relink(engagement=earlier, actor=bob.user)

    with contextlib.suppress(ActionRefused):
        engagement_transition(engagement=earlier, action="reopen", actor=cast.sam)
    open_ones = Engagement.objects.filter(
        participant=earlier.participant, status__in=[EngagementStatus.ACTIVE, EngagementStatus.CHECKUP]
    )
    assert list(open_ones) == [later]


def test_a_relinked_person_goes_on_in_the_program_they_were_in(cast: Cast) -> None:
    # A 245G program that follows people after discharge in its recovery-community program (chosen at the start).
    Organization.objects.filter(pk=cast.org.pk).update(kind="sud_245g")
    cast.org.refresh_from_db()
    start = dt.datetime(2024, 1, 15, 18, 0, tzinfo=dt.UTC)
    source = engagement_for(cast.org, peer=peer_for(cast.alice, cast.org), started_at=start)
    Engagement.objects.filter(pk=source.pk).update(program=Program.RCO)
    source.refresh_from_db()
    with time_machine.travel(start, tick=False):
        checkups_schedule(engagement=source)
    checkup = source.checkups.get(sequence=1)
    when = dt.datetime(checkup.due_on.year, checkup.due_on.month, checkup.due_on.day, 16, 0, tzinfo=dt.UTC)
    with time_machine.travel(when, tick=False):
        recorded = checkup_record(
            checkup=checkup,
            actor=cast.alice,
            reached=True,
            wellbeing=Wellbeing.STRUGGLING,
            relink_kind=RelinkKind.REQUEST,
            recovery_capital=30,
        )
        assert recorded.relink_request is not None
        request_route(request_id=recorded.relink_request.pk)
        new = request_accept(request=recorded.relink_request, peer=source.peer)
    assert new.participant_id == source.participant_id
    assert new.program == Program.RCO


# A new record made by someone who works in two organizations


def test_staff_of_two_organizations_choose_where_a_new_record_goes(cast: Cast) -> None:
    # Alice is a peer at Riverbend and also supervises at Prairie Light (first by name). A person she meets as
    # Riverbend's peer must not land in Prairie Light's records, where Prairie Light's staff would read them.
    MembershipFactory(user=cast.alice, organization=cast.other_org, role="supervisor")
    peer_of(cast.alice, cast)
    client = _client(cast.alice)
    response = client.post(
        reverse("recovery:participant_create"),
        {"preferred_name": "Sample Riverbend Person", "organization": cast.org.slug},
    )
    assert response.status_code == 302
    created = Participant.objects.get()
    assert created.organization == cast.org  # today: Prairie Light's
    page = client.get(reverse("recovery:participant_create")).content.decode()
    assert 'name="organization"' in page


def test_a_user_of_one_organization_creates_records_there_without_choosing(cast: Cast) -> None:
    response = _client(cast.alice).post(
        reverse("recovery:participant_create"),
        {"preferred_name": "Sample One Org", "organization": cast.other_org.slug},
    )
    assert response.status_code == 302
    assert Participant.objects.get().organization == cast.org


# Local days on the team page


def test_the_team_page_reads_each_organizations_check_ups_on_its_own_calendar(cast: Cast) -> None:
    # Sam supervises Riverbend (America/Chicago, first by name) and Zenith (Pacific/Honolulu). At 00:30 on 10 March in
    # Chicago it is still 19:30 on 9 March in Honolulu: a Zenith check-up due on 9 March is due today, not overdue.
    zenith = OrganizationFactory(name="Zenith Recovery", slug="zenith", timezone="Pacific/Honolulu")
    MembershipFactory(user=cast.sam, organization=zenith, role="supervisor")
    zed = peer_profile(zenith, name="Zed")
    item = Engagement.objects.create(
        participant=ParticipantFactory(organization=zenith, preferred_name="Sample Islander"),
        organization=zenith,
        peer=zed,
        program="rco",
        status=EngagementStatus.ACTIVE,
        started_at=dt.datetime(2026, 3, 5, 20, 0, tzinfo=dt.UTC),
    )
    Checkup.objects.create(engagement=item, sequence=1, due_on=dt.date(2026, 3, 9), status=CheckupStatus.SCHEDULED)
    with time_machine.travel(dt.datetime(2026, 3, 10, 5, 30, tzinfo=dt.UTC), tick=False):
        page = _client(cast.sam).get(reverse("recovery:team_caseload")).content.decode()
    assert "Sample Islander" in page
    assert "Check-up overdue" not in page
    assert "Check-up due" in page
