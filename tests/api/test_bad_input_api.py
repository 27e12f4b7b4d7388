"""Bad input at the REST API's edge: HEAD, OPTIONS and unknown methods, bodies a GET endpoint does not read
(malformed JSON, a wrong Content-Type, far too large), and query parameters no endpoint reads (paging, NUL
characters, bytes that are not UTF-8). Every refusal is problem+json; nothing reaches a 500, on either database."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.helpers import Cast

PROBLEM = "application/problem+json"


def _clients(cast: Cast) -> dict[str, Client]:
    signed_in = Client(raise_request_exception=False)
    signed_in.force_login(cast.alice)
    return {"/api/v1/me": signed_in, "/api/v1/verify?number=ABC": Client(raise_request_exception=False)}


@pytest.mark.parametrize("path", ["/api/v1/me", "/api/v1/verify?number=ABC", "/api/openapi.json"])
def test_head_is_answered_like_get_without_a_body(cast: Cast, path: str) -> None:
    # RFC 9110 section 9.1: "All general-purpose servers MUST support the methods GET and HEAD." Monitoring probes
    # and link checkers send HEAD; a 405 tells them the endpoint is broken.
    client = _clients(cast).get(path, Client(raise_request_exception=False))
    got = client.get(path)
    head = client.head(path)
    assert got.status_code == 200
    assert (head.status_code, head["Content-Type"]) == (200, got["Content-Type"])
    assert head.content == b""
    assert head["Cache-Control"] == "no-store, private"


@pytest.mark.parametrize("method", ["OPTIONS", "PROPFIND", "BREW"])
@pytest.mark.parametrize("path", ["/api/v1/me", "/api/v1/verify?number=ABC"])
def test_options_and_unknown_methods_are_a_problem_json_405_naming_get(cast: Cast, path: str, method: str) -> None:
    response = _clients(cast)[path].generic(method, path)
    assert response.status_code == 405
    assert response["Content-Type"] == PROBLEM
    assert response["Allow"] == "GET, HEAD"
    assert response.json()["detail"] == "This endpoint accepts GET, HEAD."


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b'{"number": "ABC",', "application/json"),
        (b"number=ABC", "text/plain"),
        (b"\x00\xff\xfe not even text", "application/json"),
        (b"x" * (3 * 1024 * 1024), "application/x-www-form-urlencoded"),  # past DATA_UPLOAD_MAX_MEMORY_SIZE
    ],
    ids=["malformed-json", "wrong-content-type", "binary", "too-large"],
)
def test_a_body_sent_to_a_get_endpoint_is_ignored_and_a_post_is_a_problem_json_405(
    cast: Cast, body: bytes, content_type: str
) -> None:
    client = Client(raise_request_exception=False)
    got = client.generic("GET", "/api/v1/verify?number=ABC", data=body, content_type=content_type)
    assert (got.status_code, got.json()) == (200, {"results": [], "more": False})
    posted = client.generic("POST", "/api/v1/verify", data=body, content_type=content_type)
    assert (posted.status_code, posted["Content-Type"]) == (405, PROBLEM)


@pytest.mark.parametrize(
    "query",
    [
        "page=-1&page_size=1000000000",
        "page=0&limit=0&offset=-5",
        f"page={10**12}&page_size={10**9}",
        "page=%00&x=%00",
        "id=not-a-uuid&format=xml",
    ],
)
@pytest.mark.parametrize("path", ["/api/v1/me", "/api/v1/verify?number=ABC"])
def test_query_parameters_no_endpoint_reads_are_ignored(cast: Cast, path: str, query: str) -> None:
    # The API has no paging and no ids in its paths (docs/api.md); such parameters must not turn into a 500, and on
    # PostgreSQL a NUL character must never reach a query.
    client = _clients(cast)[path]
    separator = "&" if "?" in path else "?"
    response = client.get(f"{path}{separator}{query}")
    assert response.status_code == 200
    assert response.json() == client.get(path).json()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query", ["number=%C0%AF", "number=%ED%A0%80", "name=Ana%FF+Sample", "number=AB%0ACD", "number=A&number=%00"]
)
def test_a_search_with_bytes_that_are_not_utf8_or_control_characters_is_not_a_server_error(query: str) -> None:
    response = Client(raise_request_exception=False).get(f"/api/v1/verify?{query}")
    assert response.status_code in (200, 400), response.content
    if response.status_code == 400:
        assert response["Content-Type"] == PROBLEM
        assert response.json()["detail"]
