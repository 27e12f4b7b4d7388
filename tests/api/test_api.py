from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client

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


def test_an_unknown_endpoint_is_a_problem_json_404(cast: Cast) -> None:
    client = Client()
    client.force_login(cast.alice)
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404


def test_the_committed_openapi_schema_is_current(tmp_path: Path) -> None:
    # The schema in docs/ is what integrators read; regenerate it with `peerway export_openapi_schema
    # --api peerway.api.api.api --indent 2 --sorted --output docs/openapi.json` when the API changes.
    fresh = tmp_path / "openapi.json"
    call_command("export_openapi_schema", api="peerway.api.api.api", indent=2, sorted=True, output=str(fresh))
    assert json.loads(fresh.read_text()) == json.loads(SCHEMA_FILE.read_text())
