"""Guards found by mutation testing: the public form's and the status page's limits."""

from __future__ import annotations

from collections.abc import Callable

from django.test import Client

from peerway.intake.models import HelpRequest
from peerway.intake.services import request_withdraw
from peerway.intake.views import STATUS_ACTIONS_PER_LINK
from tests.intake.test_public_views import form_data

Submit = Callable[..., tuple[HelpRequest, str]]


def test_the_public_form_takes_five_requests_in_ten_minutes_from_one_address(db: None) -> None:
    # The number docs/operations.md and the view's comment promise, not whatever the constant says.
    client = Client()
    for _ in range(5):
        assert client.post("/help/", form_data(), REMOTE_ADDR="203.0.113.7").status_code == 302
    assert client.post("/help/", form_data(), REMOTE_ADDR="203.0.113.7").status_code == 429
    assert HelpRequest.objects.count() == 5


def test_a_filled_in_honeypot_counts_against_the_limit_like_a_real_request(db: None) -> None:
    # A sender must learn nothing from the answers: the honeypot is answered as a request would be, so it uses up
    # the address's limit too. Otherwise a script learns it was caught (it is never refused) and floods on.
    client = Client()
    for _ in range(5):
        response = client.post("/help/", form_data(website="https://spam.example.test"), REMOTE_ADDR="203.0.113.7")
        assert response.status_code == 302
    assert client.post("/help/", form_data(), REMOTE_ADDR="203.0.113.7").status_code == 429
    assert not HelpRequest.objects.exists()


def test_the_429_for_a_stopped_request_does_not_say_it_is_still_open(submit: Submit) -> None:
    request, token = submit()
    request_withdraw(request=request)
    client = Client()
    for _ in range(STATUS_ACTIONS_PER_LINK):
        assert client.post(f"/r/{token}/different-peer/").status_code == 302
    response = client.post(f"/r/{token}/different-peer/")
    assert response.status_code == 429
    assert "still open" not in response.content.decode()
