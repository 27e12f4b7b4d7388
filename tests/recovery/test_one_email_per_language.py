"""One email per language must not let one refused mailbox cost the other readers their email
(core.notify.send_each).

An SMTP server refuses a message only when it refuses every one of its recipients. Before the split by language, a
crisis alert or a covering team's reminder was one message to every reader, so a dead mailbox among them still let
the others' copies go; split, a reader alone in their language is a message of their own, and its refusal must
neither stop the copies after it nor make the daily job send the ones before it again on every run.
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
from collections.abc import Sequence

import pytest
import time_machine
from django.core import mail
from django.core.mail import EmailMessage
from django.core.mail.backends.locmem import EmailBackend
from django.utils import translation

from peerway.accounts.models import Membership
from peerway.core.notify import send_each
from peerway.recovery.models import Wellbeing
from peerway.recovery.services.checkups import checkup_record, checkup_reminders_send, checkups_schedule
from tests.factories import MembershipFactory, UserFactory
from tests.helpers import Cast
from tests.recovery.checkups_support import engagement_for, peer_for
from tests.recovery.plan_helpers import CaptureOnCommit

pytestmark = pytest.mark.django_db

START = dt.datetime(2024, 1, 15, 18, 0, tzinfo=dt.UTC)

DEAD_MAILBOX = "gone@example.test"


class SmtpLikeBackend(EmailBackend):
    """As an SMTP server answers: a message is refused only when every one of its recipients is."""

    def send_messages(self, messages: Sequence[EmailMessage]) -> int:
        for message in messages:
            if message.recipients() and all(address == DEAD_MAILBOX for address in message.recipients()):
                raise smtplib.SMTPRecipientsRefused({DEAD_MAILBOX: (550, b"No such user")})
        sent = 0
        for message in messages:
            message.to = [address for address in message.to if address != DEAD_MAILBOX]
            sent += super().send_messages([message])
        return sent


def _at(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, 16, 0, tzinfo=dt.UTC)


def _hmong_supervisor(cast: Cast) -> str:
    # Created after sam, so sam (English, the dead mailbox) comes first among the organization's responders.
    cast.sam.email = DEAD_MAILBOX
    cast.sam.save(update_fields=["email"])
    nou = UserFactory(username="nou", email="nou@example.test", preferred_language="hmn")
    MembershipFactory(user=nou, organization=cast.org, role="supervisor")
    return str(nou.email)


def test_a_crisis_alert_still_reaches_a_supervisor_when_another_languages_mailbox_is_refused(
    cast: Cast, settings: pytest.FixtureRequest, django_capture_on_commit_callbacks: CaptureOnCommit
) -> None:
    settings.EMAIL_BACKEND = f"{__name__}.SmtpLikeBackend"  # type: ignore[attr-defined]
    nou = _hmong_supervisor(cast)
    engagement = engagement_for(cast.org, peer=peer_for(cast.alice, cast.org), started_at=START)
    with time_machine.travel(START, tick=False):
        checkups_schedule(engagement=engagement)
    first = engagement.checkups.order_by("sequence").first()
    assert first is not None

    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        checkup_record(checkup=first, actor=cast.alice, reached=True, wellbeing=Wellbeing.IN_CRISIS)

    # sam's English copy is refused first; nou's Hmong one still goes.
    assert [message.to for message in mail.outbox] == [[nou]]


def test_a_covering_team_is_not_reminded_again_every_day_because_one_mailbox_is_refused(
    cast: Cast, settings: pytest.FixtureRequest
) -> None:
    settings.EMAIL_BACKEND = f"{__name__}.SmtpLikeBackend"  # type: ignore[attr-defined]
    # sam (English, a working mailbox) comes first; nou (Hmong, a mailbox the server refuses) after.
    nou = UserFactory(username="nou", email=DEAD_MAILBOX, preferred_language="hmn")
    MembershipFactory(user=nou, organization=cast.org, role="supervisor")

    engagement = engagement_for(cast.org, peer=peer_for(cast.alice, cast.org), started_at=START, phone="", email="")
    with time_machine.travel(START, tick=False):
        checkups_schedule(engagement=engagement)
    first = engagement.checkups.order_by("sequence").first()
    assert first is not None
    # The peer left: the organization's supervisors cover the reminder.
    Membership.objects.filter(user=cast.alice, organization=cast.org, role="peer").update(active=False)

    for days_before in (3, 2, 1):
        with time_machine.travel(_at(first.due_on - dt.timedelta(days=days_before)), tick=False):
            checkup_reminders_send()

    # sam's copy goes and nou's is refused: the reminder counts as sent and is not sent to sam again.
    assert [message.to for message in mail.outbox] == [[cast.sam.email]]


def test_send_each_raises_only_when_nothing_went(caplog: pytest.LogCaptureFixture) -> None:
    went: list[str] = []

    def refused() -> None:
        raise smtplib.SMTPRecipientsRefused({"someone@example.test": (550, b"No such user")})

    with caplog.at_level(logging.WARNING):
        send_each([refused, lambda: went.append("second")], what="A notice", logger=logging.getLogger("test"))
    assert went == ["second"]
    assert "A notice: one of its messages failed (SMTPRecipientsRefused)" in caplog.text
    assert "someone@example.test" not in caplog.text
    with pytest.raises(smtplib.SMTPRecipientsRefused):
        send_each([refused, refused], what="A notice", logger=logging.getLogger("test"))
