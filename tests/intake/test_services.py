from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
import time_machine
from django_tasks_db.models import DBTaskResult

from peerway.accounts.models import User
from peerway.core.models import AccessEvent, Community, Language
from peerway.intake.models import EscalationAlert, HelpRequest, Offer, OfferStatus, RequestStatus
from peerway.intake.selectors import request_status_page
from peerway.intake.services import (
    CaseloadFull,
    OfferNotAvailable,
    next_shift_start,
    request_accept,
    request_choose_peer,
    request_connect,
    request_decline,
    request_erase,
    request_get_by_token,
    request_rematch,
    request_route,
    request_withdraw,
    requests_escalate_due,
    requests_route_waiting,
)
from peerway.recovery.models import Engagement, EngagementStatus, Participant
from peerway.workforce.models import PeerProfile, PeerStatus, WeeklyShift
from tests.factories import MembershipFactory, OrganizationFactory, peer_profile

Submit = Callable[..., tuple[HelpRequest, str]]


def test_submitting_stores_only_a_hash_of_the_private_link_and_queues_routing(submit: Submit) -> None:
    request, token = submit()
    assert request.status == RequestStatus.RECEIVED
    assert [
        row.args_kwargs["args"] for row in DBTaskResult.objects.filter(task_path__endswith="request_route_task")
    ] == [[request.pk]]
    assert token not in request.status_token_hash
    assert request_get_by_token(token) == request
    assert request_get_by_token(token + "x") is None


def test_an_expired_link_finds_nothing(submit: Submit) -> None:
    request, token = submit()
    with time_machine.travel(request.status_token_expires_at + dt.timedelta(seconds=1)):
        assert request_get_by_token(token) is None


def test_a_zip_code_gives_the_request_a_location_and_county(submit: Submit) -> None:
    request, _ = submit(zip_code="55404")
    assert request.county.name == "Hennepin"
    assert request.latitude == pytest.approx(44.96, abs=0.01)


def test_routing_offers_the_best_on_shift_peers_with_the_explanation(submit: Submit) -> None:
    org = OrganizationFactory()
    amina = peer_profile(
        org, name="Amina", languages=("so", "en"), communities=("somali",), lived_experience=("opioids",)
    )
    peer_profile(org, name="Bea", languages=("en",))
    peer_profile(org, name="Off", languages=("so",), on_shift=False)
    request, _ = submit(language="so", language_required=True, communities=("somali",), lived_experience=("opioids",))

    offers = request_route(request_id=request.pk)

    assert [offer.peer for offer in offers] == [amina]
    assert offers[0].explanation["languages"] == ["so"]
    assert offers[0].explanation["communities"] == ["somali"]
    request.refresh_from_db()
    assert request.status == RequestStatus.OFFERED


def test_when_nobody_can_take_it_the_reason_is_recorded(submit: Submit) -> None:
    peer_profile(OrganizationFactory(), name="Bea", languages=("en",))
    request, _ = submit(language="hmn", language_required=True)
    assert request_route(request_id=request.pk) == []
    request.refresh_from_db()
    assert request.status == RequestStatus.RECEIVED
    assert request.routing_note["code"] == "no_peer_speaks_language"
    assert request.routing_note["languages"] == ["hmn"]


def test_accepting_starts_an_engagement_in_the_peers_organization(submit: Submit) -> None:
    org = OrganizationFactory()
    amina = peer_profile(org, name="Amina")
    request, _ = submit(first_name="Sample Hodan")
    request_route(request_id=request.pk)

    engagement = request_accept(request=request, peer=amina)

    request.refresh_from_db()
    assert request.status == RequestStatus.ACCEPTED
    assert (request.accepted_by, request.organization) == (amina, org)
    assert engagement.participant.preferred_name == "Sample Hodan"
    assert engagement.participant.organization == org
    assert AccessEvent.objects.filter(subject_id=engagement.participant.public_id, action="created").count() == 1


def test_a_second_accept_loses(submit: Submit) -> None:
    org = OrganizationFactory()
    amina, bea = peer_profile(org, name="Amina"), peer_profile(org, name="Bea")
    request, _ = submit()
    request_route(request_id=request.pk)
    request_accept(request=request, peer=amina)
    with pytest.raises(OfferNotAvailable):
        request_accept(request=request, peer=bea)
    assert Engagement.objects.count() == 1
    assert Offer.objects.get(peer=bea).status == OfferStatus.LAPSED


