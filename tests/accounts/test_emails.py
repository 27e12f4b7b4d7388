"""The emails staff receive from their account pages: Peerway's own wording, in the language of the page they used.

Every address is synthetic (example.org).
"""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client

from tests.helpers import Cast

pytestmark = pytest.mark.django_db


def _reset(language: str, email: str) -> None:
    prefix = "" if language == "en" else f"/{language}"
    response = Client().post(f"{prefix}/accounts/password/reset/", {"email": email})
    assert response.status_code == 302


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("en", "asked to reset the password of your Peerway account"),
        ("es", "pidió restablecer la contraseña de tu cuenta de Peerway"),
        ("so", "codsaday in dib loo dejiyo erayga sirta ah"),
        ("hmn", "tau thov teeb tsa lo lus zais tshiab"),
    ],
)
def test_a_password_reset_email_is_in_the_language_of_the_page(cast: Cast, language: str, words: str) -> None:
    _reset(language, cast.alice.email)
    [message] = mail.outbox
    assert message.to == [cast.alice.email]
    assert message.subject.startswith("[Peerway] ")
    assert words in message.body
    assert "/accounts/password/reset/key/" in message.body


def test_an_address_without_an_account_is_told_to_ask_an_administrator_not_to_sign_up(cast: Cast) -> None:
    _reset("so", "nobody-here@example.org")
    [message] = mail.outbox
    assert message.to == ["nobody-here@example.org"]
    assert "signup" not in message.body
    assert "nobody-here@example.org" in message.body
    assert "maamulaha urur kasta" in message.body  # "each organization's administrator", in Somali
