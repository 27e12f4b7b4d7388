"""Bad input to the private status page's actions (/r/<token>/choose/, choose-for-me/, different-peer/, withdraw/,
delete/): what no form of ours sends (a NUL character, an over-long or missing field, a repeated field, a GET), a
page left open while the request moved on, a double tap, and a form the CSRF check refused. Nothing here may end
in a 500, change the request when it should not, or leave the person unsure what happened.

The NUL and length cases matter on PostgreSQL, which refuses a NUL in text: run this file there too.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from peerway.intake.models import HelpRequest, Offer, OfferStatus, RequestStatus
from peerway.intake.services import request_accept, request_route, request_withdraw
from tests.factories import OrganizationFactory, peer_profile
from tests.intake.test_status_actions import notices

Submit = Callable[..., tuple[HelpRequest, str]]

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "reason",
    ["Sample: not \x00 him", "Sample " + "x" * 5000],
    ids=["nul-character", "far-over-the-form-limit"],
)
def test_a_reason_for_a_different_peer_with_a_nul_or_far_too_long_is_cut_and_stored_not_a_500(
    submit: Submit, reason: str
) -> None:
    amina = peer_profile(OrganizationFactory(), name="Amina")
    request, token = submit()
    request_route(request_id=request.pk)
    request_accept(request=request, peer=amina)

    response = Client(raise_request_exception=False).post(f"/r/{token}/different-peer/", {"reason": reason})

    assert response.status_code == 302 and response["Location"] == f"/r/{token}/"
    request.refresh_from_db()
    assert request.status == RequestStatus.RECEIVED
    stored = Offer.objects.get(peer=amina)
    assert stored.status == OfferStatus.DECLINED
    assert stored.decline_reason is not None and len(stored.decline_reason) <= 200


MALFORMED_CHOICES: dict[str, Callable[[str], dict[str, object]]] = {
    "missing": lambda peer: {},
    "nul": lambda peer: {"peer": "\x00"},
    "over-long": lambda peer: {"peer": "7" * 10_000},
    "repeated-with-garbage-last": lambda peer: {"peer": [peer, "not-a-uuid"]},
    "uuid-with-nul": lambda peer: {"peer": peer + "\x00"},
}


@pytest.mark.parametrize("case", MALFORMED_CHOICES)
def test_a_choice_with_a_missing_or_malformed_peer_offers_nobody_and_is_not_a_500(submit: Submit, case: str) -> None:
    amina = peer_profile(OrganizationFactory(), name="Amina")
    request, token = submit(wants_to_choose=True)

    sent = MALFORMED_CHOICES[case](str(amina.public_id))
    response = Client(raise_request_exception=False).post(f"/r/{token}/choose/", sent)

    assert response.status_code == 302 and response["Location"] == f"/r/{token}/"
    request.refresh_from_db()
    assert request.status == RequestStatus.RECEIVED and request.wants_to_choose is True
    assert not Offer.objects.filter(request=request).exists()


@pytest.mark.parametrize("action", ["choose/", "choose-for-me/", "different-peer/", "withdraw/"])
def test_a_get_to_an_action_address_is_a_405_and_changes_nothing(submit: Submit, action: str) -> None:
    # A link preview, a prefetching browser or a copied address must never choose, re-match or stop a request.
    amina = peer_profile(OrganizationFactory(), name="Amina")
    request, token = submit(wants_to_choose=True)

    response = Client(raise_request_exception=False).get(f"/r/{token}/{action}", {"peer": str(amina.public_id)})

    assert response.status_code == 405
    request.refresh_from_db()
    assert (request.status, request.wants_to_choose) == (RequestStatus.RECEIVED, True)
    assert not Offer.objects.filter(request=request).exists()


def test_delete_pressed_twice_shows_the_person_that_it_was_deleted(submit: Submit) -> None:
    request, token = submit(first_name="Sample Erase")
    browser = Client()

    first = browser.post(f"/r/{token}/delete/")
    second = browser.post(f"/r/{token}/delete/")

    request.refresh_from_db()
    assert request.first_name is None
    assert first.status_code == 302 and first["Location"] == "/help/deleted/"
    # The browser shows only the answer to the second sending.
    assert second.status_code == 302 and second["Location"] == "/help/deleted/", second.status_code
    # Another browser that finds the link later still learns nothing (tests/intake/test_public_views.py).
    assert Client().post(f"/r/{token}/delete/").status_code == 404


@pytest.mark.parametrize("moved_on", ["taken-by-another-peer", "stopped"])
def test_a_choice_from_a_page_left_open_after_the_request_moved_on_does_not_ask_to_choose_again(
    submit: Submit, moved_on: str
) -> None:
    org = OrganizationFactory()
    amina = peer_profile(org, name="Amina")
    bea = peer_profile(org, name="Bea")
    request, token = submit(wants_to_choose=True)
    browser = Client()
    assert "Bea" in browser.get(f"/r/{token}/").content.decode(), "the list the person chooses from"
    if moved_on == "stopped":
        request_withdraw(request=request)
    else:
        # The person let Peerway choose in another tab, and Amina took the request.
        request.wants_to_choose = False
        request.save(update_fields=["wants_to_choose"])
        request_route(request_id=request.pk)
        request_accept(request=request, peer=amina)

    response = browser.post(f"/r/{token}/choose/", {"peer": str(bea.public_id)})

    assert response.status_code == 302
    said = " ".join(notices(response))
    assert said, "the person is told why nothing changed"
    assert "choose another" not in said, said


def test_a_different_peer_refused_by_the_csrf_check_keeps_the_reason_and_leads_back_to_the_status_page(
    submit: Submit,
) -> None:
    amina = peer_profile(OrganizationFactory(), name="Amina")
    request, token = submit()
    request_route(request_id=request.pk)
    request_accept(request=request, peer=amina)
    browser = Client(enforce_csrf_checks=True)
    assert browser.get(f"/r/{token}/").status_code == 200

    said = "Sample: I would rather talk with someone older"
    response = browser.post(f"/r/{token}/different-peer/", {"reason": said})  # the CSRF cookie was lost

    assert response.status_code == 403
    request.refresh_from_db()
    assert request.status == RequestStatus.ACCEPTED, "nothing was done"
    body = response.content.decode()
    assert f'href="/r/{token}/"' in body or f'action="/r/{token}/different-peer/"' in body
    assert said in body