def test_a_peer_who_was_not_offered_cannot_accept(submit: Submit) -> None:
    org = OrganizationFactory()
    peer_profile(org, name="Amina")
    stranger = peer_profile(org, name="Zed", on_shift=False)
    request, _ = submit()
    request_route(request_id=request.pk)
    with pytest.raises(OfferNotAvailable):
        request_accept(request=request, peer=stranger)


def test_declining_by_everyone_queues_a_wider_offer(submit: Submit) -> None:
    org = OrganizationFactory()
    amina = peer_profile(org, name="Amina")
    request, _ = submit()
    request_route(request_id=request.pk)
    queued = DBTaskResult.objects.count()
    request_decline(request=request, peer=amina, reason="caseload full today")
    assert DBTaskResult.objects.count() == queued + 1
    assert Offer.objects.get().status == OfferStatus.DECLINED


def test_rematch_never_offers_the_same_peer_again(submit: Submit) -> None:
    org = OrganizationFactory()
    amina = peer_profile(org, name="Amina", communities=("somali",))
    bea = peer_profile(org, name="Bea")
    request, _ = submit(communities=("somali",))
    request_route(request_id=request.pk)
    request_accept(request=request, peer=amina)
    request_rematch(request=request, reason="I'd like someone else")
    offers = request_route(request_id=request.pk)
    assert [o.peer for o in offers] == [bea]


def test_after_asking_for_a_different_peer_the_next_peer_can_accept(submit: Submit) -> None:
    org = OrganizationFactory()
    amina = peer_profile(org, name="Amina", communities=("somali",))
    bea = peer_profile(org, name="Bea")
    request, _ = submit(communities=("somali",))
    request_route(request_id=request.pk)
    first = request_accept(request=request, peer=amina)

    request_rematch(request=request, reason="I'd like someone else")
    request_route(request_id=request.pk)
    second = request_accept(request=request, peer=bea)

    first.refresh_from_db()
    request.refresh_from_db()
    # The first peer's engagement ended and let go of the request: it no longer counts in their caseload.
    assert (first.status, first.help_request_id) == (EngagementStatus.CLOSED, None)
    assert (request.status, request.accepted_by, request.engagement) == (RequestStatus.ACCEPTED, bea, second)
    assert AccessEvent.objects.filter(
        subject_id=first.participant.public_id, reason="closed: the person asked for a different peer"
    ).exists()


@pytest.mark.parametrize("connected", [False, True])
@pytest.mark.parametrize("stop", [request_withdraw, request_erase])
def test_stopping_a_taken_request_closes_its_engagement(
    submit: Submit, stop: Callable[..., None], connected: bool
) -> None:
    amina = peer_profile(OrganizationFactory(), name="Amina")
    request, _ = submit()
    request_route(request_id=request.pk)
    engagement = request_accept(request=request, peer=amina)
    if connected:
        request_connect(request=request, peer=amina)

    stop(request=request)

    engagement.refresh_from_db()
    request.refresh_from_db()
    assert request.status == RequestStatus.WITHDRAWN
    # "No peer will reach out": the engagement is closed; the organization keeps its record.
    assert engagement.status == EngagementStatus.CLOSED
    assert Participant.objects.filter(pk=engagement.participant_id).exists()


def test_a_second_routing_job_leaves_the_offer_with_the_peers_who_hold_it(submit: Submit) -> None:
    org = OrganizationFactory()
    for number in range(6):
        peer_profile(org, name=f"Peer{number}")
    request, _ = submit()
    # The every-minute retry or a double click may queue a second job before anyone answers.
    assert len(request_route(request_id=request.pk)) == 3
    assert request_route(request_id=request.pk) == []
    assert Offer.objects.filter(request=request, status=OfferStatus.OFFERED).count() == 3


def test_a_peer_at_their_caseload_limit_cannot_accept_another_offer(submit: Submit) -> None:
    amina = peer_profile(OrganizationFactory(), name="Amina", caseload_limit=1)
    first, _ = submit()
    second, _ = submit()
    # Routed while she had room for one: offers hold no place, so she holds two.
    request_route(request_id=first.pk)
    request_route(request_id=second.pk)
    request_accept(request=first, peer=amina)

    with pytest.raises(CaseloadFull):
        request_accept(request=second, peer=amina)
    second.refresh_from_db()
    assert second.status == RequestStatus.OFFERED
    assert Engagement.objects.filter(peer=amina).count() == 1


def test_withdrawing_closes_the_offers(submit: Submit) -> None:
    peer_profile(OrganizationFactory(), name="Amina")
    request, _ = submit()
    request_route(request_id=request.pk)
    request_withdraw(request=request)
    request.refresh_from_db()
    assert request.status == RequestStatus.WITHDRAWN
    assert Offer.objects.get().status == OfferStatus.LAPSED


