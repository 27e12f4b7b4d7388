"""RFC 9457 and the schema, beyond the endpoints' own tests: the schema and docs pages refuse other methods,
``about:blank`` problems are titled with their status phrase, and the committed schema declares the headers the
error answers carry."""

from __future__ import annotations

import json
from http import HTTPStatus
from pathlib import Path

import pytest
from django.test import Client

from peerway.certification.views import VERIFY_PER_WINDOW
from tests.helpers import Cast

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"
PROBLEM = "application/problem+json"


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/openapi.json", "/api/docs"])
@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_the_schema_and_docs_endpoints_answer_a_method_they_do_not_take_with_a_problem_json_405(
    path: str, method: str
) -> None:
    # docs/api.md: "a method an endpoint does not take: 405 with Allow", in problem+json.
    response = getattr(Client(), method)(path)
    assert response.status_code == 405, f"{method.upper()} {path} answered {response.status_code}"
    assert response["Content-Type"] == PROBLEM
    assert response["Allow"] == "GET, HEAD"


def _error_answers(cast: Cast) -> dict[str, tuple[int, dict[str, object]]]:
    anonymous = Client()
    signed_in = Client()
    signed_in.force_login(cast.alice)
    answers = {
        "401": anonymous.get("/api/v1/me"),
        "404": signed_in.get("/api/v1/nothing-here"),
        "405": signed_in.delete("/api/v1/me"),
        "400": anonymous.get("/api/v1/verify"),
    }
    for _ in range(VERIFY_PER_WINDOW):
        anonymous.get("/api/v1/verify", {"number": "ZZZZZZZZ"})
    answers["429"] = anonymous.get("/api/v1/verify", {"number": "ZZZZZZZZ"})
    return {name: (r.status_code, r.json()) for name, r in answers.items()}


def test_an_about_blank_problem_has_the_status_phrase_as_its_title(cast: Cast) -> None:
    # RFC 9457 section 4.2.1: 'When "about:blank" is used, the title SHOULD be the same as the recommended HTTP
    # status phrase for that code (e.g., "Not Found" for 404)'. A specific title needs a specific type URI.
    wrong = {
        name: body["title"]
        for name, (status, body) in _error_answers(cast).items()
        if body["type"] == "about:blank" and body["title"] != HTTPStatus(status).phrase
    }
    assert wrong == {}


@pytest.mark.parametrize(
    ("path", "status", "header"),
    [("/api/v1/verify", "429", "Retry-After"), ("/api/v1/me", "401", "WWW-Authenticate")],
)
def test_the_committed_schema_declares_the_headers_the_errors_carry(path: str, status: str, header: str) -> None:
    # docs/api.md promises both headers (the 429's Retry-After, the 401's challenge), and the tests in test_api.py
    # show they are served; the schema integrators generate clients from says nothing of them.
    response = json.loads(SCHEMA_FILE.read_text())["paths"][path]["get"]["responses"][status]
    assert header in response.get("headers", {})
