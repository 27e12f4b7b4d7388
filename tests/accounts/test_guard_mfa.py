"""Guards found by mutation testing: a superuser sets up two-factor authentication like staff who see records."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from pytest_django.fixtures import Settings

from tests.factories import UserFactory


@pytest.mark.django_db
def test_a_superuser_without_a_role_anywhere_must_set_up_mfa_first(settings: Settings) -> None:
    # A superuser reaches the Django admin and every record through it, without holding any membership.
    settings.PEERWAY_REQUIRE_MFA = True
    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(root)
    assert client.get(reverse("admin:index"))["Location"] == reverse("mfa_activate_totp")
    response = client.get("/api/v1/me")
    assert response.status_code == 403 and response["Content-Type"] == "application/problem+json"
