"""Review of the person's own space, check-ins and check-ups: defects found, each a test of the right behaviour.

Synthetic people only. A mail server that refuses every message is a test backend defined here.
"""

from __future__ import annotations

import datetime as dt
import smtplib
from collections.abc import Sequence

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.message import EmailMessage
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from peerway.accounts.links import CODES_PER_WINDOW, participant_link_create
from peerway.core.sms import TextMessage
from peerway.recovery.models import CheckInLink, Engagement
from peerway.recovery.services.checkins import checkin_record_by_staff
from tests.helpers import Cast
from tests.recovery.plan_helpers import engagement_for
from tests.recovery.test_checkins import answers, peerway_instrument

REFUSING = override_settings(EMAIL_BACKEND="tests.recovery.test_review_space_checkups.RefusingBackend")
CARRIER_DOWN = override_settings(SMS_BACKEND="tests.recovery.test_review_space_checkups.CarrierDown")


class CarrierDown:
    """A deployment's text carrier whose provider cannot be reached; its error quotes the number."""

    def send(self, message: TextMessage) -> None:
        raise ConnectionError(f"could not reach the carrier to text {message.to}")


class RefusingBackend(BaseEmailBackend):
    """A mail server that refuses the recipient of every message (a mistyped address, a mailbox that is gone)."""

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        raise smtplib.SMTPRecipientsRefused({"sample.person@example.org": (550, b"5.1.1 No such user")})


def _style_src(policy: str) -> str:
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    return directives.get("style-src", directives.get("default-src", ""))


def _email_only_person(cast: Cast) -> tuple[Engagement, str]:
    """A person who gave an email and no phone: the space asks for a code sent by email."""
    engagement = engagement_for(cast, phone="", email="sample.person@example.org")
    token = participant_link_create(participant=engagement.participant, actor=cast.alice, send=False).token
    return engagement, token


def test_the_persons_own_check_in_chart_may_use_its_own_style_as_the_staff_chart_does(cast: Cast) -> None:
    engagement = engagement_for(cast, phone="", email="")
    checkin_record_by_staff(
        participant=engagement.participant,
        instrument=peerway_instrument(),
        answers=answers(*[5] * 10),
        actor=cast.alice,
        answered_at=timezone.now() - dt.timedelta(days=2),
    )
    token = participant_link_create(participant=engagement.participant, actor=cast.alice, send=False).token
    person = Client()
    assert person.get(reverse("space:enter", args=[token])).status_code == 200  # the link alone opens the space
    own = person.get(reverse("space:checkin_chart", args=[token]))
    staff = Client()
    staff.force_login(cast.alice)
    theirs = staff.get(reverse("recovery:checkin_chart", args=[engagement.participant.public_id]))
    assert own.status_code == theirs.status_code == 200
    # The SVG carries its colours, line widths and the dashed threshold in a <style> element: browsers apply the
    # image's own Content-Security-Policy to it, and the staff chart's response allows that style for this reason.
    assert b"<style" in own.content
    assert "'unsafe-inline'" in _style_src(theirs["Content-Security-Policy"])
    assert _style_src(own["Content-Security-Policy"]) == _style_src(theirs["Content-Security-Policy"])


def test_a_code_the_mail_server_refuses_is_told_on_the_code_page(cast: Cast, caplog: pytest.LogCaptureFixture) -> None:
    _engagement, token = _email_only_person(cast)
    person = Client(raise_request_exception=False)
    with REFUSING:
        response = person.post(reverse("space:code_send", args=[token]))
    assert response.status_code == 400
    body = response.content.decode()
    assert "The code could not be sent. Please ask your peer for help." in body
    # The log names the kind of failure, never the address the server quoted.
    assert "SMTPRecipientsRefused" in caplog.text and "sample.person" not in caplog.text
    # Still the code page, with a way to try again or to ask the peer for help.
    assert reverse("space:code_send", args=[token]) in body


def test_codes_the_mail_server_refused_do_not_use_up_the_persons_codes(cast: Cast) -> None:
    _engagement, token = _email_only_person(cast)
    person = Client(raise_request_exception=False)
    with REFUSING:
        for _attempt in range(CODES_PER_WINDOW):
            person.post(reverse("space:code_send", args=[token]))
    assert mail.outbox == []
    # The mail server works again: the person's first code that actually goes out is sent.
    response = person.post(reverse("space:code_send", args=[token]))
    assert response.status_code == 200, response.content.decode()[:400]
    assert len(mail.outbox) == 1


def test_staff_sending_a_private_link_the_mail_server_refuses_get_a_page_not_a_server_error(cast: Cast) -> None:
    engagement, _token = _email_only_person(cast)
    staff = Client(raise_request_exception=False)
    staff.force_login(cast.alice)
    with REFUSING:
        response = staff.post(
            reverse("recovery:participant_space_link", args=[engagement.participant.public_id]), {"action": "create"}
        )
    assert response.status_code == 200
    body = response.content.decode()
    # The staff member is told it did not go (not that the person gave no email) and gets the link to hand over.
    assert "The link could not be sent: the mail server or text service refused it." in body
    assert "gave no phone or email" not in body and 'id="space-link"' in body


def test_a_code_the_text_carrier_cannot_send_is_told_on_the_code_page(
    cast: Cast, caplog: pytest.LogCaptureFixture
) -> None:
    engagement = engagement_for(cast, phone="(612) 555-0143", email="")
    token = participant_link_create(participant=engagement.participant, actor=cast.alice, send=False).token
    with CARRIER_DOWN:
        response = Client(raise_request_exception=False).post(reverse("space:code_send", args=[token]))
    assert response.status_code == 400
    assert "The code could not be sent. Please ask your peer for help." in response.content.decode()
    assert "ConnectionError" in caplog.text and "555-0143" not in caplog.text


def test_a_check_in_link_the_text_carrier_cannot_send_is_shown_to_hand_over(cast: Cast) -> None:
    engagement = engagement_for(cast, phone="(612) 555-0144", email="")
    staff = Client(raise_request_exception=False)
    staff.force_login(cast.alice)
    with CARRIER_DOWN:
        response = staff.post(
            reverse("recovery:checkin_link_new", args=[engagement.participant.public_id]),
            {"instrument": peerway_instrument().pk, "send_text": "on"},
        )
    assert response.status_code == 200
    assert "The text could not be sent (the text service refused it)" in response.content.decode()
    assert CheckInLink.objects.get(participant=engagement.participant).sent_at is None
