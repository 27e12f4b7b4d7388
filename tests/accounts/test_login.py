from __future__ import annotations

import pytest
from allauth.mfa.models import Authenticator
from django.test import Client, override_settings
from django.urls import reverse

from tests.factories import UserFactory
from tests.helpers import Cast

PASSWORD = "correct horse battery staple"


@pytest.mark.django_db
def test_a_staff_member_signs_in_with_the_real_form() -> None:
    UserFactory(username="riverbend-peer")
    response = Client().post(reverse("account_login"), {"login": "riverbend-peer", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("staff:home")


@pytest.mark.django_db
def test_a_wrong_password_reshows_the_form_with_the_username_kept() -> None:
    UserFactory(username="riverbend-peer")
    response = Client().post(reverse("account_login"), {"login": "riverbend-peer", "password": "wrong"})
    assert response.status_code == 200
    assert 'value="riverbend-peer"' in response.content.decode()


@pytest.mark.django_db
def test_brute_force_locks_the_account_and_says_so() -> None:
    UserFactory(username="riverbend-peer")
    client = Client()
    for _ in range(4):
        client.post(reverse("account_login"), {"login": "riverbend-peer", "password": "wrong"})
    fifth = client.post(reverse("account_login"), {"login": "riverbend-peer", "password": "wrong"})
    assert fifth.status_code == 429
    assert "Too many failed sign-in attempts" in fifth.content.decode()
    # Even the right password is refused once locked, with the same explanation.
    response = client.post(reverse("account_login"), {"login": "riverbend-peer", "password": PASSWORD})
    assert "Too many failed sign-in attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_there_is_no_public_sign_up() -> None:
    response = Client().get(reverse("account_signup"))
    assert response.status_code == 200
    assert "closed" in response.content.decode().lower()
    response = Client().post(
        reverse("account_signup"),
        {"username": "intruder", "email": "x@example.test", "password1": PASSWORD, "password2": PASSWORD},
    )
    from peerway.accounts.models import User

    assert not User.objects.filter(username="intruder").exists()


@override_settings(PEERWAY_REQUIRE_MFA=True)
def test_staff_who_see_personal_data_must_set_up_totp_first(cast: Cast) -> None:
    client = Client()
    client.post(reverse("account_login"), {"login": "alice", "password": PASSWORD})
    response = client.get(reverse("staff:home"))
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp")
    # The enrolment page stays reachable: allauth asks for the password once more, then shows it.
    response = client.get(reverse("mfa_activate_totp"))
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    response = client.post(response["Location"], {"password": PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("mfa_activate_totp")
    assert response.status_code == 200


@override_settings(PEERWAY_REQUIRE_MFA=True)
def test_with_totp_set_up_the_staff_pages_open(cast: Cast) -> None:
    Authenticator.objects.create(user=cast.alice, type=Authenticator.Type.TOTP, data={"secret": "unused"})
    client = Client()
    client.force_login(cast.alice)
    assert client.get(reverse("staff:home")).status_code == 200


@override_settings(PEERWAY_REQUIRE_MFA=True)
def test_analysts_see_no_personal_data_and_are_not_forced_into_mfa(cast: Cast) -> None:
    client = Client()
    client.force_login(cast.analyst)
    assert client.get(reverse("staff:home")).status_code == 200


@override_settings(PEERWAY_REQUIRE_MFA=False)
def test_mfa_enforcement_is_off_when_the_setting_is_off(cast: Cast) -> None:
    client = Client()
    client.force_login(cast.alice)
    assert client.get(reverse("staff:home")).status_code == 200


@override_settings(PEERWAY_REQUIRE_MFA=True)
def test_enrolment_is_reachable_in_every_language(cast: Cast) -> None:
    client = Client()
    client.force_login(cast.alice)
    for prefix in ("/es", "/so", "/hmn"):
        response = client.get(f"{prefix}/accounts/2fa/totp/activate/")
        # allauth asks for the password again (a page under /accounts/), never back to the MFA redirect.
        assert response.status_code == 302
        assert response["Location"].startswith(f"{prefix}/accounts/reauthenticate/"), response["Location"]
