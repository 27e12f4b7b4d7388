"""HEAD is answered wherever GET is (RFC 9110, section 9.1): uptime monitors, load balancers' health checks and link
checkers send it, and a 405 tells them the request form or /healthz is broken (core.middleware.HeadAsGetMiddleware).
"""

from __future__ import annotations

import http.client
from urllib.parse import urlsplit

import pytest
from django.test import Client

from tests.helpers import Cast

pytestmark = pytest.mark.django_db

PUBLIC_PAGES = ["/", "/help/", "/es/help/", "/healthz", "/verify/", "/api/openapi.json"]


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_head_gets_the_headers_a_get_gets(path: str) -> None:
    client = Client()
    got = client.get(path)
    head = client.head(path)

    assert got.status_code == 200, path
    assert head.status_code == 200, f"HEAD {path} answered {head.status_code}"
    assert head["Content-Type"] == got["Content-Type"]


def test_head_on_a_staff_page_is_guarded_as_a_get_is(cast: Cast) -> None:
    assert Client().head("/staff/").status_code == Client().get("/staff/").status_code == 302
    signed_in = Client()
    signed_in.force_login(cast.alice)
    assert signed_in.head("/staff/").status_code == 200


def test_head_changes_nothing_a_post_would(cast: Cast) -> None:
    # HEAD runs a view as its GET: the request form is shown, not sent.
    from peerway.intake.models import HelpRequest

    assert Client().head("/help/", {"contact_method": "call", "consent_to_contact": "on"}).status_code == 200
    assert not HelpRequest.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_real_server_sends_the_length_of_the_page_and_no_body(live_server: object) -> None:
    # The test client drops a HEAD answer's body itself; a real server must do so too.
    address = urlsplit(live_server.url)  # type: ignore[attr-defined]
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=30)
    try:
        connection.request("HEAD", "/help/")
        answer = connection.getresponse()
        body = answer.read()
    finally:
        connection.close()

    assert answer.status == 200
    assert int(answer.headers["Content-Length"]) > 1000, "the length of the page a GET would get"
    assert body == b""
