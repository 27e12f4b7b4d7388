"""The re-link requests `peerway seed` writes for its check-ups: the rows checkup_record and request_relink write
live, and what followed them under the rules the intake services keep (core/seed/relinks.py).

Like test_seed_contents.py, the module seeds once per seed (rolled back when the module ends) and each test
only reads, inside a savepoint of that seeding's transaction.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction
from django.db.models import Count, F
from django.test import override_settings
from django.urls import reverse
from pytest_django import DjangoDbBlocker

from peerway.accounts.models import Membership
from peerway.accounts.roles import Role
from peerway.core.models import Language
from peerway.core.seed import SeedReport, seed_run
from peerway.core.seed.relinks import OPEN_WITHIN
from peerway.intake.models import (
    ContactMethod,
    EscalationAlert,
    HelpRequest,
    OfferStatus,
    RequestSource,
    RequestStatus,
)
from peerway.intake.services import OFFER_ROUND_SIZES, STATUS_LINK_LIFETIME
from peerway.recovery.models import (
    Checkup,
    CheckupStatus,
    Engagement,
    EngagementStatus,
    PeerAttestation,
    RecoveryPlan,
    RelinkKind,
    Wellbeing,
)
from peerway.workforce.models import PeerStatus

TODAY = dt.date(2026, 11, 23)
ANCHOR = dt.datetime(2026, 11, 23, 6, 0, tzinfo=dt.UTC)  # midnight starting TODAY in Minnesota (CST), in UTC


@pytest.fixture(scope="module", params=[42, 7], ids=lambda seed: f"seed-{seed}")
def seeded(
    request: pytest.FixtureRequest,
    django_db_setup: None,
    django_db_blocker: DjangoDbBlocker,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[SeedReport]:
    """The small seed, written once per seed for the module and rolled back after it."""
    var_dir = tmp_path_factory.mktemp("seed-var")
    with django_db_blocker.unblock(), override_settings(VAR_DIR=var_dir), transaction.atomic():
        yield seed_run(scale="small", seed=request.param, today=TODAY, progress=False)
        transaction.set_rollback(True)


def relinks() -> Any:
    return HelpRequest.objects.filter(source=RequestSource.RELINK)


def slugs(terms: Any) -> set[str]:
    return {term.slug for term in terms.all()}


def active_at(engagement: Engagement, moment: dt.datetime) -> bool:
    """Whether the engagement counted against its peer's caseload at ``moment`` (matching counts active ones)."""
    until = engagement.checkup_since or engagement.ended_at
    return engagement.started_at <= moment and (until is None or until > moment)


@pytest.mark.django_db
def test_every_check_up_that_re_links_by_a_request_has_the_request_request_relink_writes(seeded: SeedReport) -> None:
    english = Language.objects.get(slug="en")
    checkups = list(
        Checkup.objects.filter(relink_kind=RelinkKind.REQUEST).select_related(
            "engagement__participant__language", "relink_request__language"
        )
    )
    assert len(checkups) >= 10
    for checkup in checkups:
        request = checkup.relink_request
        assert request is not None, f"check-up {checkup.public_id} re-linked to nothing"
        engagement, person = checkup.engagement, checkup.engagement.participant
        assert checkup.status == CheckupStatus.RECORDED and checkup.reached
        assert checkup.wellbeing in (Wellbeing.STRUGGLING, Wellbeing.WANTS_RECONNECT)
        # request_relink: a priority request with the engagement's peer preferred, for a participant of the
        # engagement's organization, entered by whoever recorded the check-up, when they recorded it.
        assert request.source == RequestSource.RELINK
        assert request.priority
        assert request.preferred_peer_id == engagement.peer_id
        assert person.organization_id == engagement.organization_id
        assert request.organization_id in (None, engagement.organization_id)
        assert request.entered_by_id == checkup.recorded_by_id
        assert request.created_at == checkup.recorded_at
        assert request.status_token_expires_at == request.created_at + STATUS_LINK_LIFETIME
        # Only what matching and the first contact need, copied from the person's record.
        assert request.first_name == person.preferred_name
        assert (request.phone, request.email) == (person.phone, person.email)
        expected_method = ContactMethod.CALL if person.phone else ContactMethod.EMAIL if person.email else "page"
        assert request.contact_method == expected_method
        assert request.language == (person.language or english)
        assert slugs(request.communities) == slugs(person.communities)
        assert request.communities_own_words == person.communities_own_words
        assert request.modalities == ["phone", "text", "video"]
        assert not request.lived_experience.exists() and not request.pathways.exists()
        assert (request.county_id, request.zip_code, request.latitude, request.gender_preference) == (
            None,
            "",
            None,
            "",
        )
        assert request.consent_to_contact and not request.language_required and not request.wants_to_choose
    # Each re-link request came from one check-up, and no other check-up has one: a re-link to treatment records
    # its kind only (the live service writes no referral with the check-up).
    assert set(relinks().values_list("pk", flat=True)) == {checkup.relink_request_id for checkup in checkups}
    assert not Checkup.objects.exclude(relink_kind=RelinkKind.REQUEST).exclude(relink_request=None).exists()


