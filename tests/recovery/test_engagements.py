"""Engagement services: lifecycle with every refused move, the 254B.052 records, hand-off."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from peerway.accounts.models import Membership
from peerway.core.models import AccessEvent
from peerway.intake.models import HelpRequest, RequestStatus
from peerway.intake.services import request_accept, request_connect, request_route
from peerway.recovery.models import EngagementHandoff, EngagementStatus, PeerAttestation, PlanKind
from peerway.recovery.services import (
    ActionRefused,
    engagement_attest,
    engagement_handoff,
    engagement_start,
    engagement_transition,
    engagement_voluntary_notice_record,
)
from peerway.workforce.models import PeerProfile, PeerStatus
from tests.factories import MembershipFactory, OrganizationFactory, ParticipantFactory, peer_profile
from tests.helpers import Cast
from tests.recovery.records import peer_of, ready_engagement


def test_start_records_the_notice_and_the_peers_attestation(cast: Cast) -> None:
    alice = peer_of(cast.alice, cast)
    participant = ParticipantFactory(organization=cast.org)
    engagement = engagement_start(
        participant=participant, peer=alice, program="rco", actor=cast.alice, voluntary_notice_given=True, attest=True
    )
    assert engagement.status == EngagementStatus.ACTIVE
    assert engagement.voluntary_notice_by == cast.alice and engagement.voluntary_notice_at is not None
    assert PeerAttestation.objects.filter(engagement=engagement, peer=alice).exists()
    assert AccessEvent.objects.filter(subject_id=participant.public_id, action="created").count() == 1


def test_start_refuses_without_the_written_notice(cast: Cast) -> None:
    alice = peer_of(cast.alice, cast)
    with pytest.raises(ActionRefused, match="written notice"):
        engagement_start(
            participant=ParticipantFactory(organization=cast.org),
            peer=alice,
            program="rco",
            actor=cast.alice,
            voluntary_notice_given=False,
        )


def test_nobody_attests_for_someone_else(cast: Cast) -> None:
    alice = peer_of(cast.alice, cast)
    with pytest.raises(ActionRefused, match="Only the peer"):
        engagement_start(
            participant=ParticipantFactory(organization=cast.org),
            peer=alice,
            program="rco",
            actor=cast.sam,
            voluntary_notice_given=True,
            attest=True,
        )


@pytest.mark.parametrize(
    ("program", "plan_kind"),
    [
        ("rco", PlanKind.INDIVIDUAL_RECOVERY_PLAN),
        ("sud_245g", PlanKind.TREATMENT_PLAN),
        ("withdrawal_mgmt", PlanKind.STABILIZATION_PLAN),
    ],
)
def test_the_required_plan_follows_the_program(cast: Cast, program: str, plan_kind: str) -> None:
    assert ready_engagement(cast, program=program).required_plan_kind == plan_kind


def test_the_lifecycle_goes_active_checkup_closed_and_back(cast: Cast) -> None:
    engagement = ready_engagement(cast)
    engagement = engagement_transition(engagement=engagement, action="checkup", actor=cast.alice)
    assert engagement.status == EngagementStatus.CHECKUP and engagement.checkup_since is not None
    engagement = engagement_transition(engagement=engagement, action="close", actor=cast.sam)
    assert engagement.status == EngagementStatus.CLOSED and engagement.ended_at is not None
    engagement = engagement_transition(engagement=engagement, action="reopen", actor=cast.ada)
    assert engagement.status == EngagementStatus.ACTIVE and engagement.ended_at is None
    assert engagement.reopened_at is not None
    assert [h.status for h in engagement.history.order_by("history_id")] == ["active", "checkup", "closed", "active"]


def test_an_active_engagement_closes_directly(cast: Cast) -> None:
    engagement = engagement_transition(engagement=ready_engagement(cast), action="close", actor=cast.alice)
    assert engagement.status == EngagementStatus.CLOSED


@pytest.mark.parametrize(
    ("start", "action", "message"),
    [
        ("checkup", "checkup", "already in the check-up phase"),
        ("closed", "checkup", "must be reopened before it enters the check-up phase"),
        ("closed", "close", "already closed"),
        ("active", "reopen", "already active"),
        ("checkup", "reopen", "only a closed engagement is reopened"),
        ("active", "explode", "Unknown action"),
    ],
)
def test_every_refused_move_says_why(cast: Cast, start: str, action: str, message: str) -> None:
    engagement = ready_engagement(cast)
    if start in ("checkup", "closed"):
        engagement = engagement_transition(engagement=engagement, action="checkup", actor=cast.alice)
    if start == "closed":
        engagement = engagement_transition(engagement=engagement, action="close", actor=cast.alice)
    with pytest.raises(ActionRefused, match=message):
        engagement_transition(engagement=engagement, action=action, actor=cast.alice)
    engagement.refresh_from_db()
    assert engagement.status == start


def test_another_peer_cannot_move_someone_elses_engagement(cast: Cast) -> None:
    engagement = ready_engagement(cast)
    bob = peer_profile(cast.org, name="Bob")
    with pytest.raises(ActionRefused, match="Only the engagement's peer or a supervisor"):
        engagement_transition(engagement=engagement, action="close", actor=bob.user)


def test_the_status_field_cannot_be_set_by_hand(cast: Cast) -> None:
    engagement = ready_engagement(cast)
    with pytest.raises(AttributeError):
        engagement.status = EngagementStatus.CLOSED


def test_the_notice_is_recorded_once(cast: Cast) -> None:
    engagement = ready_engagement(cast, notice=False)
    engagement = engagement_voluntary_notice_record(engagement=engagement, actor=cast.alice)
    assert engagement.voluntary_notice_by == cast.alice
    with pytest.raises(ActionRefused, match="already recorded"):
        engagement_voluntary_notice_record(engagement=engagement, actor=cast.alice)


def test_handoff_needs_the_new_peers_attestation(cast: Cast) -> None:
    engagement = ready_engagement(cast)
    bob = peer_profile(cast.org, name="Bob")
    with pytest.raises(ActionRefused, match="has not attested"):
        engagement_handoff(engagement=engagement, to_peer=bob, reason="Alice moves to nights", actor=cast.sam)
    engagement.refresh_from_db()
    assert engagement.peer.user == cast.alice

    engagement_attest(engagement=engagement, actor=bob.user)
    handoff = engagement_handoff(engagement=engagement, to_peer=bob, reason="Alice moves to nights", actor=cast.sam)
    engagement.refresh_from_db()
    assert engagement.peer == bob
    assert handoff.from_peer.user == cast.alice
    assert EngagementHandoff.objects.get(engagement=engagement).reason == "Alice moves to nights"
    assert {h.peer_id for h in engagement.history.all()} == {handoff.from_peer.pk, bob.pk}


@pytest.mark.parametrize(
    ("who", "reason", "message"),
    [
        ("alice", "x", "Only a supervisor"),
        ("sam", "   ", "Say why"),
    ],
)
def test_handoff_refusals(cast: Cast, who: str, reason: str, message: str) -> None:
    engagement = ready_engagement(cast)
    bob = peer_profile(cast.org, name="Bob")
    engagement_attest(engagement=engagement, actor=bob.user)
    with pytest.raises(ActionRefused, match=message):
        engagement_handoff(engagement=engagement, to_peer=bob, reason=reason, actor=getattr(cast, who))


def test_handoff_refuses_a_closed_engagement_and_a_peer_of_another_organization(cast: Cast) -> None:
    engagement = ready_engagement(cast)
    olive_peer = peer_profile(cast.other_org, name="Oliver")
    with pytest.raises(ActionRefused, match="another organization"):
        engagement_handoff(engagement=engagement, to_peer=olive_peer, reason="r", actor=cast.sam)
    engagement_transition(engagement=engagement, action="close", actor=cast.sam)
    bob = peer_profile(cast.org, name="Bob")
    with pytest.raises(ActionRefused, match="closed"):
        engagement_handoff(engagement=engagement, to_peer=bob, reason="r", actor=cast.sam)


def test_a_peer_attests_once_and_only_in_their_organization(cast: Cast) -> None:
    engagement = ready_engagement(cast)
    with pytest.raises(ActionRefused, match="already attested"):
        engagement_attest(engagement=engagement, actor=cast.alice)
    with pytest.raises(ActionRefused, match="Only a peer of this organization"):
        engagement_attest(engagement=engagement, actor=cast.sam)


def test_the_audit_row_names_the_role_the_action_was_taken_in(cast: Cast) -> None:
    # Sam supervises and also does the organization's billing; closing an engagement is a supervisor's act.
    MembershipFactory(user=cast.sam, organization=cast.org, role="billing")
    engagement = ready_engagement(cast)
    engagement_transition(engagement=engagement, action="close", actor=cast.sam)
    event = AccessEvent.objects.filter(actor=cast.sam, reason="engagement close").get()
    assert event.actor_role == "supervisor"


def _leave(peer: PeerProfile, how: str) -> None:
    """The three ways a peer stops working in an organization."""
    if how == "peer role ended":
        Membership.objects.filter(user=peer.user, organization=peer.organization).update(active=False)
    elif how == "account deactivated":
        peer.user.is_active = False
        peer.user.save(update_fields=["is_active"])
    else:
        PeerProfile.objects.filter(pk=peer.pk).update(status=PeerStatus.INACTIVE)


LEAVINGS = ["peer role ended", "account deactivated", "profile inactive"]


@pytest.mark.parametrize("how", LEAVINGS)
def test_an_engagement_is_not_handed_to_a_peer_who_has_left(cast: Cast, how: str) -> None:
    # Bob attested, then left: handed the engagement, he could not open the person's record.
    engagement = ready_engagement(cast)
    bob = peer_profile(cast.org, name="Bob")
    engagement_attest(engagement=engagement, actor=bob.user)
    _leave(bob, how)
    with pytest.raises(ActionRefused, match="not working for the organization now"):
        engagement_handoff(engagement=engagement, to_peer=bob, reason="Alice moves to nights", actor=cast.sam)
    engagement.refresh_from_db()
    assert engagement.peer.user == cast.alice
    assert not EngagementHandoff.objects.exists()


@pytest.mark.parametrize("how", LEAVINGS)
def test_a_peer_who_has_left_cannot_attest(cast: Cast, how: str) -> None:
    engagement = ready_engagement(cast)
    bob = peer_profile(cast.org, name="Bob")
    _leave(bob, how)
    with pytest.raises(ActionRefused, match="Only a peer of this organization"):
        engagement_attest(engagement=engagement, actor=bob.user)
    assert not PeerAttestation.objects.filter(peer=bob).exists()


@pytest.mark.parametrize("status", [PeerStatus.INACTIVE, PeerStatus.ON_LEAVE])
def test_the_attest_button_is_offered_only_to_a_peer_who_may_attest(cast: Cast, status: str) -> None:
    engagement = ready_engagement(cast)
    bob = peer_profile(cast.org, name="Bob")
    client = Client()
    client.force_login(bob.user)
    url = reverse("recovery:engagement_detail", args=[engagement.public_id])
    assert "I attest: I do not live with this person" in client.get(url).content.decode()
    PeerProfile.objects.filter(pk=bob.pk).update(status=status)
    # Still a peer of the organization (the page opens), but the service would refuse the attestation.
    page = client.get(url)
    assert page.status_code == 200 and "I attest: I do not live with this person" not in page.content.decode()


def test_the_handoff_page_offers_only_peers_working_in_the_organization(cast: Cast) -> None:
    engagement = ready_engagement(cast)
    bob, cal = peer_profile(cast.org, name="Bob"), peer_profile(cast.org, name="Cal")
    for peer in (bob, cal):
        engagement_attest(engagement=engagement, actor=peer.user)
    _leave(bob, "peer role ended")
    client = Client()
    client.force_login(cast.sam)
    url = reverse("recovery:engagement_handoff", args=[engagement.public_id])
    page = client.get(url).content.decode()
    assert "Cal" in page and "Bob" not in page
    response = client.post(url, {"to_peer": bob.pk, "reason": "Alice moves to nights"})
    assert response.status_code == 400
    engagement.refresh_from_db()
    assert engagement.peer.user == cast.alice


@pytest.mark.parametrize("how", LEAVINGS)
def test_an_engagement_is_not_started_with_a_peer_who_has_left(cast: Cast, how: str) -> None:
    bob = peer_profile(cast.org, name="Bob")
    participant = ParticipantFactory(organization=cast.org)
    _leave(bob, how)
    with pytest.raises(ActionRefused, match="not working for the organization now"):
        engagement_start(participant=participant, peer=bob, program="rco", actor=cast.sam, voluntary_notice_given=True)
    assert not participant.engagements.exists()
    client = Client()
    client.force_login(cast.sam)
    page = client.get(reverse("recovery:engagement_start", args=[participant.public_id])).content.decode()
    assert "Bob" not in page


def _queries_of_page(client: Client, url: str) -> tuple[int, str]:
    client.get(url)  # warm the session and the caches
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured.captured_queries), response.content.decode()


@pytest.mark.parametrize("page", ["handoff", "start"])
def test_the_peer_choices_cost_the_same_queries_for_3_and_for_9_peers(cast: Cast, page: str) -> None:
    # Each choice is labelled "name (organization)": the organization comes with the peers, not once per peer.
    if page == "handoff":
        url = reverse("recovery:engagement_handoff", args=[ready_engagement(cast).public_id])
    else:
        url = reverse("recovery:engagement_start", args=[ParticipantFactory(organization=cast.org).public_id])
    client = Client()
    client.force_login(cast.sam)
    counts = []
    for first, last in ((0, 3), (3, 9)):
        for index in range(first, last):
            peer_profile(cast.org, name=f"Peer{index}")
        count, html = _queries_of_page(client, url)
        assert f"Peer{last - 1} ({cast.org.name})" in html
        counts.append(count)
    assert counts[0] == counts[1]


def _first_call(
    submit: Callable[..., tuple[HelpRequest, str]], *, connect: bool = True, name: str = "Amina"
) -> tuple[Any, str, Any]:
    amina = peer_profile(OrganizationFactory(), name=name)
    request, token = submit()
    request_route(request_id=request.pk)
    engagement = request_accept(request=request, peer=amina)
    if connect:
        request_connect(request=request, peer=amina)
    return engagement, token, amina


def test_when_the_peer_closes_the_engagement_the_status_page_says_closed(
    submit: Callable[..., tuple[HelpRequest, str]],
) -> None:
    engagement, token, amina = _first_call(submit)
    engagement_transition(engagement=engagement, action="close", actor=amina.user)
    request = HelpRequest.objects.get(pk=engagement.help_request_id)
    html = Client().get(f"/r/{token}/").content.decode()
    assert request.status == RequestStatus.CLOSED and request.closed_at is not None
    assert "This request is closed" in html
    assert "Stop this request" not in html and "hx-trigger" not in html


def test_closing_from_the_checkup_phase_or_before_first_contact_closes_the_request_too(
    submit: Callable[..., tuple[HelpRequest, str]],
) -> None:
    engagement, _token, amina = _first_call(submit)
    engagement_transition(engagement=engagement, action="checkup", actor=amina.user)
    assert HelpRequest.objects.get(pk=engagement.help_request_id).status == RequestStatus.CONNECTED
    engagement_transition(engagement=engagement, action="close", actor=amina.user)
    assert HelpRequest.objects.get(pk=engagement.help_request_id).status == RequestStatus.CLOSED

    accepted, _token, bo = _first_call(submit, connect=False, name="Bo")
    engagement_transition(engagement=accepted, action="close", actor=bo.user)
    assert HelpRequest.objects.get(pk=accepted.help_request_id).status == RequestStatus.CLOSED


def test_reopening_the_engagement_leaves_the_first_call_closed(submit: Callable[..., tuple[HelpRequest, str]]) -> None:
    engagement, _token, amina = _first_call(submit)
    engagement_transition(engagement=engagement, action="close", actor=amina.user)
    engagement = engagement_transition(engagement=engagement, action="reopen", actor=amina.user)
    assert engagement.status == EngagementStatus.ACTIVE
    assert HelpRequest.objects.get(pk=engagement.help_request_id).status == RequestStatus.CLOSED
    engagement_transition(engagement=engagement, action="close", actor=amina.user)
    assert HelpRequest.objects.get(pk=engagement.help_request_id).status == RequestStatus.CLOSED


def test_a_refused_close_leaves_the_request_as_it_was(submit: Callable[..., tuple[HelpRequest, str]]) -> None:
    engagement, _token, _amina = _first_call(submit)
    stranger = peer_profile(OrganizationFactory(), name="Stranger")
    with pytest.raises(ActionRefused):
        engagement_transition(engagement=engagement, action="close", actor=stranger.user)
    assert HelpRequest.objects.get(pk=engagement.help_request_id).status == RequestStatus.CONNECTED
