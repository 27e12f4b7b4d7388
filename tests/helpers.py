"""Reusable checks for staff views: every staff view is tested as anonymous, as a user without the role,
as a user of another organization, and as an allowed user.

A named cast (healthchecks style) gives each test the same people: see ``Cast``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test import Client
from django.urls import reverse

from peerway.accounts.models import User
from peerway.organizations.models import Organization
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory


@dataclass
class Cast:
    """Two service organizations and the people in them.

    ``org``: peer ``alice``, supervisor ``sam``, org admin ``ada``, billing ``bill``.
    ``other_org``: ``olive``, who is peer, supervisor and org admin there and nothing in ``org``.
    ``analyst``: analyst at the state agency (sees no personal data). ``nobody``: signed in, no membership.
    """

    org: Organization
    other_org: Organization
    state: Organization
    alice: User
    sam: User
    ada: User
    bill: User
    olive: User
    analyst: User
    nobody: User


def make_cast() -> Cast:
    org = OrganizationFactory(name="Riverbend Recovery Community", slug="riverbend")
    other_org = OrganizationFactory(name="Prairie Light Recovery", slug="prairie-light")
    state = OrganizationFactory(name="State Agency", slug="state-agency", kind="state_agency")

    def member(username: str, organization: Organization, *roles: str) -> User:
        user = UserFactory(username=username, first_name=username.title())
        for role in roles:
            MembershipFactory(user=user, organization=organization, role=role)
        return user

    return Cast(
        org=org,
        other_org=other_org,
        state=state,
        alice=member("alice", org, "peer"),
        sam=member("sam", org, "supervisor"),
        ada=member("ada", org, "org_admin"),
        bill=member("bill", org, "billing"),
        olive=member("olive", other_org, "peer", "supervisor", "org_admin"),
        analyst=member("analyst", state, "analyst"),
        nobody=member("nobody", org),
    )


def _request(client: Client, method: str, url: str, data: dict[str, Any] | None) -> Any:
    return getattr(client, method)(url, data or {})


def assert_staff_view_guarded(
    url: str,
    *,
    allowed: Iterable[User],
    outsiders: Iterable[User],
    without_role: Iterable[User] = (),
    method: str = "get",
    data: dict[str, Any] | None = None,
    allowed_status: int = 200,
) -> None:
    """Check one staff URL against the four kinds of visitor.

    - anonymous: redirected to the login page;
    - ``outsiders`` (other organizations) and ``without_role`` (same organization, wrong role): 404, so the
      record's existence is not revealed;
    - ``allowed``: ``allowed_status``.
    """
    anonymous = Client()
    response = _request(anonymous, method, url, data)
    login_url = reverse(settings.LOGIN_URL)
    assert response.status_code == 302, f"anonymous {method.upper()} {url} gave {response.status_code}, not a redirect"
    assert response["Location"].startswith(login_url), f"anonymous was sent to {response['Location']}, not to login"

    for label, users, expected in (("outsider", outsiders, 404), ("user without the role", without_role, 404)):
        for user in users:
            client = Client()
            client.force_login(user)
            response = _request(client, method, url, data)
            assert response.status_code == expected, (
                f"{label} {user.username} got {response.status_code} on {method.upper()} {url}, expected {expected}"
            )

    allowed = list(allowed)
    assert allowed, "name at least one allowed user, or the check proves nothing"
    for user in allowed:
        client = Client()
        client.force_login(user)
        response = _request(client, method, url, data)
        assert response.status_code == allowed_status, (
            f"allowed user {user.username} got {response.status_code} on {method.upper()} {url}"
        )


__all__ = ["AnonymousUser", "Cast", "assert_staff_view_guarded", "make_cast"]


def until_waiting_or_done(thread: threading.Thread) -> None:
    """Until ``thread`` waits for a lock this test's open transaction holds (PostgreSQL), or has ended without
    waiting; at most 10 seconds."""
    deadline = time.monotonic() + 10
    with connection.cursor() as cursor:
        while thread.is_alive() and time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_locks JOIN pg_stat_activity USING (pid)"
                " WHERE NOT granted AND datname = current_database()"
            )
            if cursor.fetchone()[0]:
                return
            time.sleep(0.05)
