"""Review of the REST API and of accounts: overlong and common-name searches on the public verification, who
must set up two-factor authentication before reaching personal data, and /api/v1/me and the two-factor rule as a
person's memberships in two organizations change."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pytest_django.fixtures import Settings

from peerway.accounts.models import User
from peerway.certification.models import Credential, CredentialType
from tests.factories import MembershipFactory, UserFactory
from tests.helpers import Cast

PROBLEM = "application/problem+json"


def _credential(holder: User, number: str, *, issued_days_ago: int = 0) -> Credential:
    return Credential.objects.create(
        holder=holder,
        credential_type=CredentialType.objects.filter(code="CPRS").order_by("pk").first(),
        number=number,
        issued_on=timezone.localdate() - dt.timedelta(days=issued_days_ago),
    )


def test_a_number_longer_than_any_credential_number_verifies_no_credential(cast: Cast) -> None:
    # A board may keep its own (legacy) numbers, up to the column's 32 characters. An employer who mistypes one with
    # an extra character is asking about a number that does not exist; the web form refuses it (max_length=32).
    held = "MCB-CPRS-LEGACY-0000000000000001"
    assert len(held) == 32
    _credential(cast.alice, held)
    response = Client().get("/api/v1/verify", {"number": held + "9"})
    assert (response.status_code, response["Content-Type"]) == (400, PROBLEM)
    assert response.json()["detail"] == "A credential number has at most 32 characters."
    assert Client().get("/api/v1/verify", {"number": held.lower()}).json()["results"][0]["number"] == held


@pytest.mark.django_db
def test_an_overlong_full_name_is_not_answered_as_if_the_last_name_were_missing() -> None:
    response = Client().get("/api/v1/verify", {"name": "A" * 119 + " Lee"})
    assert (response.status_code, response["Content-Type"]) == (400, PROBLEM)
    assert response.json()["detail"] == "A name to search has at most 120 characters."
    assert Client().get("/api/v1/verify", {"name": "A" * 115 + " Lee"}).json() == {"results": [], "more": False}


@pytest.mark.django_db
def test_a_name_shared_by_more_than_twenty_holders_does_not_silently_hide_the_rest() -> None:
    holders = [UserFactory(first_name="Maria", last_name="Garcia") for _ in range(21)]
    # The oldest credential sorts last (last name, then newest first).
    oldest = _credential(holders[0], "OLDEST22", issued_days_ago=400)
    for index, holder in enumerate(holders[1:]):
        _credential(holder, f"MG{index:06d}", issued_days_ago=index)
    body = Client().get("/api/v1/verify", {"name": "Maria Garcia"}).json()
    numbers = [result["number"] for result in body["results"]]
    # Twenty are listed, the oldest not among them, and the answer says there are more (to search by number).
    assert (len(numbers), oldest.number in numbers, body["more"]) == (20, False, True)
    page = Client().get("/verify/", {"name": "Maria Garcia"})
    assert page.content.decode().count('class="card"') == 20
    assert "More people share this name than the 20 shown here." in page.content.decode()
    Credential.objects.filter(holder=holders[1]).delete()
    body = Client().get("/api/v1/verify", {"name": "Maria Garcia"}).json()
    numbers = [result["number"] for result in body["results"]]
    assert (len(numbers), oldest.number in numbers, body["more"]) == (20, True, False)
    assert "More people share this name" not in Client().get("/verify/", {"name": "Maria Garcia"}).content.decode()


def test_staff_who_can_read_people_in_the_admin_must_set_up_two_factor_first(cast: Cast, settings: Settings) -> None:
    # Platform staff reach the Django admin with is_staff and model permissions (docs/resources.md: "Platform staff
    # can also edit single resources in the Django admin"). Given a view permission on accounts, the admin lists
    # every staff member's name, email and memberships: personal data, which needs two-factor authentication.
    settings.PEERWAY_REQUIRE_MFA = True
    staff = UserFactory(username="platform-staff", is_staff=True)
    staff.user_permissions.add(Permission.objects.get(content_type__app_label="accounts", codename="view_user"))
    client = Client()
    client.force_login(staff)
    response = client.get(reverse("admin:accounts_user_changelist"))
    assert response.status_code == 302, f"the user list opened ({response.status_code}) without two-factor set up"
    assert response["Location"] == reverse("mfa_activate_totp")


def test_me_and_the_two_factor_rule_follow_a_membership_change_on_the_next_request(
    cast: Cast, settings: Settings
) -> None:
    # An analyst (no personal data, no two-factor needed) is given a peer role in a service organization: from the
    # next call on the API asks for two-factor authentication; when that membership is deactivated it no longer
    # does, and /me lists only the organization where they still hold a role.
    settings.PEERWAY_REQUIRE_MFA = True
    client = Client()
    client.force_login(cast.analyst)
    assert client.get("/api/v1/me").status_code == 200
    peer = MembershipFactory(user=cast.analyst, organization=cast.org, role="peer")
    response = client.get("/api/v1/me")
    assert (response.status_code, response["Content-Type"]) == (403, PROBLEM)
    assert response.json()["setup_url"] == reverse("mfa_activate_totp")
    peer.active = False
    peer.save(update_fields=["active"])
    response = client.get("/api/v1/me")
    assert response.status_code == 200
    assert response.json()["memberships"] == [
        {"organization": "state-agency", "organization_name": "State Agency", "role": "analyst"}
    ]


def test_a_deactivated_account_is_signed_out_of_the_api(cast: Cast) -> None:
    client = Client()
    client.force_login(cast.olive)
    assert client.get("/api/v1/me").status_code == 200
    User.objects.filter(pk=cast.olive.pk).update(is_active=False)
    response = client.get("/api/v1/me")
    assert (response.status_code, response["Content-Type"]) == (401, PROBLEM)
    assert response["WWW-Authenticate"] == 'Cookie realm="peerway"'
