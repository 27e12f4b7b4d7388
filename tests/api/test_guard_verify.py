"""Guards found by mutation testing: the public verify API refuses a search by one name."""

from __future__ import annotations

import pytest
from django.test import Client

from peerway.certification.views import VERIFY_PER_WINDOW


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["Alice", "  alice  ", "Garcia"])
def test_a_search_by_one_name_is_a_problem_json_400_and_uses_up_no_search(name: str) -> None:
    client = Client()
    for _ in range(VERIFY_PER_WINDOW + 1):
        response = client.get("/api/v1/verify", {"name": name})
        assert response.status_code == 400 and response["Content-Type"] == "application/problem+json"
        assert "first and last name" in response.json()["detail"]
    # The refused searches were not counted: a real search still gets an answer.
    assert client.get("/api/v1/verify", {"number": "ZZZZZZZZ"}).status_code == 200