@pytest.mark.django_db
def test_a_relink_is_offered_only_within_the_persons_organization_and_to_the_previous_peer_alone_first(
    seeded: SeedReport,
) -> None:
    requests = list(relinks().select_related("relinked_checkup__engagement").prefetch_related("offers__peer__user"))
    preferred_first = 0
    for request in requests:
        organization_id = request.relinked_checkup.engagement.organization_id
        offers = list(request.offers.all())
        for offer in offers:
            # Never outside the person's organization: the request carries a copy of their record.
            assert offer.peer.organization_id == organization_id, request.public_id
            assert request.created_at <= offer.offered_at <= ANCHOR
            assert offer.peer.created_at <= offer.offered_at and offer.peer.user.date_joined <= offer.offered_at
            assert offer.round <= request.escalation_level
        first_round = [offer for offer in offers if offer.round == 0]
        if any(offer.peer_id == request.preferred_peer_id for offer in first_round):
            assert len(first_round) == 1, "the previous peer who can take the person is offered it alone"
            preferred_first += 1
        else:
            assert len(first_round) <= OFFER_ROUND_SIZES[0]
        assert len([offer for offer in offers if offer.round == 1]) <= OFFER_ROUND_SIZES[1]
        assert set(request.alerts.values_list("organization_id", flat=True)) <= {organization_id}
        if request.accepted_by_id is not None:
            assert request.accepted_by.organization_id == request.organization_id == organization_id
            accepted = [offer.peer_id for offer in offers if offer.status == OfferStatus.ACCEPTED]
            assert accepted == [request.accepted_by_id]
        else:
            assert not any(offer.status == OfferStatus.ACCEPTED for offer in offers)
    assert preferred_first >= 0.7 * len(requests)
    accepted = relinks().exclude(accepted_by=None)
    by_previous_peer = accepted.filter(accepted_by=F("preferred_peer")).count()
    assert by_previous_peer >= 0.7 * accepted.count() > 0


@pytest.mark.django_db
def test_an_accepted_relink_continues_the_persons_record_in_a_new_engagement_within_the_caseload_limit(
    seeded: SeedReport,
) -> None:
    accepted = list(
        relinks()
        .exclude(accepted_by=None)
        .select_related("relinked_checkup__engagement", "engagement", "accepted_by")
        .order_by("accepted_at")
    )
    assert len(accepted) >= 10
    for request in accepted:
        previous, engagement = request.relinked_checkup.engagement, request.engagement
        # request_accept with _relinked_engagement: the same person's record, no second one.
        assert engagement.participant_id == previous.participant_id
        assert engagement.organization_id == previous.organization_id
        assert engagement.peer_id == request.accepted_by_id
        assert engagement.started_at == request.accepted_at
        assert request.created_at < request.accepted_at <= request.created_at + dt.timedelta(days=1)
        assert engagement.voluntary_notice_at == engagement.started_at
        assert PeerAttestation.objects.filter(engagement=engagement, peer_id=engagement.peer_id).exists()
        assert engagement.checkups.count() == 20  # its own schedule, quarterly for five years
        # request_accept refuses a peer whose caseload is full when they accept.
        peer = request.accepted_by
        carrying = sum(
            active_at(other, request.accepted_at)
            for other in Engagement.objects.filter(peer=peer).exclude(pk=engagement.pk)
        )
        assert carrying < peer.caseload_limit, (request.public_id, carrying, peer.caseload_limit)
        # A request closes when its engagement does (or the person was never reached); the others stay taken.
        if request.status == RequestStatus.CLOSED:
            assert engagement.status == EngagementStatus.CLOSED and engagement.ended_at == request.closed_at
        else:
            assert request.status in (RequestStatus.ACCEPTED, RequestStatus.CONNECTED)
            assert engagement.status != EngagementStatus.CLOSED
        if request.status == RequestStatus.ACCEPTED:
            assert request.connected_at is None
    # Re-linked people are in the caseloads and plans like anyone: new engagements of every status, with plans
    # (the plans stage runs after the check-ups).
    statuses = {request.engagement.status for request in accepted}
    assert EngagementStatus.ACTIVE in statuses and EngagementStatus.CLOSED in statuses
    assert RecoveryPlan.objects.filter(engagement__help_request__source=RequestSource.RELINK).exists()


@pytest.mark.django_db
def test_no_seeded_person_is_in_two_active_engagements_at_one_organization(seeded: SeedReport) -> None:
    doubled = list(
        Engagement.objects.filter(status=EngagementStatus.ACTIVE)
        .values("participant_id", "organization_id")
        .annotate(active=Count("id"))
        .filter(active__gt=1)
        .order_by("participant_id")
    )
    assert doubled == []
    # Nor in two open ones (active or in the check-up phase) when one of them came from a re-link.
    open_engagements = Engagement.objects.filter(status__in=[EngagementStatus.ACTIVE, EngagementStatus.CHECKUP])
    relinked = set(
        open_engagements.filter(help_request__source=RequestSource.RELINK).values_list(
            "participant_id", "organization_id"
        )
    )
    assert relinked
    doubled = list(
        open_engagements.values("participant_id", "organization_id")
        .annotate(open=Count("id"))
        .filter(open__gt=1)
        .values_list("participant_id", "organization_id")
    )
    assert [person for person in doubled if person in relinked] == []


