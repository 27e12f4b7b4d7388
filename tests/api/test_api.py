from __future__ import annotations

import json
from pathlib import Path

import pytest
from asgiref.sync import async_to_sync, iscoroutinefunction
from django.core.management import call_command
from django.http import HttpRequest
from django.test import Client, RequestFactory
from django.urls import URLPattern, reverse
from ninja import NinjaAPI
from pytest_django.fixtures import Settings

from peerway.api.problems import problem_urls
from tests.helpers import Cast

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"


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


@pytest.mark.parametrize("path", ["/api/v1/nothing-here", "/api/v1/me/", "/api/v2/me"])
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
    assert response["Allow"] == "GET"
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
