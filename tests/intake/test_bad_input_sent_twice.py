"""A request for a peer sent twice (a double tap on Send, a browser's retry) is one request.

The browser shows only the answer to the second sending, so that answer must lead to the one request: a second
request would be routed too (two peers offered the same person, perhaps two engagements), and the person would
hold only the second status link, unable to see or stop the first.
"""

from __future__ import annotations

import re
import threading
from typing import Any

import pytest
from django.db import connection, connections
from django.test import Client

from peerway.core.models import AccessAction, AccessEvent
from peerway.core.submissions import SUBMISSION_FIELD
from peerway.intake.models import HelpRequest, RequestStatus
from peerway.intake.services import request_get_by_token
from tests.helpers import Cast
from tests.intake.test_public_views import form_data
from tests.intake.test_staff_entry import entry, routing_jobs, signed_in, status_link

pytestmark = pytest.mark.django_db

_TOKEN = re.compile(rf'name="{SUBMISSION_FIELD}" value="([^"]+)"')


def _sent_twice(client: Client, url: str, data: dict[str, Any]) -> list[Any]:
    """The form at ``url`` filled in once and sent twice, with the one-time token its page draws, if it draws one."""
    token = _TOKEN.search(client.get(url).content.decode())
    sent = {**data, SUBMISSION_FIELD: token.group(1)} if token else data
    responses = [client.post(url, sent) for _ in range(2)]
    assert all(response.status_code < 500 for response in responses)
    return responses


def _drawn(client: Client, url: str) -> str:
    """The one-time token of the form as ``url`` draws it."""
    token = _TOKEN.search(client.get(url).content.decode())
    assert token, f"the form at {url} carries no one-time token"
    return token.group(1)


def _status_token(response: Any) -> str:
    assert response.status_code == 302 and response["Location"].startswith("/r/"), response.status_code
    return str(response["Location"]).removeprefix("/r/").removesuffix("/")


def test_a_request_sent_twice_from_the_public_form_is_one_request_and_both_answers_lead_to_it() -> None:
    _first, second = _sent_twice(Client(), "/help/", form_data())

    assert HelpRequest.objects.count() == 1, "a double tap on Send made two requests for a peer"
    assert second.status_code == 302 and second["Location"].startswith("/r/")
    token = second["Location"].removeprefix("/r/").removesuffix("/")
    assert request_get_by_token(token) == HelpRequest.objects.get()
    assert len(routing_jobs()) == 1, "the request sent twice was queued for routing twice"


def test_a_call_entered_by_staff_and_sent_twice_is_one_request_and_the_page_shown_leads_to_it(cast: Cast) -> None:
    _first, second = _sent_twice(signed_in(cast.alice), "/staff/intake/new/", entry())

    assert HelpRequest.objects.count() == 1, "a double click on Send made two requests for one caller"
    # The peer reads the status link out to the caller from the page their browser shows: the second one.
    token = status_link(second).removeprefix("http://testserver/r/").removesuffix("/")
    assert request_get_by_token(token) == HelpRequest.objects.get()
    sent_twice = AccessEvent.objects.filter(subject_id=HelpRequest.objects.get().public_id, actor=cast.alice)
    assert sorted(sent_twice.values_list("action", flat=True)) == [AccessAction.CREATED, AccessAction.VIEWED]
    assert "This was sent more than once; it is saved once." in second.content.decode()


def test_the_same_drawing_of_the_form_with_other_answers_is_a_new_request() -> None:
    # A browser brings the page back with its spent token, and the person changes what they asked for: that is
    # a request of its own, with a link of its own.
    client = Client()
    token = _drawn(client, "/help/")
    first = _status_token(client.post("/help/", {**form_data(), SUBMISSION_FIELD: token}))
    second = _status_token(client.post("/help/", {**form_data(first_name="Other"), SUBMISSION_FIELD: token}))

    assert first != second
    assert HelpRequest.objects.count() == 2
    assert {request_get_by_token(first).first_name, request_get_by_token(second).first_name} == {"Sample", "Other"}


def test_each_drawing_of_the_form_is_its_own_request_though_the_answers_are_the_same() -> None:
    # Two people in one shelter asking alike, or one person asking again from a new page: not one request.
    client = Client()
    links = {
        _status_token(client.post("/help/", {**form_data(), SUBMISSION_FIELD: _drawn(client, "/help/")}))
        for _ in range(2)
    }

    assert len(links) == 2
    assert HelpRequest.objects.count() == 2


@pytest.mark.parametrize("ended", [RequestStatus.WITHDRAWN, "expired"])
def test_the_form_sent_again_after_its_request_ended_is_a_new_request_with_a_working_link(ended: str) -> None:
    client = Client()
    sent = {**form_data(), SUBMISSION_FIELD: _drawn(client, "/help/")}
    first = _status_token(client.post("/help/", sent))
    if ended == "expired":
        HelpRequest.objects.update(status_token_expires_at="2000-01-01T00:00:00Z")
    else:
        assert client.post(f"/r/{first}/withdraw/").status_code == 302
        assert HelpRequest.objects.get().status == RequestStatus.WITHDRAWN

    again = _status_token(client.post("/help/", sent))

    assert again != first
    assert HelpRequest.objects.count() == 2
    assert request_get_by_token(again).status == RequestStatus.RECEIVED


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite serializes every writer: nothing to race")
@pytest.mark.django_db(transaction=True)
def test_the_same_form_sent_from_several_tabs_at_the_same_instant_is_one_request() -> None:
    client = Client()
    sent = {**form_data(), SUBMISSION_FIELD: _drawn(client, "/help/")}
    senders = 8
    barrier = threading.Barrier(senders)
    answers: list[str] = []
    lock = threading.Lock()

    def send(number: int) -> None:
        try:
            barrier.wait()
            # Each from its own address, so the rate limit lets every one through.
            response = Client().post("/help/", sent, REMOTE_ADDR=f"198.51.100.{number + 1}")
            answer = response["Location"] if response.status_code == 302 else f"status {response.status_code}"
        except Exception as exc:  # any error is a failure of the guarantee
            answer = f"error: {exc!r}"
        finally:
            connections.close_all()
        with lock:
            answers.append(answer)

    threads = [threading.Thread(target=send, args=(number,)) for number in range(senders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert len(answers) == senders and len(set(answers)) == 1, sorted(set(answers))
    assert HelpRequest.objects.count() == 1
    assert request_get_by_token(answers[0].removeprefix("/r/").removesuffix("/")) == HelpRequest.objects.get()
    assert len(routing_jobs()) == 1