@pytest.mark.django_db
def test_an_accepted_relink_closes_the_engagement_it_came_from_and_its_check_ups_to_come(seeded: SeedReport) -> None:
    accepted = list(
        relinks()
        .exclude(accepted_by=None)
        .select_related("relinked_checkup__engagement__organization", "relinked_checkup__engagement__help_request")
    )
    closed_by_accept = 0
    for request in accepted:
        checkup = request.relinked_checkup
        previous = checkup.engagement
        # Closed at the accept (engagement_close_for_relink), or before it.
        assert previous.status == EngagementStatus.CLOSED and previous.ended_at is not None
        assert previous.ended_at <= request.accepted_at, request.public_id
        closed_by_accept += previous.ended_at == request.accepted_at
        accept_day = request.accepted_at.astimezone(previous.organization.zone).date()
        later = previous.checkups.filter(sequence__gt=checkup.sequence)
        assert not later.filter(due_on__gte=accept_day).exclude(status=CheckupStatus.CANCELLED).exists()
        # Nothing happened in it after it closed: no contact, no hand-off, no check-up re-linked the person.
        assert not previous.contacts.filter(occurred_at__gt=previous.ended_at).exists()
        assert not previous.handoffs.filter(handed_off_at__gt=previous.ended_at).exists()
        assert not later.exclude(relink_request=None).exists()
        # Its first-call or re-link request closed with it, as a close closes it.
        if previous.help_request is not None and previous.help_request.status != RequestStatus.WITHDRAWN:
            assert previous.help_request.status == RequestStatus.CLOSED
            assert previous.help_request.closed_at == previous.ended_at
    assert closed_by_accept >= 0.8 * len(accepted) > 0
    # The check-up that re-linked the person stays recorded, and counts toward sustained wellness.
    assert all(request.relinked_checkup.status == CheckupStatus.RECORDED for request in accepted)


@pytest.mark.django_db
def test_no_check_up_re_links_while_a_request_from_its_engagement_is_still_open(seeded: SeedReport) -> None:
    checkups = list(Checkup.objects.exclude(relink_request=None).select_related("relink_request"))
    by_engagement: dict[int, list[Checkup]] = {}
    for checkup in checkups:
        by_engagement.setdefault(checkup.engagement_id, []).append(checkup)
    for theirs in by_engagement.values():
        theirs.sort(key=lambda checkup: checkup.recorded_at)
        for earlier, later in itertools.pairwise(theirs):
            request = earlier.relink_request
            settled_at = request.accepted_at or request.closed_at
            assert settled_at is not None and settled_at <= later.recorded_at, later.public_id


@pytest.mark.django_db
def test_only_recent_relinks_are_still_open_and_those_wait_as_the_worker_would_leave_them(seeded: SeedReport) -> None:
    for request in relinks().prefetch_related("offers__peer"):
        if request.status not in (RequestStatus.RECEIVED, RequestStatus.OFFERED):
            assert request.closed_at is not None or request.accepted_at is not None
            assert not request.offers.filter(status=OfferStatus.OFFERED).exists()
            assert not request.alerts.filter(resolved_at=None).exists()
            continue
        assert request.created_at >= ANCHOR - OPEN_WITHIN
        held = [offer for offer in request.offers.all() if offer.status == OfferStatus.OFFERED]
        # Offers of peers off shift lapse every minute (requests_route_waiting): whoever holds one is on shift.
        assert all(offer.peer.on_shift and offer.peer.status == PeerStatus.ACTIVE for offer in held)
        if request.status == RequestStatus.OFFERED:
            assert held
        else:
            assert not held and request.routing_note.get("code") and "next_shift_at" in request.routing_note
    assert not EscalationAlert.objects.filter(
        request__source=RequestSource.RELINK,
        request__status__in=[
            RequestStatus.ACCEPTED,
            RequestStatus.CONNECTED,
            RequestStatus.CLOSED,
            RequestStatus.WITHDRAWN,
        ],
        resolved_at=None,
    ).exists()


@pytest.mark.django_db
def test_the_relinks_page_shows_where_each_seeded_relink_went(seeded: SeedReport, client: Any) -> None:
    checkup = (
        Checkup.objects.filter(relink_kind=RelinkKind.REQUEST)
        .select_related("relink_request", "engagement")
        .order_by("-recorded_at")
        .first()
    )
    assert checkup is not None and checkup.relink_request is not None
    supervisor = (
        Membership.objects.filter(
            organization_id=checkup.engagement.organization_id, role__in=[Role.SUPERVISOR, Role.ORG_ADMIN], active=True
        )
        .select_related("user")
        .order_by("pk")
        .first()
    )
    assert supervisor is not None
    client.force_login(supervisor.user)
    page = client.get(reverse("recovery:checkup_relinks")).content.decode()
    assert f"— {checkup.relink_request.get_status_display()}" in page
