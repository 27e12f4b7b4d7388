from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from tests.helpers import Cast


@pytest.mark.django_db
@pytest.mark.parametrize(("prefix", "lang"), [("", "en"), ("/es", "es"), ("/so", "so"), ("/hmn", "hmn")])
def test_the_home_page_is_served_in_each_language(prefix: str, lang: str) -> None:
    response = Client().get(f"{prefix}/")
    assert response.status_code == 200
    assert f'<html lang="{lang}"' in response.content.decode()


@pytest.mark.django_db
def test_pages_carry_a_strict_content_security_policy() -> None:
    response = Client().get("/")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy
    assert "frame-ancestors 'none'" in policy
    assert response["X-Frame-Options"] == "DENY"
    assert "<script>" not in response.content.decode(), "inline scripts would be blocked by the policy"


def _walk(patterns: list[URLPattern | URLResolver], prefix: str = "") -> list[str]:
    routes = []
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            routes += _walk(pattern.url_patterns, route)
        else:
            routes.append(route)
    return routes


def test_no_peerway_url_exposes_a_sequential_id() -> None:
    # Public identifiers are UUIDs or random codes; the Django admin is the only exception.
    routes = [r for r in _walk(get_resolver().url_patterns) if not r.startswith("admin/")]
    sequential = [r for r in routes if re.search(r"<int:|<(?:str:)?(?:pk|id|\w+_id)>", r)]
    assert not sequential, f"routes with sequential ids: {sequential}"


def test_staff_see_times_in_their_organizations_zone(cast: Cast) -> None:
    cast.org.timezone = "America/Chicago"
    cast.org.save()
    client = Client()
    client.force_login(cast.alice)
    captured: dict[str, str] = {}

    from django.test.signals import template_rendered

    def capture(sender: object, **kwargs: object) -> None:
        captured.setdefault("zone", str(timezone.get_current_timezone()))

    template_rendered.connect(capture)
    try:
        client.get("/staff/")
    finally:
        template_rendered.disconnect(capture)
    assert captured["zone"] == "America/Chicago"
    assert timezone.now().tzinfo == dt.UTC  # stored and computed in UTC


def test_the_staff_home_offers_only_the_pages_a_role_can_open(cast: Cast) -> None:
    client = Client()
    client.force_login(cast.alice)
    peer_home = client.get("/staff/").content.decode()
    assert "/staff/queue/" in peer_home
    assert "/staff/reports/matching/" not in peer_home
    client.force_login(cast.analyst)
    analyst_home = client.get("/staff/").content.decode()
    assert "/staff/reports/matching/" in analyst_home
    assert "/staff/participants/" not in analyst_home
