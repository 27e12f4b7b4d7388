"""Schemathesis drives every endpoint with requests generated from the live OpenAPI schema, in process (WSGI).

Each answer must be a documented status code with a documented content type and a body that matches the
documented schema. Rejecting a request the schema allows is not checked: /api/v1/verify answers a search
with neither a number nor a full name with a 400, which OpenAPI cannot express.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import hypothesis
import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import Client
from pytest_django.fixtures import Settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from tests.helpers import Cast

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
# Enough to reach every documented answer (the verify rate limit allows 30 searches), and done in seconds.
EXAMPLES = 40


@pytest.fixture
def _requests_keep_the_test_connection() -> Iterator[None]:
    # Django's WSGI handler closes the database connection around each request, which would end the test's
    # transaction; django.test.Client disconnects the same receivers while it calls the application.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.usefixtures("_requests_keep_the_test_connection")
@pytest.mark.parametrize("path", ["/api/v1/verify", "/api/v1/me"])
@pytest.mark.parametrize("caller", ["anonymous", "signed in", "signed in without the MFA their role needs"])
def test_every_endpoint_answers_as_its_schema_says(cast: Cast, settings: Settings, path: str, caller: str) -> None:
    cookies: dict[str, str] = {}
    if caller != "anonymous":
        client = Client()
        client.force_login(cast.alice)
        cookies["sessionid"] = client.cookies["sessionid"].value
    settings.PEERWAY_REQUIRE_MFA = caller == "signed in without the MFA their role needs"
    api = schemathesis.openapi.from_wsgi("/api/openapi.json", get_wsgi_application())

    @hypothesis.given(case=api[path]["GET"].as_strategy(cookies=cookies))
    @hypothesis.settings(max_examples=EXAMPLES, deadline=None, database=None)
    def answers_as_documented(case: schemathesis.Case[Any]) -> None:
        case.call_and_validate(checks=CHECKS)

    answers_as_documented()
