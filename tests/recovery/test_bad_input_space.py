"""Bad input to the person's own space (/me/<token>/...): a message with a NUL character or over the limit, and a
one-time code typed with a phone keyboard's own digits. A refused form keeps what the person wrote and stores
nothing; a right code is not counted as a wrong one.

The NUL case matters on PostgreSQL, which refuses a NUL in text: run this file there too.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from peerway.accounts.links import participant_link_create
from peerway.accounts.models import ParticipantLink
from peerway.core.sms import TextMessage
from peerway.recovery.models import Message
from peerway.recovery.services.messages import MAX_MESSAGE_LENGTH
from tests.helpers import Cast
from tests.recovery.plan_helpers import engagement_for


@pytest.fixture(autouse=True)
def _back_to_english() -> Iterator[None]:
    yield
    translation.deactivate()


@pytest.mark.parametrize(
    "body",
    ["Sample: can we talk\x00 tomorrow?", "Sample " + "x" * MAX_MESSAGE_LENGTH],
    ids=["nul-character", "over-the-limit"],
)
def test_a_message_with_a_nul_or_over_the_limit_is_refused_with_the_words_kept_and_nothing_stored(
    cast: Cast, body: str
) -> None:
    engagement = engagement_for(cast, phone="", email="")
    token = participant_link_create(participant=engagement.participant, actor=cast.alice, send=False).token
    browser = Client(raise_request_exception=False)
    assert browser.get(reverse("space:enter", args=[token])).status_code == 200

    response = browser.post(reverse("space:message_send", args=[token]), {"body": body})

    assert response.status_code == 400
    assert not Message.objects.filter(engagement=engagement).exists()
    page = response.content.decode()
    assert re.search(r'<textarea name="body"[^>]*>\s*Sample', page), "what the person wrote is back in the box"
    assert "field-errors" in page or "errorlist" in page, "the page says what is wrong"


# Digits as some phone keyboards type them: full-width (CJK input methods) and Arabic-Indic (Arabic keyboards).
OTHER_DIGITS = {"full-width": "０１２３４５６７８９", "arabic-indic": "٠١٢٣٤٥٦٧٨٩"}


@pytest.mark.parametrize("digits", OTHER_DIGITS)
def test_the_right_code_typed_in_a_keyboards_own_digits_opens_the_space(
    cast: Cast, text_outbox: list[TextMessage], digits: str
) -> None:
    engagement = engagement_for(cast)
    token = participant_link_create(participant=engagement.participant, actor=cast.alice, send=False).token
    browser = Client()
    assert browser.post(reverse("space:code_send", args=[token])).status_code == 200
    code = re.search(r"\b(\d{6})\b", text_outbox[-1].body)
    assert code is not None

    typed = code.group(1).translate(str.maketrans("0123456789", OTHER_DIGITS[digits]))
    response = browser.post(reverse("space:code_verify", args=[token]), {"code": typed})

    link = ParticipantLink.objects.get(participant=engagement.participant)
    assert link.code_attempts == 0, "the right code was counted as a wrong one"
    assert response.status_code == 302 and response["Location"] == reverse("space:enter", args=[token])
