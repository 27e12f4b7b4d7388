from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest
from asgiref.sync import async_to_sync, iscoroutinefunction
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory
from django.urls import URLPattern, reverse
from ninja import NinjaAPI
from pytest_django.fixtures import Settings

from peerway.api.problems import problem_urls
from peerway.certification.models import Credential
from peerway.certification.views import VERIFY_PER_WINDOW
from tests.helpers import Cast

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"
PROBLEM = "application/problem+json"


def _documented(path: str) -> dict[str, dict]:  # type: ignore[type-arg]
    return json.loads(SCHEMA_FILE.read_text())["paths"][path]["get"]["responses"]  # type: ignore[no-any-return]


@pytest.mark.django_db
def test_anonymous_calls_get_a_problem_json_401() -> None:
    response = Client().get("/api/v1/me")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == 401
    assert body["title"]


def test_me_lists_the_users_roles(cast: Cast) -> None:
    client = Client()
    client.force_login(cast.olive)
    body = client.get("/api/v1/me").json()
    assert body["username"] == "olive"
    assert sorted(m["role"] for m in body["memberships"]) == ["org_admin", "peer", "supervisor"]
    assert {m["organization"] for m in body["memberships"]} == {"prairie-light"}


@pytest.mark.parametrize("path", ["/api/v1/nothing-here", "/api/v1/me/", "/api/v2/me", "/api/v1/me%0A"])
def test_an_unknown_endpoint_is_a_problem_json_404(cast: Cast, path: str) -> None:
    client = Client()
    client.force_login(cast.alice)
    response = client.get(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["status"] == 404


@pytest.mark.django_db
def test_an_unknown_endpoint_is_a_problem_json_404_for_anonymous_callers_too() -> None:
    response = Client().post("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"


def test_a_method_the_endpoint_does_not_take_is_a_problem_json_405(cast: Cast) -> None:
    client = Client()
    client.force_login(cast.alice)
    response = client.delete("/api/v1/me")
    assert response.status_code == 405
    assert response["Content-Type"] == "application/problem+json"
    assert response["Allow"] == "GET, HEAD"
    assert response.json()["status"] == 405


def test_an_async_endpoint_answers_a_wrong_method_with_a_problem_json_405_too() -> None:
    async_api = NinjaAPI(urls_namespace="problems-async-test")

    @async_api.get("/ping")
    async def ping(request: HttpRequest) -> str:
        return "pong"

    patterns, _app, _namespace = problem_urls(async_api)
    view = next(p.callback for p in patterns if isinstance(p, URLPattern) and p.name == "ping")
    assert iscoroutinefunction(view)
    response = async_to_sync(view)(RequestFactory().delete("/api/ping"))
    assert response.status_code == 405
    assert response["Content-Type"] == "application/problem+json"


def test_staff_without_mfa_get_a_problem_json_403_from_the_api_not_a_redirect(cast: Cast, settings: Settings) -> None:
    settings.PEERWAY_REQUIRE_MFA = True
    client = Client()
    client.force_login(cast.alice)
    response = client.get("/api/v1/me")
    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["setup_url"] == reverse("mfa_activate_totp")
    # The pages still send them to set it up.
    assert client.get(reverse("staff:home"))["Location"] == reverse("mfa_activate_totp")


def test_the_committed_openapi_schema_is_current(tmp_path: Path) -> None:
    # The schema in docs/ is what integrators read; regenerate it with `peerway export_openapi_schema
    # --api peerway.api.api.api --indent 2 --sorted --output docs/openapi.json` when the API changes.
    fresh = tmp_path / "openapi.json"
    call_command("export_openapi_schema", api="peerway.api.api.api", indent=2, sorted=True, output=str(fresh))
    assert json.loads(fresh.read_text()) == json.loads(SCHEMA_FILE.read_text())


@pytest.mark.django_db
def test_a_401_challenges_the_client_to_sign_in() -> None:
    # RFC 9110 section 15.5.2: a 401 must carry a WWW-Authenticate challenge.
    response = Client().get("/api/v1/me")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Cookie realm="peerway"'


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/", "/api"])
def test_the_api_root_is_a_problem_json_404(path: str) -> None:
    response = Client().get(path, follow=True)
    assert response.status_code == 404
    assert response["Content-Type"] == PROBLEM
    assert response.json()["status"] == 404


@pytest.mark.django_db
def test_the_api_root_still_gives_django_ninja_its_prefix() -> None:
    assert reverse("api:api-root") == "/api/"


@pytest.mark.django_db
def test_an_unexpected_error_is_a_problem_json_500_that_keeps_the_error_in_the_log(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def database_down(**kwargs: str) -> list[Credential]:
        raise DatabaseError("connection to 10.0.0.5 lost")

    monkeypatch.setattr("peerway.certification.api.credentials_verify", database_down)
    with caplog.at_level(logging.ERROR, logger="peerway.api.problems"):
        response = Client(raise_request_exception=False).get("/api/v1/verify", {"number": "ABC"})
    assert response.status_code == 500
    assert response["Content-Type"] == PROBLEM
    assert response.json()["status"] == 500
    assert "10.0.0.5" not in response.content.decode()
    [record] = [r for r in caplog.records if r.name == "peerway.api.problems"]
    # The redacting log filter has already formatted the traceback into exc_text.
    assert "DatabaseError: connection to 10.0.0.5 lost" in (record.exc_text or "")


@pytest.mark.django_db
def test_permission_denied_in_an_endpoint_stays_a_403_not_a_500(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(**kwargs: str) -> list[Credential]:
        raise PermissionDenied

    monkeypatch.setattr("peerway.certification.api.credentials_verify", refuse)
    response = Client(raise_request_exception=False).get("/api/v1/verify", {"number": "ABC"})
    assert response.status_code == 403
    assert response["Content-Type"] == PROBLEM


@pytest.mark.django_db
def test_too_many_query_fields_is_a_problem_json_400() -> None:
    # Past DATA_UPLOAD_MAX_NUMBER_FIELDS (1000) Django raises TooManyFieldsSent while the query string is parsed.
    query = "&".join(["x=1"] * 1001) + "&number=ABC"
    response = Client(raise_request_exception=False).get(f"/api/v1/verify?{query}")
    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM
    assert response.json()["status"] == 400


def _signed_in(cast: Cast) -> Client:
    client = Client()
    client.force_login(cast.alice)
    return client


@pytest.mark.parametrize(
    ("method", "path", "signed_in", "status"),
    [
        ("get", "/api/v1/me", True, 200),
        ("get", "/api/v1/me", False, 401),
        ("get", "/api/v1/verify?number=ABC", False, 200),
        ("get", "/api/v1/verify", False, 400),
        ("delete", "/api/v1/me", True, 405),
        ("get", "/api/v1/nothing-here", False, 404),
        ("get", "/api/openapi.json", False, 200),
    ],
)
def test_no_api_response_may_be_cached(cast: Cast, method: str, path: str, signed_in: bool, status: int) -> None:
    client = _signed_in(cast) if signed_in else Client()
    response = getattr(client, method)(path)
    assert response.status_code == status
    assert response["Cache-Control"] == "no-store, private"


def test_the_mfa_403_may_not_be_cached_either(cast: Cast, settings: Settings) -> None:
    settings.PEERWAY_REQUIRE_MFA = True
    response = _signed_in(cast).get("/api/v1/me")
    assert response.status_code == 403
    assert response["Cache-Control"] == "no-store, private"


@pytest.mark.django_db
def test_the_schema_documents_the_errors_verify_serves() -> None:
    client = Client()
    assert client.get("/api/v1/verify").status_code == 400
    for _ in range(VERIFY_PER_WINDOW):
        client.get("/api/v1/verify", {"number": "ZZZZZZZZ"})
    assert client.get("/api/v1/verify", {"number": "ZZZZZZZZ"}).status_code == 429
    documented = _documented("/api/v1/verify")
    for status in ("400", "429"):
        assert documented[status]["content"] == {PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}}


def test_the_schema_documents_the_errors_me_serves(cast: Cast, settings: Settings) -> None:
    assert Client().get("/api/v1/me").status_code == 401
    settings.PEERWAY_REQUIRE_MFA = True
    assert _signed_in(cast).get("/api/v1/me").status_code == 403
    documented = _documented("/api/v1/me")
    assert documented["401"]["content"] == {PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}}
    assert documented["403"]["content"] == {PROBLEM: {"schema": {"$ref": "#/components/schemas/MfaRequiredProblem"}}}


def test_the_problem_schema_has_the_fields_problem_responses_carry() -> None:
    schemas = json.loads(SCHEMA_FILE.read_text())["components"]["schemas"]
    assert set(schemas["Problem"]["properties"]) == {"type", "title", "status", "detail"}
    assert set(schemas["Problem"]["required"]) == {"title", "status"}
    assert "setup_url" in schemas["MfaRequiredProblem"]["required"]


class FailingMiddleware:
    """A middleware that fails before any view runs, as one would with the database gone while loading a session."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        raise RuntimeError("the session store is unreachable")


@pytest.mark.parametrize(
    ("path", "content_type"), [("/api/v1/verify", PROBLEM), ("/verify/", "text/html; charset=utf-8")]
)
def test_an_error_in_the_middleware_is_a_problem_json_500_under_the_api_only(
    settings: Settings, path: str, content_type: str
) -> None:
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, f"{__name__}.FailingMiddleware"]
    response = Client(raise_request_exception=False).get(path)
    assert response.status_code == 500
    assert response["Content-Type"] == content_type
    assert b"unreachable" not in response.content
    if content_type == PROBLEM:
        assert response.json()["status"] == 500


@pytest.mark.parametrize(("path", "content_type"), [("/api/v1/me", PROBLEM), ("/help/", "text/html; charset=utf-8")])
def test_a_host_the_site_does_not_serve_is_a_problem_json_400_under_the_api_only(path: str, content_type: str) -> None:
    response = Client().get(path, HTTP_HOST="not-ours.example")
    assert response.status_code == 400
    assert response["Content-Type"] == content_type


@pytest.mark.parametrize("path", ["/api/v1/", "/api/v1/no-such-endpoint"])
def test_a_post_refused_by_the_csrf_middleware_under_the_api_is_problem_json(path: str) -> None:
    # A POST without a CSRF token to an /api/ path no endpoint serves: the CSRF middleware refuses it first.
    response = Client(enforce_csrf_checks=True).post(path, data="{}", content_type="application/json")
    assert response.status_code == 403
    assert response["Content-Type"] == PROBLEM
