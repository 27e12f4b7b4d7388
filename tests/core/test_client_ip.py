from __future__ import annotations

from django.test import RequestFactory, override_settings

from peerway.core.client_ip import client_ip


def test_without_proxies_the_socket_address_counts_and_forwarded_headers_are_ignored() -> None:
    request = RequestFactory().get("/", REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="198.51.100.1")
    assert client_ip(request) == "203.0.113.9"


@override_settings(PEERWAY_PROXY_COUNT=1)
def test_behind_one_proxy_the_address_it_saw_counts_not_what_the_client_claims() -> None:
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.66, 203.0.113.9")
    assert client_ip(request) == "203.0.113.9"


@override_settings(PEERWAY_PROXY_COUNT=2)
def test_a_short_header_falls_back_to_the_socket_address() -> None:
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert client_ip(request) == "10.0.0.2"
