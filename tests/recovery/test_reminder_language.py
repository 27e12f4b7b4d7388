"""What the worker sends reaches each reader in the language Peerway knows they read.

The daily jobs run where no request sets a language, so English is active: a person who asked for Somali, or a
supervisor who reads Peerway in Hmong, got English unless the sender switched to their language. Check-up reminders
(person and peer), crisis check-up alerts, referral follow-up reminders and credential renewal reminders now do, as
``participant_link_create`` and ``message_send_from_staff`` did.
"""

from __future__ import annotations

import datetime as dt

import time_machine
from django.core import mail
from django.utils import timezone, translation

from peerway.core import sms
from peerway.core.models import Language
from peerway.recovery.models import Wellbeing
from peerway.recovery.services.checkups import (
    PERSON_TEXT,
    checkup_record,
    checkup_reminders_send,
    checkups_schedule,
)
from peerway.recovery.services.referrals import referral_create, referrals_remind_due
from peerway.workforce import credentials
from tests.factories import MembershipFactory, UserFactory
from tests.helpers import Cast
from tests.recovery.checkups_support import engagement_for, peer_for
from tests.recovery.plan_helpers import CaptureOnCommit
from tests.recovery.test_referrals import engagement_for as referral_engagement_for
from tests.recovery.test_referrals import shared_resource
from tests.workforce.credentials_helpers import credential

START = dt.datetime(2024, 1, 15, 18, 0, tzinfo=dt.UTC)


def at(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, 16, 0, tzinfo=dt.UTC)


def translated(language: str, msgid: str) -> str:
    with translation.override(language):
        text = translation.gettext(msgid)
    assert text != msgid, f"the {language} catalog has no translation of {msgid!r}: the test would be moot"
    return text


def somali(msgid: str) -> str:
    return translated("so", msgid)


def test_the_check_up_reminder_text_and_email_are_in_the_persons_language(
    cast: Cast, text_outbox: list[sms.TextMessage]
) -> None:
    engagement = engagement_for(
        cast.org,
        peer=peer_for(cast.alice, cast.org),
        started_at=START,
        phone="(612) 555-0142",
        email="hodan@example.test",
        language=Language.objects.get(slug="so"),
    )
    with time_machine.travel(START, tick=False):
        checkups_schedule(engagement=engagement)
    first = engagement.checkups.order_by("sequence").first()
    assert first is not None

    with time_machine.travel(at(first.due_on - dt.timedelta(days=3)), tick=False):
        assert checkup_reminders_send() == 3

    [text] = text_outbox
    assert text.body == somali(PERSON_TEXT)
    [to_person] = [message for message in mail.outbox if message.to == ["hodan@example.test"]]
    assert to_person.subject == somali("Peerway: your check-up")


def test_the_check_up_reminder_to_the_peer_is_in_the_peers_language(
    cast: Cast, text_outbox: list[sms.TextMessage]
) -> None:
    # Message notices to staff already follow user.preferred_language (recovery/services/messages.py).
    cast.alice.preferred_language = "so"
    cast.alice.save(update_fields=["preferred_language"])
    engagement = engagement_for(cast.org, peer=peer_for(cast.alice, cast.org), started_at=START, phone="", email="")
    with time_machine.travel(START, tick=False):
        checkups_schedule(engagement=engagement)
    first = engagement.checkups.order_by("sequence").first()
    assert first is not None

    with time_machine.travel(at(first.due_on - dt.timedelta(days=3)), tick=False):
        assert checkup_reminders_send() == 1

    [to_peer] = mail.outbox
    assert to_peer.subject == somali("Peerway: a recovery check-up is coming up")


def test_a_crisis_alert_goes_to_each_supervisor_in_their_own_language(
    cast: Cast, django_capture_on_commit_callbacks: CaptureOnCommit
) -> None:
    hmong_reader = UserFactory(username="nou", email="nou@example.test", preferred_language="hmn")
    MembershipFactory(user=hmong_reader, organization=cast.org, role="supervisor")
    engagement = engagement_for(cast.org, peer=peer_for(cast.alice, cast.org), started_at=START)
    with time_machine.travel(START, tick=False):
        checkups_schedule(engagement=engagement)
    first = engagement.checkups.order_by("sequence").first()
    assert first is not None
    # The peer records it in Spanish; each supervisor reads the alert in theirs.
    with translation.override("es"), django_capture_on_commit_callbacks(execute=True):
        checkup_record(checkup=first, actor=cast.alice, reached=True, wellbeing=Wellbeing.IN_CRISIS)
    subjects = {tuple(message.to): message.subject for message in mail.outbox}
    assert subjects == {
        ("sam@example.test",): "Peerway: a check-up needs a supervisor now",
        ("nou@example.test",): translated("hmn", "Peerway: a check-up needs a supervisor now"),
    }


def test_the_referral_follow_up_reminder_is_in_the_peers_language(cast: Cast) -> None:
    cast.alice.preferred_language = "es"
    cast.alice.save(update_fields=["preferred_language"])
    referral_create(
        engagement=referral_engagement_for(cast),
        resource=shared_resource(),
        actor=cast.alice,
        follow_up_on=timezone.localdate(),
    )
    assert referrals_remind_due() == 1
    [message] = mail.outbox
    assert message.subject == translated("es", "Peerway: referrals to follow up")
    assert "/es/staff/" in message.body  # the link opens the page in Spanish too


def test_the_credential_renewal_reminder_is_in_the_holders_language(cast: Cast) -> None:
    cast.alice.preferred_language = "so"
    cast.alice.save(update_fields=["preferred_language"])
    expires = dt.date(2027, 3, 1)
    credential(cast.alice, expires_on=expires)
    with time_machine.travel(dt.datetime.combine(expires - dt.timedelta(days=30), dt.time(15, 0), tzinfo=dt.UTC)):
        assert credentials.credential_reminders_send() == 1
    [message] = mail.outbox
    assert message.subject == somali("A credential renewal is coming up")


def test_a_language_peerway_does_not_have_falls_back_to_english(cast: Cast) -> None:
    from peerway.accounts.selectors import user_language, users_by_language

    cast.alice.preferred_language = "xx"
    assert user_language(cast.alice) == "en"
    cast.sam.preferred_language = "hmn"
    assert users_by_language([cast.alice, cast.sam, cast.ada]) == {"en": [cast.alice, cast.ada], "hmn": [cast.sam]}
