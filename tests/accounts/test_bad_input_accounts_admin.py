"""Bad input against the account pages (sign-in, sign-out, password reset and change, email addresses, the
two-factor step) and the administration of memberships: a NUL byte, an over-long or look-alike name, spaces around
an email and a foreign ?next= each get a form error or a safe redirect, never a 500 or another site, and a role or
membership the organization cannot hold is refused as a form error.

Peerway has no organization-administrator pages of its own yet; memberships are managed in the Django admin.
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import translation

from peerway.accounts.models import Membership, User
from tests.factories import OrganizationFactory, UserFactory

PASSWORD = "correct horse battery staple"
FOREIGN_NEXTS = ["//evil.example", "https://evil.example", "/\\evil.example", "https:evil.example"]


@pytest.fixture(autouse=True)
def _english_afterwards() -> Iterator[None]:
    # The language switcher leaves Spanish active in this thread; later tests' reverse() would use it.
    yield
    translation.deactivate()


def _client(user: User | None = None) -> Client:
    client = Client(raise_request_exception=False)
    if user is not None:
        client.force_login(user)
    return client


def _stays_on_site(location: str) -> bool:
    return urlsplit(location).netloc == "" and not location.startswith(("//", "/\\")) and "evil" not in location


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("page", "data"),
    [
        ("account_login", {"login": "riverbend\x00-peer", "password": PASSWORD}),
        ("account_login", {"login": "riverbend-peer", "password": "correct\x00horse"}),
        ("account_reset_password", {"email": "rp\x00@example.test"}),
        ("account_change_password", {"oldpassword": PASSWORD, "password1": "new\x00 long pass", "password2": "x"}),
        ("account_email", {"email": "rp2\x00@example.test", "action_add": ""}),
        ("account_reauthenticate", {"password": "correct\x00horse"}),
    ],
)
def test_a_nul_byte_in_an_account_form_is_a_form_error_not_a_server_error(page: str, data: dict[str, str]) -> None:
    user = UserFactory(username="riverbend-peer", email="rp@example.test")
    client = _client(None if page in ("account_login", "account_reset_password") else user)
    response = client.post(reverse(page), data)
    assert response.status_code == 200
    if page == "account_login":
        assert "_auth_user_id" not in client.session
    assert not EmailAddress.objects.filter(email__startswith="rp2").exists()


@pytest.mark.django_db
def test_an_over_long_address_added_to_an_account_is_a_form_error_not_a_server_error() -> None:
    user = UserFactory(username="riverbend-peer", email="rp@example.test")
    # 263 characters: past the 254 the column holds, short of the 320 Django's EmailValidator refuses.
    address = "b" * 250 + "@example.test"
    response = _client(user).post(reverse("account_email"), {"email": address, "action_add": ""})
    assert response.status_code == 200
    assert not EmailAddress.objects.filter(user=user, email=address).exists()


@pytest.mark.django_db
def test_an_email_typed_with_spaces_around_it_signs_in_and_resets_the_password() -> None:
    UserFactory(username="riverbend-peer", email="rp@example.test")
    client = _client()
    response = client.post(reverse("account_login"), {"login": "  RP@example.test ", "password": PASSWORD})
    assert response.status_code == 302
    assert "_auth_user_id" in client.session
    response = _client().post(reverse("account_reset_password"), {"email": " rp@example.test  "})
    assert response.status_code == 302
    assert [message.to for message in mail.outbox] == [["rp@example.test"]]
    assert "/accounts/password/reset/key/" in mail.outbox[0].body


@pytest.mark.django_db
def test_a_look_alike_username_does_not_sign_in_as_the_real_account() -> None:
    UserFactory(username="riverbend-peer")
    client = _client()
    # The Cyrillic small letter U+0456 in place of the Latin "i".
    response = client.post(reverse("account_login"), {"login": "r\u0456verbend-peer", "password": PASSWORD})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_another_staff_member_adding_your_address_does_not_split_your_lockout() -> None:
    UserFactory(username="riverbend-peer", email="rp@example.test")
    insider = UserFactory(username="insider", email="insider@example.test")
    _client(insider).post(reverse("account_email"), {"email": "rp@example.test", "action_add": ""})
    client = _client()
    for _ in range(4):
        client.post(reverse("account_login"), {"login": "riverbend-peer", "password": "wrong"})
    fifth = client.post(reverse("account_login"), {"login": "rp@example.test", "password": "wrong"})
    assert fifth.status_code == 429


@pytest.mark.django_db
@pytest.mark.parametrize("code", ["12\x003456", "9" * 5000, "１２３４５６"])
def test_a_bad_code_at_the_two_factor_step_is_a_form_error(code: str) -> None:
    user = UserFactory(username="riverbend-peer")
    TOTP.activate(user, generate_totp_secret())
    client = _client()
    response = client.post(reverse("account_login"), {"login": "riverbend-peer", "password": PASSWORD})
    assert response["Location"] == reverse("mfa_authenticate")
    response = client.post(reverse("mfa_authenticate"), {"code": code})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
@pytest.mark.parametrize("next_url", FOREIGN_NEXTS)
def test_sign_in_sign_out_and_the_language_switcher_never_send_to_another_site(next_url: str) -> None:
    user = UserFactory(username="riverbend-peer", is_staff=True, is_superuser=True)
    credentials = {"login": "riverbend-peer", "password": PASSWORD}
    locations = [
        _client().post(f"{reverse('account_login')}?next={next_url}", credentials)["Location"],
        _client().post(reverse("account_login"), {**credentials, "next": next_url})["Location"],
        _client(user).post(reverse("account_logout"), {"next": next_url})["Location"],
        _client().post(reverse("set_language"), {"language": "es", "next": next_url})["Location"],
    ]
    # The admin's sign-in hands over to allauth's and then back to itself with the same next.
    admin = _client()
    handover = admin.post(reverse("account_login"), {**credentials, "next": f"/admin/login/?next={next_url}"})
    locations.append(admin.get(handover["Location"])["Location"])
    assert all(_stays_on_site(location) for location in locations), locations


@pytest.mark.django_db
def test_the_admin_refuses_a_role_the_organization_cannot_hold() -> None:
    rco = OrganizationFactory()
    superuser = UserFactory(username="root", is_staff=True, is_superuser=True)
    worker = UserFactory(username="worker")
    data = {
        "user": worker.pk,
        "role": "board_admin",
        "active": "on",
        "created_at_0": "2026-01-05",
        "created_at_1": "9:00",
    }
    response = _client(superuser).post(reverse("admin:accounts_membership_add"), {**data, "organization": rco.pk})
    assert response.status_code == 200
    assert "cannot be held in this kind of organization" in response.content.decode()
    assert not Membership.objects.filter(user=worker).exists()


@pytest.mark.django_db
def test_the_same_role_entered_twice_for_a_user_is_one_form_error_not_two_memberships() -> None:
    rco = OrganizationFactory()
    superuser = UserFactory(username="root", is_staff=True, is_superuser=True)
    worker = UserFactory(username="worker")
    data = {
        "username": "worker",
        "first_name": "Sample",
        "email": "worker@example.test",
        "is_active": "on",
        "date_joined_0": "2026-01-05",
        "date_joined_1": "9:00",
        "memberships-TOTAL_FORMS": "2",
        "memberships-INITIAL_FORMS": "0",
        "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000",
    }
    for index in range(2):
        data |= {f"memberships-{index}-organization": rco.pk, f"memberships-{index}-role": "peer"}
        data[f"memberships-{index}-active"] = "on"
    response = _client(superuser).post(reverse("admin:accounts_user_change", args=[worker.pk]), data)
    assert response.status_code == 200
    assert "Please correct the duplicate data for organization and role" in response.content.decode()
    assert not Membership.objects.filter(user=worker).exists()
