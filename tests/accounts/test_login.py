from __future__ import annotations

from collections.abc import Iterator

import pytest
from allauth.mfa.models import Authenticator
from django.test import Client, RequestFactory, override_settings
from django.urls import reverse
from django.utils import translation

from peerway.accounts.adapters import LOGIN_MAX_LENGTH
from peerway.accounts.axes import axes_username
from tests.factories import UserFactory
from tests.helpers import Cast

PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def _english_afterwards() -> Iterator[None]:
    # A request to /hmn/... leaves Hmong active in this thread; later tests' reverse() would use it.
    yield
    translation.deactivate()


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
def test_the_lockout_cannot_be_sidestepped_by_signing_in_with_the_email() -> None:
    UserFactory(username="riverbend-peer", email="rp@example.test")
    client = Client()
    for _ in range(5):
        client.post(reverse("account_login"), {"login": "riverbend-peer", "password": "wrong"})
    response = client.post(reverse("account_login"), {"login": "RP@example.test", "password": PASSWORD})
    assert "Too many failed sign-in attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_failures_with_the_username_and_the_email_count_together() -> None:
    UserFactory(username="riverbend-peer", email="rp@example.test")
    client = Client()
    for login in ("rp@example.test", "riverbend-peer", "Riverbend-Peer", "RP@example.test"):
        assert client.post(reverse("account_login"), {"login": login, "password": "wrong"}).status_code == 200
    fifth = client.post(reverse("account_login"), {"login": "rp@example.test", "password": "wrong"})
    assert fifth.status_code == 429


@pytest.mark.django_db
def test_axes_counts_a_typed_email_or_username_under_the_accounts_username() -> None:
    UserFactory(username="riverbend-peer", email="rp@example.test")
    request = RequestFactory().post("/accounts/login/")
    assert axes_username(request, {"email": " RP@Example.test "}) == "riverbend-peer"
    assert axes_username(request, {"username": "RIVERBEND-PEER"}) == "riverbend-peer"
    # No such account: the typed name itself, as before.
    assert axes_username(request, {"username": "Nobody@Example.test"}) == "nobody@example.test"


@pytest.mark.django_db
def test_axes_keeps_at_most_255_characters_of_a_sign_in_name() -> None:
    request = RequestFactory().post("/accounts/login/", {"login": "b" * 300})
    assert axes_username(request, {"username": "a" * 300}) == "a" * 255
    assert axes_username(request, None) == "b" * 255


@pytest.mark.django_db
@pytest.mark.parametrize("length", [LOGIN_MAX_LENGTH + 1, 100_000])
def test_a_too_long_sign_in_name_is_a_form_error_not_a_server_error(length: int) -> None:
    client = Client(raise_request_exception=False)
    response = client.post(reverse("account_login"), {"login": "a" * length, "password": "wrong"})
    assert response.status_code == 200
    assert f"at most {LOGIN_MAX_LENGTH} characters" in response.content.decode()


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