def test_erasing_removes_what_the_person_entered_and_its_history(submit: Submit) -> None:
    request, _ = submit(first_name="Sample Lee", phone="(612) 555-0177", communities=("hmong",))
    request_erase(request=request)
    request.refresh_from_db()
    assert (request.first_name, request.phone, request.email) == (None, None, None)
    assert request.status == RequestStatus.WITHDRAWN
    assert not request.communities.exists()
    assert not request.history.exists()
    assert not Offer.objects.filter(request=request).exists()
    assert not Participant.objects.exists()


def test_escalation_widens_after_the_window_then_alerts_supervisors(submit: Submit) -> None:
    org = OrganizationFactory(escalation_minutes=5)
    peers = [peer_profile(org, name=f"Peer{n}") for n in range(6)]
    start = dt.datetime(2026, 11, 23, 18, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        request, _ = submit()
        assert len(request_route(request_id=request.pk)) == 3
    with time_machine.travel(start + dt.timedelta(minutes=4, seconds=59), tick=False):
        assert requests_escalate_due() == 0
    with time_machine.travel(start + dt.timedelta(minutes=5), tick=False):
        assert requests_escalate_due() == 1
    assert Offer.objects.filter(request=request).count() == len(peers)
    assert not EscalationAlert.objects.exists()
    with time_machine.travel(start + dt.timedelta(minutes=10), tick=False):
        assert requests_escalate_due() == 1
    assert list(EscalationAlert.objects.values_list("organization", flat=True)) == [org.pk]
    with time_machine.travel(start + dt.timedelta(minutes=30), tick=False):
        assert requests_escalate_due() == 0  # alerted once, not every minute


def _deactivate(user: User) -> None:
    # What an administrator does for someone who left: untick "Active" on the account in the admin.
    user.is_active = False
    user.save(update_fields=["is_active"])


def test_a_person_who_asked_to_choose_but_never_picks_is_still_connected(submit: Submit) -> None:
    org = OrganizationFactory(escalation_minutes=5)
    bea = peer_profile(org, name="Bea")
    start = dt.datetime(2026, 11, 23, 18, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        request, _ = submit(wants_to_choose=True)
        request_route(request_id=request.pk)
    for minutes in range(1, 121):
        with time_machine.travel(start + dt.timedelta(minutes=minutes), tick=False):
            requests_route_waiting()
            requests_escalate_due()
        if minutes == 4:
            assert not Offer.objects.filter(request=request).exists(), "the person has the whole window to pick"
    assert Offer.objects.filter(request=request, peer=bea).exists()
    request.refresh_from_db()
    assert request.chosen_for_them_at == start + dt.timedelta(minutes=5)
    assert request.wants_to_choose, "they asked to choose, and may still"


def test_the_window_to_choose_starts_when_there_are_peers_to_choose_from(submit: Submit) -> None:
    org = OrganizationFactory(escalation_minutes=10)
    start = dt.datetime(2026, 11, 23, 18, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        request, _ = submit(wants_to_choose=True)
        request_route(request_id=request.pk)  # nobody on shift
    with time_machine.travel(start + dt.timedelta(hours=2), tick=False):
        peer_profile(org, name="Bea")
        assert requests_route_waiting() == 0
    with time_machine.travel(start + dt.timedelta(hours=2, minutes=9), tick=False):
        assert requests_route_waiting() == 0
    with time_machine.travel(start + dt.timedelta(hours=2, minutes=10), tick=False):
        assert requests_route_waiting() == 1


def test_a_person_whose_chosen_peer_says_no_gets_a_new_window_then_the_best_match(submit: Submit) -> None:
    org = OrganizationFactory(escalation_minutes=5)
    amina, bea = peer_profile(org, name="Amina"), peer_profile(org, name="Bea")
    start = dt.datetime(2026, 11, 23, 18, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        request, _ = submit(wants_to_choose=True)
        request_route(request_id=request.pk)
    with time_machine.travel(start + dt.timedelta(minutes=20), tick=False):
        request_choose_peer(request=request, peer_public_id=amina.public_id)
    with time_machine.travel(start + dt.timedelta(minutes=21), tick=False):
        request_decline(request=request, peer=amina)
        request_route(request_id=request.pk)  # the routing job the decline queued
        assert requests_route_waiting() == 0
    with time_machine.travel(start + dt.timedelta(minutes=26), tick=False):
        assert requests_route_waiting() == 1
    assert list(Offer.objects.filter(request=request, status=OfferStatus.OFFERED).values_list("peer", flat=True)) == [
        bea.pk
    ]


def test_a_peers_own_reason_for_declining_is_encrypted(submit: Submit) -> None:
    from django.db import connection

    amina = peer_profile(OrganizationFactory(), name="Amina")
    request, _ = submit()
    request_route(request_id=request.pk)
    request_decline(request=request, peer=amina, reason="I know her family")
    with connection.cursor() as cursor:
        cursor.execute("SELECT decline_reason FROM intake_offer")
        (stored,) = cursor.fetchone()
    assert "family" not in stored
    assert Offer.objects.get().decline_reason == "I know her family"


def test_a_deactivated_account_is_not_offered_first_calls(submit: Submit) -> None:
    # Offered, they would make the person wait out the escalation window for someone who cannot sign in.
    org = OrganizationFactory()
    gone = peer_profile(org, name="Gone")
    still_here = peer_profile(org, name="Here")
    _deactivate(gone.user)
    request, _ = submit()
    assert [offer.peer for offer in request_route(request_id=request.pk)] == [still_here]


def test_escalation_never_widens_to_a_deactivated_account(submit: Submit) -> None:
    org = OrganizationFactory(escalation_minutes=5)
    peers = [peer_profile(org, name=f"Peer{n}") for n in range(5)]
    _deactivate(peers[4].user)
    start = dt.datetime(2026, 11, 23, 18, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        request, _ = submit()
        request_route(request_id=request.pk)
    with time_machine.travel(start + dt.timedelta(minutes=5), tick=False):
        assert requests_escalate_due() == 1
    assert set(Offer.objects.filter(request=request).values_list("peer", flat=True)) == {p.pk for p in peers[:4]}


def test_a_person_choosing_their_peer_cannot_pick_a_deactivated_account(submit: Submit) -> None:
    gone = peer_profile(OrganizationFactory(), name="Gone")
    _deactivate(gone.user)
    request, _ = submit(wants_to_choose=True)
    with pytest.raises(OfferNotAvailable):
        request_choose_peer(request=request, peer_public_id=gone.public_id)
    assert not Offer.objects.filter(request=request).exists()


def test_the_next_shift_is_read_in_the_organizations_time_zone(db: None) -> None:
    org = OrganizationFactory(timezone="America/Denver")
    peer = peer_profile(org, name="Bea", on_shift=False)
    WeeklyShift.objects.create(peer=peer, weekday=3, starts_at=dt.time(8), ends_at=dt.time(16))
    with time_machine.travel(dt.datetime(2026, 11, 25, 16, 0, tzinfo=dt.UTC), tick=False):
        assert next_shift_start() == dt.datetime(2026, 11, 26, 15, 0, tzinfo=dt.UTC)
    # A Minnesota organization's shift at the same hours starts an hour earlier, and is the next one.
    chicago = peer_profile(OrganizationFactory(timezone="America/Chicago"), name="Cy", on_shift=False)
    WeeklyShift.objects.create(peer=chicago, weekday=3, starts_at=dt.time(8), ends_at=dt.time(16))
    assert next_shift_start(now=dt.datetime(2026, 11, 25, 16, 0, tzinfo=dt.UTC)) == dt.datetime(
        2026, 11, 26, 14, 0, tzinfo=dt.UTC
    )


def test_in_the_hour_repeated_when_daylight_saving_ends_a_shift_already_begun_is_not_the_next(db: None) -> None:
    peer = peer_profile(OrganizationFactory(timezone="America/Chicago"), name="Dee", on_shift=False)
    WeeklyShift.objects.create(peer=peer, weekday=6, starts_at=dt.time(1, 30), ends_at=dt.time(9))
    # Sunday 1 November 2026, 1:10 in Chicago for the second time (CST): the 1:30 start was 40 minutes ago (CDT).
    now = dt.datetime(2026, 11, 1, 7, 10, tzinfo=dt.UTC)
    starts = next_shift_start(now=now)
    assert starts is not None and starts > now
    assert starts == dt.datetime(2026, 11, 8, 7, 30, tzinfo=dt.UTC)


@pytest.mark.parametrize("how", ["account deactivated", "peer role ended", "profile inactive"])
def test_the_next_shift_counts_only_peers_who_could_be_offered_the_request(db: None, how: str) -> None:
    # Wednesday 2026-11-25, 10:00 in Minnesota; the only shift is Thursday 08:00 to 16:00.
    peer = peer_profile(OrganizationFactory(), name="Bea", on_shift=False)
    WeeklyShift.objects.create(peer=peer, weekday=3, starts_at=dt.time(8), ends_at=dt.time(16))
    now = dt.datetime(2026, 11, 25, 16, 0, tzinfo=dt.UTC)
    assert next_shift_start(now=now) == dt.datetime(2026, 11, 26, 14, 0, tzinfo=dt.UTC)
    if how == "account deactivated":
        _deactivate(peer.user)
    elif how == "peer role ended":
        peer.user.memberships.update(active=False)
    else:
        PeerProfile.objects.filter(pk=peer.pk).update(status=PeerStatus.INACTIVE)
    assert next_shift_start(now=now) is None


def _amina_in_two_organizations_and_two_others() -> tuple[PeerProfile, PeerProfile]:
    """Amina works for Alder and Birch and shares the person's community, so both her profiles rank first."""
    alder = OrganizationFactory(name="Alder Recovery", slug="alder")
    birch = OrganizationFactory(name="Birch Recovery", slug="birch")
    amina = peer_profile(alder, name="Amina", communities=("somali",))
    MembershipFactory(user=amina.user, organization=birch, role="peer")
    twin = PeerProfile.objects.create(
        user=amina.user, organization=birch, display_name="Amina", modalities=["phone", "text"], on_shift=True
    )
    twin.languages.set(Language.objects.filter(slug="en"))
    twin.communities.set(Community.objects.filter(slug="somali"))
    peer_profile(alder, name="Bea")
    peer_profile(birch, name="Cal")
    return amina, twin


def test_a_peer_in_two_organizations_is_offered_a_request_once(submit: Submit) -> None:
    _amina_in_two_organizations_and_two_others()
    request, _ = submit(communities=("somali",))
    offers = request_route(request_id=request.pk)
    # Three people on shift and free: the first round reaches all three, Amina once.
    assert sorted(offer.peer.display_name for offer in offers) == ["Amina", "Bea", "Cal"]


def test_a_peer_who_declined_under_one_organization_is_not_asked_again_under_the_other(submit: Submit) -> None:
    amina, twin = _amina_in_two_organizations_and_two_others()
    request, _ = submit(communities=("somali",))
    offered = {offer.peer_id for offer in request_route(request_id=request.pk)}
    declined = amina if amina.pk in offered else twin
    request_decline(request=request, peer=declined)
    widened = request_route(request_id=request.pk, widen=True)
    assert {amina.pk, twin.pk}.isdisjoint(offer.peer_id for offer in widened)
    assert Offer.objects.get(request=request, peer=declined).decline_reason is None  # no reason: null, not ""
    other = twin if declined == amina else amina
    with pytest.raises(OfferNotAvailable):
        request_choose_peer(request=request, peer_public_id=other.public_id)


def test_a_person_choosing_is_not_shown_the_same_peer_twice(submit: Submit) -> None:
    _amina_in_two_organizations_and_two_others()
    request, _ = submit(communities=("somali",), wants_to_choose=True)
    page = request_status_page(request=HelpRequest.objects.get(pk=request.pk))
    assert sorted(card.display_name for card in page.choices) == ["Amina", "Bea", "Cal"]


@pytest.mark.parametrize("change", ["account_deactivated", "on_leave", "peer_role_ended"])
def test_offers_held_by_a_peer_who_can_no_longer_take_them_lapse_within_the_minute(submit: Submit, change: str) -> None:
    organization = OrganizationFactory()
    first = peer_profile(organization, name="Asha")
    request, _ = submit()
    assert [offer.peer for offer in request_route(request_id=request.pk)] == [first]
    if change == "account_deactivated":
        User.objects.filter(pk=first.user_id).update(is_active=False)
    elif change == "on_leave":
        PeerProfile.objects.filter(pk=first.pk).update(status=PeerStatus.ON_LEAVE)
    else:
        first.user.memberships.update(active=False)
    second = peer_profile(organization, name="Bilan")
    assert requests_route_waiting() == 1
    assert Offer.objects.get(request=request, peer=first).status == OfferStatus.LAPSED
    assert Offer.objects.get(request=request, peer=second).status == OfferStatus.OFFERED


def test_offers_held_by_a_peer_still_in_service_are_left_alone(submit: Submit) -> None:
    first = peer_profile(OrganizationFactory(), name="Asha")
    request, _ = submit()
    request_route(request_id=request.pk)
    assert requests_route_waiting() == 0
    assert Offer.objects.get(request=request, peer=first).status == OfferStatus.OFFERED
