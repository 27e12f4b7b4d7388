"""The actions on the private status page (/r/<token>/...) under repetition and after the request moved on: pressed
again and again, pressed after the peer reached the person, and after a supervisor handed the person to another peer.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib.messages import get_messages
from django.test import Client

from peerway.intake.models import HelpRequest, Offer, OfferStatus, RequestStatus
from peerway.intake.services import (
    OfferNotAvailable,
    request_accept,
    request_choose_for_me,
    request_connect,
    request_rematch,
    request_route,
    request_withdraw,
)
from peerway.intake.views import STATUS_ACTIONS_PER_ADDRESS, STATUS_ACTIONS_PER_LINK, SUBMISSIONS_PER_WINDOW
from peerway.recovery.models import Engagement, EngagementStatus
from peerway.workforce.models import PeerProfile
from tests.factories import OrganizationFactory, peer_profile
from tests.helpers import Cast
from tests.intake.test_public_views import routing_jobs

Submit = Callable[..., tuple[HelpRequest, str]]

pytestmark = pytest.mark.django_db


def notices(response: object) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]  # type: ignore[attr-defined]


def handed_from_amina_to_bo(submit: Submit, cast: Cast) -> tuple[HelpRequest, str, PeerProfile, PeerProfile]:
    """A request Amina accepted, whose engagement a supervisor then handed to Bo."""
    from peerway.recovery.services.engagements import engagement_attest, engagement_handoff

    amina = peer_profile(cast.org, name="Amina")
    bo = peer_profile(cast.org, name="Bo")
    request, token = submit()
    request_route(request_id=request.pk)
    request_accept(request=request, peer=amina)
    engagement = Engagement.objects.get(help_request=request)
    engagement_attest(engagement=engagement, actor=bo.user)
    engagement_handoff(engagement=engagement, to_peer=bo, reason="Amina moves to nights", actor=cast.sam)
    request.refresh_from_db()
    return request, token, amina, bo


# ---------- Pressed again and again ----------


def test_pressing_let_peerway_choose_again_and_again_does_not_flood_the_routing_queue(submit: Submit) -> None:
    """Each "Let Peerway choose for me" used to queue a routing job, with no limit: one status link could queue
    as many as a script liked, and every real person's routing waits behind them in the same database queue."""
    request, token = submit(wants_to_choose=True)
    before = len(routing_jobs())
    client = Client()
    statuses = [client.post(f"/r/{token}/choose-for-me/").status_code for _ in range(40)]

    queued = len(routing_jobs()) - before
    assert queued <= SUBMISSIONS_PER_WINDOW or 429 in statuses, (
        f"40 posts of one status link queued {queued} routing jobs for request {request.pk}, none refused"
    )


def test_letting_peerway_choose_queues_routing_once(submit: Submit) -> None:
    request, _ = submit(wants_to_choose=True)
    before = len(routing_jobs())
    request_choose_for_me(request=request)
    request_choose_for_me(request=request)
    assert len(routing_jobs()) - before == 1
    request.refresh_from_db()
    assert request.wants_to_choose is False


def test_too_many_actions_from_one_link_get_a_kind_429_that_says_the_request_is_still_open(submit: Submit) -> None:
    peer_profile(OrganizationFactory(), name="Amina")
    request, token = submit(wants_to_choose=True)
    client = Client()
    for _ in range(STATUS_ACTIONS_PER_LINK):
        assert client.post(f"/r/{token}/choose/", {"peer": "not-a-uuid"}).status_code == 302

    for action in ("choose/", "choose-for-me/", "different-peer/"):
        response = client.post(f"/r/{token}/{action}", {"peer": "not-a-uuid"})
        assert response.status_code == 429
        assert response["Retry-After"] == "600"
    body = response.content.decode()
    assert "Please wait a few minutes" in body
    assert "Your request is still open and has not changed" in body
    assert f'href="/r/{token}/"' in body
    assert 'href="tel:988"' in body
    request.refresh_from_db()
    assert request.wants_to_choose is True, "an action over the limit is not done"
    # The page itself still opens, and another person's link is not affected.
    assert client.get(f"/r/{token}/").status_code == 200
    _, other_token = submit(wants_to_choose=True)
    assert client.post(f"/r/{other_token}/choose-for-me/", REMOTE_ADDR="203.0.113.9").status_code == 302


