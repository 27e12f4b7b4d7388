"""Error pages speak the visitor's language and keep the crisis numbers first; a refused or failed request form
comes back with what the person typed, and nothing is saved. So do allauth's public pages Peerway still has: its
"too many tries" refusal and the page behind an email-confirmation link."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import OperationalError
from django.test import Client, RequestFactory
from django.utils import translation
from django.views.defaults import permission_denied

from peerway.intake.models import HelpRequest
from peerway.intake.views import SUBMISSIONS_PER_WINDOW

pytestmark = pytest.mark.django_db

ANSWERS: dict[str, Any] = {
    "contact_method": "text",
    "phone": "612-555-0142",
    "first_name": "Marisol",
    "language": "es",
    "modalities": ["phone", "video"],
    "communities_own_words": "Cedar-Riverside",
    "consent_to_contact": "on",
}


@pytest.fixture(autouse=True)
def _clean_cache_and_language() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()
    translation.deactivate()


def _answers_are_kept(body: str) -> None:
    assert 'value="612-555-0142"' in body and 'value="Marisol"' in body and "Cedar-Riverside" in body
    assert re.search(r'value="text"[^>]*checked', body), "the chosen contact method is still chosen"
    assert re.search(r'value="video"[^>]*checked', body), "the chosen ways to meet are still chosen"


def test_a_help_request_refused_by_the_csrf_check_comes_back_filled_in() -> None:
    browser = Client(enforce_csrf_checks=True)
    response = browser.post("/es/help/", ANSWERS)  # no token: as after the cookie was lost

    assert response.status_code == 403
    body = response.content.decode()
    _answers_are_kept(body)
    assert "no se envió" in body.lower(), "the reason, in Spanish"
    assert "988" in body
    assert not HelpRequest.objects.exists()
    # The page carries a fresh token with its cookie, so sending it again works.
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body)
    assert token is not None
    again = browser.post("/es/help/", {**ANSWERS, "csrfmiddlewaretoken": token.group(1)})
    assert again.status_code == 302 and HelpRequest.objects.count() == 1


def test_another_form_refused_by_the_csrf_check_gets_a_plain_page_in_the_visitors_language() -> None:
    response = Client(enforce_csrf_checks=True).post("/so/accounts/login/", {"login": "x", "password": "y"})
    assert response.status_code == 403
    body = response.content.decode()
    assert '<html lang="so"' in body and "Wac 988" in body
    assert "CSRF" not in body, "no developer wording"


def test_a_database_failure_on_submit_keeps_the_answers_and_does_not_count_against_the_limit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def unavailable(**_: Any) -> None:
        raise OperationalError("the database is restarting")

    monkeypatch.setattr("peerway.intake.views.request_submit", unavailable)
    browser = Client()
    for _ in range(SUBMISSIONS_PER_WINDOW + 1):
        response = browser.post("/es/help/", ANSWERS)
        assert response.status_code == 503
        assert response["Retry-After"] == "60"
    body = response.content.decode()
    _answers_are_kept(body)
    assert "restarting" not in body
    assert not HelpRequest.objects.exists()

    monkeypatch.undo()
    assert browser.post("/es/help/", ANSWERS).status_code == 302, "failed tries did not use up the limit"


def test_an_unknown_page_is_a_404_in_the_visitors_language() -> None:
    response = Client().get("/hmn/no-such-page/")
    assert response.status_code == 404
    body = response.content.decode()
    assert '<html lang="hmn"' in body and "Hu 988" in body
    assert 'href="/hmn/help/"' in body, "a way to ask for a peer"


def test_a_server_error_page_keeps_the_crisis_numbers(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(**_: Any) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr("peerway.intake.views.request_submit", broken)
    browser = Client(raise_request_exception=False)
    response = browser.post("/es/help/", ANSWERS)
    assert response.status_code == 500
    body = response.content.decode()
    assert '<html lang="es"' in body and "Llama al 988" in body
    assert "a bug" not in body and "Traceback" not in body


def test_a_refused_page_says_so_in_the_visitors_language() -> None:
    request = RequestFactory().get("/so/staff/")
    request.user = type("Anonymous", (), {"is_authenticated": False})()
    with translation.override("so"):
        response = permission_denied(request, PermissionDenied())
    assert response.status_code == 403
    assert "Wac 988" in response.content.decode()


@pytest.mark.parametrize(
    ("prefix", "language", "call_988"),
    [("/so", "so", "Wac 988"), ("/hmn", "hmn", "Hu 988"), ("/es", "es", "Llama al 988")],
)
def test_too_many_password_resets_get_a_page_in_the_visitors_language_with_the_crisis_numbers(
    prefix: str, language: str, call_988: str
) -> None:
    # allauth allows 5 password-reset requests a minute per address; the 6th is refused with its 429 page.
    browser = Client()
    for _ in range(5):
        assert browser.post(f"{prefix}/accounts/password/reset/", {"email": "someone@example.org"}).status_code == 302
    refused = browser.post(f"{prefix}/accounts/password/reset/", {"email": "someone@example.org"})
    assert refused.status_code == 429
    body = refused.content.decode()
    assert f'<html lang="{language}"' in body and call_988 in body
    assert f'href="{prefix}/help/"' in body, "a way to ask for a peer"
    assert "Too Many Requests" not in body, "not allauth's bare English page"


@pytest.mark.parametrize("language", ["so", "hmn"])
def test_the_confirmation_email_sent_page_does_not_exist_without_sign_up(language: str) -> None:
    # Only sign-up and required email confirmation lead there, and Peerway has neither.
    response = Client().get(f"/{language}/accounts/confirm-email/")
    assert response.status_code == 404
    body = response.content.decode()
    assert f'<html lang="{language}"' in body and "Verify Your Email Address" not in body


@pytest.mark.parametrize(("language", "call_988"), [("so", "Wac 988"), ("hmn", "Hu 988")])
def test_an_expired_email_confirmation_link_is_peerways_page_in_the_visitors_language(
    language: str, call_988: str
) -> None:
    response = Client().get(f"/{language}/accounts/confirm-email/abc:def/")
    assert response.status_code == 200
    body = response.content.decode()
    assert f'<html lang="{language}"' in body and call_988 in body
    for english in ("Confirm Email Address", "This email confirmation link expired", "issue a new email confirmation"):
        assert english not in body, f"allauth's {english!r} on /{language}/"
    assert f'href="/{language}/accounts/email/"' in body


def test_adding_an_email_address_sends_a_link_that_confirms_it_on_peerways_page() -> None:
    from allauth.account.models import EmailAddress
    from django.core import mail

    from tests.factories import UserFactory

    UserFactory(username="riverbend-peer")
    staff = Client()
    signed_in = staff.post(
        "/so/accounts/login/", {"login": "riverbend-peer", "password": "correct horse battery staple"}
    )
    assert signed_in.status_code == 302
    # Account settings > Email address: allauth mails a confirmation link, whatever ACCOUNT_EMAIL_VERIFICATION says.
    added = staff.post("/so/accounts/email/", {"email": "alice.new@example.org", "action_add": ""})
    assert added.status_code == 302
    link = re.search(r"https?://[^/\s]+(/so/accounts/confirm-email/[^/\s]+/)", mail.outbox[-1].body)
    assert link, mail.outbox[-1].body

    browser = Client()
    page = browser.get(link.group(1))
    body = page.content.decode()
    assert page.status_code == 200 and '<html lang="so"' in body and "alice.new@example.org" in body
    assert "Confirm Email Address" not in body and ">Xaqiiji</button>" in body, "Peerway's page, in Somali"
    assert browser.post(link.group(1)).status_code == 302
    assert EmailAddress.objects.get(email="alice.new@example.org").verified