def test_one_address_has_a_wider_limit_across_its_links(submit: Submit) -> None:
    tokens = [submit(wants_to_choose=True)[1] for _ in range(STATUS_ACTIONS_PER_ADDRESS // STATUS_ACTIONS_PER_LINK)]
    client = Client()
    for token in tokens:
        for _ in range(STATUS_ACTIONS_PER_LINK):
            assert client.post(f"/r/{token}/choose/", REMOTE_ADDR="203.0.113.7").status_code == 302
    _, fresh_token = submit(wants_to_choose=True)
    assert client.post(f"/r/{fresh_token}/choose-for-me/", REMOTE_ADDR="203.0.113.7").status_code == 429
    assert client.post(f"/r/{fresh_token}/choose-for-me/", REMOTE_ADDR="203.0.113.8").status_code == 302


def test_an_unknown_link_is_still_a_404_and_counts_nothing(submit: Submit) -> None:
    client = Client()
    for _ in range(STATUS_ACTIONS_PER_ADDRESS + 1):
        assert client.post("/r/not-a-real-link/choose-for-me/").status_code == 404
    _, token = submit(wants_to_choose=True)
    assert client.post(f"/r/{token}/choose-for-me/").status_code == 302


# ---------- Pressed after the request moved on ----------


def test_asking_for_a_different_peer_after_the_peer_connected_tells_the_person_it_was_not_done(
    submit: Submit,
) -> None:
    """The person opened their page while the peer was reaching out (the "Ask for a different peer" form is on it),
    the peer then reached them and marked the request connected. Pressing "Find me a different peer" used to do
    nothing and tell them nothing: the reason they wrote was dropped as if it had been heard."""
    amina = peer_profile(OrganizationFactory(), name="Amina")
    request, token = submit()
    request_route(request_id=request.pk)
    request_accept(request=request, peer=amina)
    client = Client()
    assert "Find me a different peer" in client.get(f"/r/{token}/").content.decode()
    request_connect(request=request, peer=amina)

    response = client.post(f"/r/{token}/different-peer/", {"reason": "Sample: I would rather talk with a woman"})

    request.refresh_from_db()
    assert request.status == RequestStatus.CONNECTED
    assert Engagement.objects.get(help_request=request).peer == amina
    assert notices(response) == [
        "You are already connected with your peer, so we did not look for a different one. You can tell your peer "
        "what would suit you better, or stop this request and ask for a peer again."
    ]
    followed = client.get(response["Location"]).content.decode()
    assert "You are already connected with your peer" in followed


def test_asking_for_a_different_peer_twice_says_the_first_is_under_way(submit: Submit) -> None:
    amina = peer_profile(OrganizationFactory(), name="Amina")
    request, token = submit()
    request_route(request_id=request.pk)
    request_accept(request=request, peer=amina)
    # The page open in two tabs (or on two phones), the form sent from each.
    first = Client().post(f"/r/{token}/different-peer/", {"reason": "Sample reason"})
    second = Client().post(f"/r/{token}/different-peer/", {"reason": "Sample reason"})
    assert notices(first) == notices(second) == ["We are looking for a different peer for you."]


def test_asking_for_a_different_peer_after_stopping_the_request_says_it_ended(submit: Submit) -> None:
    amina = peer_profile(OrganizationFactory(), name="Amina")
    request, token = submit()
    request_route(request_id=request.pk)
    request_accept(request=request, peer=amina)
    request_withdraw(request=request)
    response = Client().post(f"/r/{token}/different-peer/", {"reason": "Sample reason"})
    assert notices(response) == ["This request has ended, so we did not look for a different peer."]


# ---------- After a hand-off ----------


def test_after_a_handoff_the_status_page_names_the_peer_who_has_the_person_now(submit: Submit, cast: Cast) -> None:
    """A supervisor hands the engagement that began from the request to another peer (engagement_handoff). The
    person's status page used to keep saying the first peer "is reaching out to you", with that peer's card: the
    person waits for a call from someone who no longer has them, and may hang up on the one who calls."""
    _, token, _, _ = handed_from_amina_to_bo(submit, cast)

    html = Client().get(f"/r/{token}/").content.decode()
    assert "Amina is reaching out to you" not in html, "the page names the peer who handed the person on"
    assert "Bo is reaching out to you" in html
    assert "Bo will call you at the number you gave." in html
    assert "Hi, I&#x27;m Bo." in html and "Hi, I&#x27;m Amina." not in html
    assert "Speaks: English" in html and "Can meet by: phone" in html


def test_the_peer_handed_the_person_marks_them_connected_and_the_page_names_them(submit: Submit, cast: Cast) -> None:
    request, token, amina, bo = handed_from_amina_to_bo(submit, cast)
    with pytest.raises(OfferNotAvailable):
        request_connect(request=request, peer=amina)
    request_connect(request=request, peer=bo)
    request.refresh_from_db()
    assert request.status == RequestStatus.CONNECTED
    assert request.accepted_by == amina, "who accepted the request stays on record"
    assert "You are connected with Bo" in Client().get(f"/r/{token}/").content.decode()


def test_a_different_peer_after_a_handoff_closes_the_engagement_and_asks_neither_peer_again(
    submit: Submit, cast: Cast
) -> None:
    request, token, amina, bo = handed_from_amina_to_bo(submit, cast)
    cy = peer_profile(cast.org, name="Cy")

    response = Client().post(f"/r/{token}/different-peer/", {"reason": "Sample reason"})

    assert notices(response) == ["We are looking for a different peer for you."]
    request.refresh_from_db()
    assert request.status == RequestStatus.RECEIVED
    engagement = Engagement.objects.get(peer=bo)
    assert (engagement.status, engagement.help_request_id) == (EngagementStatus.CLOSED, None)
    declined = Offer.objects.filter(request=request, status=OfferStatus.DECLINED)
    assert {offer.peer for offer in declined} == {amina, bo}
    assert Offer.objects.get(request=request, peer=bo).decline_reason == "rematch: Sample reason"
    assert [offer.peer for offer in request_route(request_id=request.pk)] == [cy]


def test_rematch_without_a_handoff_records_one_declined_offer(submit: Submit) -> None:
    amina = peer_profile(OrganizationFactory(), name="Amina")
    request, _ = submit()
    request_route(request_id=request.pk)
    request_accept(request=request, peer=amina)
    request_rematch(request=request, reason="Sample reason")
    offer = Offer.objects.get(request=request)
    assert (offer.peer, offer.status, offer.decline_reason) == (amina, OfferStatus.DECLINED, "rematch: Sample reason")
    assert offer.explanation, "the offer made by routing keeps its explanation"
