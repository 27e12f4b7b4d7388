"""Recovery check-ups: scheduling across time, reminders once, recording, re-linking and crisis alerts."""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
import threading
from collections.abc import Sequence

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.core.mail.backends.locmem import EmailBackend
from django.db import IntegrityError, connection, connections, transaction
from django.urls import reverse
from django.utils import timezone

from peerway.accounts.models import Membership
from peerway.core import sms
from peerway.core.models import AccessAction, AccessEvent
from peerway.intake.models import HelpRequest, OfferStatus, RequestSource
from peerway.intake.services import request_accept, request_escalate, request_route
from peerway.recovery.models import (
    Checkup,
    CheckupReminder,
    CheckupStatus,
    EngagementStatus,
    Participant,
    RelinkKind,
    ReminderChannel,
    Wellbeing,
)
from peerway.recovery.services import checkups as checkup_services
from peerway.recovery.services.checkups import (
    checkup_record,
    checkup_reminders_send,
    checkups_cancel_future,
    checkups_schedule,
    checkups_sync,
)
from tests.factories import peer_profile
from tests.helpers import Cast, until_waiting_or_done
from tests.recovery.checkups_support import engagement_for, peer_for
from tests.recovery.plan_helpers import CaptureOnCommit

# Noon in Minnesota on 15 January 2024.
START = dt.datetime(2024, 1, 15, 18, 0, tzinfo=dt.UTC)
REFUSED_ADDRESS = "alice@example.test"
LOGGER = "peerway.recovery.services.checkups"


class RefusingBackend(EmailBackend):
    """Refuses alice's mailbox, as an SMTP server refuses an address that no longer exists."""

    def send_messages(self, messages: Sequence[EmailMessage]) -> int:
        for message in messages:
            if REFUSED_ADDRESS in message.to:
                raise smtplib.SMTPRecipientsRefused({REFUSED_ADDRESS: (550, b"No such user")})
        return super().send_messages(messages)


def at(day: dt.date) -> dt.datetime:
    """Mid-morning in Minnesota on ``day`` (after the daily jobs' times)."""
    return dt.datetime(day.year, day.month, day.day, 16, 0, tzinfo=dt.UTC)


def scheduled(cast: Cast, **kwargs: object) -> Checkup:
    """An engagement of alice's started at START with its schedule; its first check-up."""
    engagement = engagement_for(cast.org, peer=peer_for(cast.alice, cast.org), started_at=START, **kwargs)
    with time_machine.travel(START, tick=False):
        checkups_schedule(engagement=engagement)
    return engagement.checkups.order_by("sequence").first()  # type: ignore[return-value]


# Scheduling ---------------------------------------------------------------------------------------------------


def test_the_schedule_is_quarterly_for_five_years_and_idempotent(cast: Cast) -> None:
    engagement = engagement_for(cast.org, started_at=START)
    with time_machine.travel(START, tick=False):
        assert checkups_schedule(engagement=engagement) == 20
        assert checkups_schedule(engagement=engagement) == 0
    dates = list(engagement.checkups.values_list("due_on", flat=True))
    assert dates[0] == dt.date(2024, 4, 15)
    assert dates[-1] == dt.date(2029, 1, 15)
    assert list(engagement.checkups.values_list("sequence", flat=True)) == list(range(1, 21))
    assert set(engagement.checkups.values_list("status", flat=True)) == {CheckupStatus.SCHEDULED}


def test_the_organization_chooses_interval_and_horizon(cast: Cast) -> None:
    cast.org.checkup_interval_months = 6
    cast.org.checkup_horizon_years = 2
    cast.org.save()
    engagement = engagement_for(cast.org, started_at=START)
    with time_machine.travel(START, tick=False):
        checkups_schedule(engagement=engagement)
    assert list(engagement.checkups.values_list("due_on", flat=True)) == [
        dt.date(2024, 7, 15),
        dt.date(2025, 1, 15),
        dt.date(2025, 7, 15),
        dt.date(2026, 1, 15),
    ]


def test_the_start_day_is_the_organizations_local_day(cast: Cast) -> None:
    # 03:00 UTC on 1 March is still 29 February in Minnesota.
    engagement = engagement_for(cast.org, started_at=dt.datetime(2024, 3, 1, 3, 0, tzinfo=dt.UTC))
    with time_machine.travel(START, tick=False):
        checkups_schedule(engagement=engagement)
    assert engagement.checkups.first().due_on == dt.date(2024, 5, 29)  # type: ignore[union-attr]


def test_the_daily_job_schedules_cancels_on_closing_and_restores_on_reopening(cast: Cast) -> None:
    engagement = engagement_for(cast.org, started_at=START)
    other = engagement_for(cast.org, started_at=START, status=EngagementStatus.CLOSED)
    with time_machine.travel(START, tick=False):
        assert checkups_sync() == 1
        assert checkups_sync() == 0
    assert engagement.checkups.count() == 20
    assert not other.checkups.exists()

    # A year and a day later the engagement closes: the check-ups still ahead are cancelled, the past kept
    # (the fourth fell due on 15 January 2025).
    engagement.close()  # directly, not through the service, which would cancel at once: the job must catch up
    engagement.save()
    with time_machine.travel(at(dt.date(2025, 1, 16)), tick=False):
        assert checkups_sync() == 1
    statuses = dict(engagement.checkups.values_list("sequence", "status"))
    assert [statuses[n] for n in (1, 4)] == [CheckupStatus.SCHEDULED, CheckupStatus.SCHEDULED]
    assert {statuses[n] for n in range(5, 21)} == {CheckupStatus.CANCELLED}
    assert engagement.checkups.get(sequence=5).history.count() == 2

    # Reopened in the summer: the job restores what is still ahead, up to five years from the first start.
    engagement.reopen()
    engagement.save()
    with time_machine.travel(at(dt.date(2025, 6, 1)), tick=False):
        assert checkups_sync() == 1
    statuses = dict(engagement.checkups.values_list("sequence", "status"))
    assert statuses[5] == CheckupStatus.CANCELLED  # due 15 April 2025, before the reopening
    assert {statuses[n] for n in range(6, 21)} == {CheckupStatus.SCHEDULED}
    assert engagement.checkups.count() == 20


def test_reopening_after_the_organization_changes_its_interval_keeps_the_old_schedule(cast: Cast) -> None:
    engagement = engagement_for(cast.org, started_at=START, status=EngagementStatus.ACTIVE)
    with time_machine.travel(START, tick=False):
        assert checkups_schedule(engagement=engagement) == 20
    engagement.close()
    engagement.save()
    with time_machine.travel(at(dt.date(2025, 1, 16)), tick=False):
        assert checkups_cancel_future(engagement=engagement) == 16
    # The organization moves to monthly check-ups: that applies to schedules generated from now on.
    cast.org.checkup_interval_months = 1
    cast.org.save()
    engagement.reopen()
    engagement.save()
    with time_machine.travel(at(dt.date(2025, 6, 1)), tick=False):
        assert checkups_schedule(engagement=engagement) == 15  # the quarterly ones still ahead, restored
        assert checkups_sync() == 0
    assert engagement.checkups.count() == 20
    due = list(engagement.checkups.filter(status=CheckupStatus.SCHEDULED).values_list("due_on", flat=True))
    assert len(due) == len(set(due)) == 19
    assert {day.day for day in due} == {15}


def test_the_daily_job_goes_on_after_one_engagement_fails_and_retries_it_next_time(
    cast: Cast, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    unlucky = engagement_for(cast.org, started_at=START)
    other = engagement_for(cast.org, started_at=START)
    real_bulk_create = checkup_services.bulk_create_with_history

    def insert_then_fail(objs: list[Checkup], model: type[Checkup]) -> list[Checkup]:
        created = real_bulk_create(objs, model)
        if objs[0].engagement_id == unlucky.pk:
            # What a second scheduler met before the engagement's row was locked.
            raise IntegrityError('duplicate key value violates unique constraint "checkup_once_per_sequence"')
        return created

    monkeypatch.setattr(checkup_services, "bulk_create_with_history", insert_then_fail)
    with time_machine.travel(START, tick=False), caplog.at_level(logging.WARNING, logger=LOGGER):
        assert checkups_sync() == 1
    assert not unlucky.checkups.exists(), "the failed engagement's inserts are rolled back"
    assert other.checkups.count() == 20
    assert str(unlucky.public_id) in caplog.text and "IntegrityError" in caplog.text
    assert "checkup_once_per_sequence" not in caplog.text  # the error's class only, never its message

    monkeypatch.setattr(checkup_services, "bulk_create_with_history", real_bulk_create)
    with time_machine.travel(START + dt.timedelta(days=1), tick=False):
        assert checkups_sync() == 1
    assert unlucky.checkups.count() == 20


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite serializes every writer: nothing to race")
@pytest.mark.django_db(transaction=True)
def test_two_schedulers_at_once_make_one_schedule_and_neither_fails(cast: Cast) -> None:
    engagement = engagement_for(cast.org, started_at=START)
    outcome: list[str] = []

    def second_scheduler() -> None:
        try:
            outcome.append(f"created {checkups_schedule(engagement=engagement, today=START.date())}")
        except Exception as error:  # the daily job's crash this test is about
            outcome.append(f"error: {type(error).__name__}")
        finally:
            connections.close_all()

    second = threading.Thread(target=second_scheduler)
    with transaction.atomic():  # the first scheduler: its check-ups written, not yet committed
        assert checkups_schedule(engagement=engagement, today=START.date()) == 20
        second.start()
        until_waiting_or_done(second)
    second.join(timeout=30)
    assert outcome == ["created 0"]
    assert engagement.checkups.count() == 20


# Reminders ----------------------------------------------------------------------------------------------------


def test_reminders_go_out_three_days_before_once_per_channel(cast: Cast, text_outbox: list[sms.TextMessage]) -> None:
    first = scheduled(cast, preferred_name="Sample Hodan", phone="(612) 555-0142", email="hodan@example.test")
    due = first.due_on  # 15 April 2024

    with time_machine.travel(at(due - dt.timedelta(days=4)), tick=False):
        assert checkup_reminders_send() == 0
    with time_machine.travel(at(due - dt.timedelta(days=3)), tick=False):
        assert checkup_reminders_send() == 3
        assert checkup_reminders_send() == 0
    with time_machine.travel(at(due), tick=False):
        assert checkup_reminders_send() == 0

    assert set(first.reminders.values_list("channel", flat=True)) == set(ReminderChannel.values)
    assert [m.to for m in text_outbox] == ["(612) 555-0142"]
    assert sorted(m.to[0] for m in mail.outbox) == ["alice@example.test", "hodan@example.test"]
    bodies = [m.body for m in text_outbox] + [m.body + m.subject for m in mail.outbox]
    assert not any("Hodan" in body or "Riverbend" in body for body in bodies)


def test_when_the_peer_has_left_the_supervisors_are_reminded_instead(cast: Cast) -> None:
    from peerway.accounts.models import Membership

    first = scheduled(cast, phone="", email="")
    Membership.objects.filter(user=cast.alice, organization=cast.org, role="peer").update(active=False)
    with time_machine.travel(at(first.due_on - dt.timedelta(days=1)), tick=False):
        assert checkup_reminders_send() == 1
    [message] = mail.outbox
    assert message.to == [cast.sam.email]
    assert "Their peer can no longer take it" in message.body


def test_a_worker_that_was_down_still_reminds_before_the_due_date(cast: Cast) -> None:
    first = scheduled(cast, phone="", email="")
    with time_machine.travel(at(first.due_on - dt.timedelta(days=1)), tick=False):
        assert checkup_reminders_send() == 1  # the peer's email: the person gave no phone or email
    assert list(first.reminders.values_list("channel", flat=True)) == [ReminderChannel.PEER_EMAIL]


def test_a_refused_text_is_recorded_and_not_retried(cast: Cast, settings: pytest.FixtureRequest) -> None:
    settings.SMS_BACKEND = "peerway.core.sms.DisabledBackend"  # type: ignore[attr-defined]
    first = scheduled(cast, email="")
    with time_machine.travel(at(first.due_on), tick=False):
        assert checkup_reminders_send() == 1
        assert checkup_reminders_send() == 0
    text = CheckupReminder.objects.get(checkup=first, channel=ReminderChannel.PERSON_TEXT)
    assert text.delivered is False


def test_a_refused_mailbox_is_logged_without_its_address_and_holds_up_no_other_reminder(
    cast: Cast, settings: pytest.FixtureRequest, caplog: pytest.LogCaptureFixture
) -> None:
    settings.EMAIL_BACKEND = f"{__name__}.RefusingBackend"  # type: ignore[attr-defined]
    # Two check-ups due the same day, alice's first (by due date and id); her mailbox is refused.
    first = scheduled(cast, preferred_name="Sample Hodan", email="hodan@example.test")
    engagement = engagement_for(cast.org, peer=peer_for(cast.sam, cast.org), started_at=START, phone="", email="")
    with time_machine.travel(START, tick=False):
        checkups_schedule(engagement=engagement)
    with (
        time_machine.travel(at(first.due_on), tick=False),
        caplog.at_level(logging.WARNING, logger=LOGGER),
    ):
        assert checkup_reminders_send() == 3  # the person's text and email, and sam's email
    assert sorted(m.to[0] for m in mail.outbox) == ["hodan@example.test", "sam@example.test"]
    assert set(first.reminders.values_list("channel", flat=True)) == {
        ReminderChannel.PERSON_TEXT,
        ReminderChannel.PERSON_EMAIL,
    }
    assert str(first.public_id) in caplog.text and "SMTPRecipientsRefused" in caplog.text
    assert REFUSED_ADDRESS not in caplog.text and "Hodan" not in caplog.text and "Alice" not in caplog.text

    # Not recorded as sent: the next run tries alice's email again, and only it.
    cast.alice.email = "alice.new@example.test"
    cast.alice.save()
    with time_machine.travel(at(first.due_on), tick=False):
        assert checkup_reminders_send() == 1
    assert mail.outbox[-1].to == ["alice.new@example.test"]
    assert first.reminders.count() == 3


def test_cancelled_and_recorded_check_ups_are_not_reminded(cast: Cast) -> None:
    first = scheduled(cast)
    with time_machine.travel(at(first.due_on - dt.timedelta(days=2)), tick=False):
        checkup_record(checkup=first, actor=cast.alice, reached=False)
        assert checkup_reminders_send() == 0
    assert not CheckupReminder.objects.exists()


def test_the_daily_jobs_are_registered_with_the_scheduler() -> None:
    from peerway.core.scheduler import periodic_jobs

    jobs = {job.name: job for job in periodic_jobs()}
    assert jobs["checkups_sync"].every == "daily"
    assert jobs["checkup_reminders_send"].at == dt.time(9, 0)


# Recording ----------------------------------------------------------------------------------------------------


def test_recording_a_check_up_keeps_its_history_and_is_audited(cast: Cast) -> None:
    first = scheduled(cast)
    recorded = checkup_record(
        checkup=first,
        actor=cast.alice,
        reached=True,
        wellbeing=Wellbeing.DOING_WELL,
        recovery_capital=52,
        next_steps="Sample: call again after the new job starts.",
    )
    assert recorded.status == CheckupStatus.RECORDED
    assert recorded.recorded_by == cast.alice
    assert recorded.history.count() == 2
    assert not HelpRequest.objects.exists()
    event = AccessEvent.objects.get(action=AccessAction.CHANGED)
    assert event.subject_id == first.engagement.participant.public_id
    assert event.actor_role == "peer"


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"reached": True}, "wellbeing"),
        ({"reached": True, "wellbeing": "fine"}, "wellbeing"),
        ({"reached": True, "wellbeing": Wellbeing.DOING_WELL, "recovery_capital": 9}, "recovery_capital"),
        ({"reached": True, "wellbeing": Wellbeing.DOING_WELL, "recovery_capital": 61}, "recovery_capital"),
        ({"reached": True, "wellbeing": Wellbeing.DOING_WELL, "relink_kind": RelinkKind.REQUEST}, "relink_kind"),
        ({"reached": True, "wellbeing": Wellbeing.STRUGGLING, "relink_kind": "hope"}, "relink_kind"),
        ({"reached": False, "wellbeing": Wellbeing.DOING_WELL}, "__all__"),
        ({"reached": False, "recovery_capital": 30}, "__all__"),
    ],
)
def test_invalid_recordings_are_refused_by_field(cast: Cast, kwargs: dict[str, object], field: str) -> None:
    first = scheduled(cast)
    with pytest.raises(ValidationError) as error:
        checkup_record(checkup=first, actor=cast.alice, **kwargs)  # type: ignore[arg-type]
    assert field in error.value.message_dict
    first.refresh_from_db()
    assert first.status == CheckupStatus.SCHEDULED


def test_a_check_up_is_recorded_once_and_never_when_cancelled(cast: Cast) -> None:
    first = scheduled(cast)
    checkup_record(checkup=first, actor=cast.alice, reached=False)
    with pytest.raises(ValidationError, match="already recorded"):
        checkup_record(checkup=first, actor=cast.alice, reached=False)
    second = first.engagement.checkups.get(sequence=2)
    Checkup.objects.filter(pk=second.pk).update(status=CheckupStatus.CANCELLED)
    with pytest.raises(ValidationError):
        checkup_record(checkup=second, actor=cast.alice, reached=False)


def test_only_the_organizations_peers_supervisors_and_admins_record(cast: Cast) -> None:
    first = scheduled(cast)
    for user in (cast.bill, cast.olive, cast.nobody, cast.analyst):
        with pytest.raises(PermissionError):
            checkup_record(checkup=first, actor=user, reached=False)
    checkup_record(checkup=first, actor=cast.sam, reached=False)


# Re-linking -------------------------------------------------------------------------------------------------


def test_struggling_creates_a_priority_request_offered_to_the_previous_peer_first(cast: Cast) -> None:
    first = scheduled(cast)
    engagement = first.engagement
    other = peer_profile(cast.org, name="Quinn")

    recorded = checkup_record(checkup=first, actor=cast.alice, reached=True, wellbeing=Wellbeing.STRUGGLING)

    request = recorded.relink_request
    assert request is not None
    assert recorded.relink_kind == RelinkKind.REQUEST
    assert (request.priority, request.source, request.preferred_peer) == (True, RequestSource.RELINK, engagement.peer)
    assert request.phone == engagement.participant.phone
    assert AccessEvent.objects.filter(subject_id=request.public_id, action=AccessAction.CREATED).exists()

    offers = request_route(request_id=request.pk)
    assert [offer.peer for offer in offers] == [engagement.peer]

    # Nobody accepts within the window: the offer widens to the best match.
    assert request_escalate(request_id=request.pk, now=timezone.now() + dt.timedelta(hours=1))
    assert set(request.offers.filter(status=OfferStatus.OFFERED).values_list("peer", flat=True)) == {
        engagement.peer.pk,
        other.pk,
    }


def test_accepting_a_re_link_continues_the_same_persons_record(cast: Cast) -> None:
    first = scheduled(cast)
    recorded = checkup_record(checkup=first, actor=cast.alice, reached=True, wellbeing=Wellbeing.WANTS_RECONNECT)
    request = recorded.relink_request
    assert request is not None
    request_route(request_id=request.pk)
    people = Participant.objects.count()

    engagement = request_accept(request=request, peer=first.engagement.peer)

    assert engagement.participant == first.engagement.participant
    assert Participant.objects.count() == people
    assert engagement.participant.engagements.count() == 2


@pytest.mark.parametrize("unavailable", ["off_shift", "full"])
def test_when_the_previous_peer_cannot_take_them_the_best_match_is_offered(cast: Cast, unavailable: str) -> None:
    first = scheduled(cast)
    previous = first.engagement.peer
    if unavailable == "off_shift":
        previous.on_shift = False
    else:
        previous.caseload_limit = 0
    previous.save()
    other = peer_profile(cast.org, name="Quinn")
    # A better match on paper in another organization: the person's record is not theirs to see.
    outsider = peer_profile(cast.other_org, name="Oscar", communities=("somali",))

    recorded = checkup_record(checkup=first, actor=cast.sam, reached=True, wellbeing=Wellbeing.STRUGGLING)
    request = recorded.relink_request
    assert request is not None
    offers = request_route(request_id=request.pk)

    assert [offer.peer for offer in offers] == [other]
    assert request_escalate(request_id=request.pk, now=timezone.now() + dt.timedelta(hours=1))
    assert not request.offers.filter(peer=outsider).exists()


def test_a_re_link_nobody_in_the_organization_can_take_waits_for_them(cast: Cast) -> None:
    first = scheduled(cast)
    first.engagement.peer.caseload_limit = 0
    first.engagement.peer.save()
    peer_profile(cast.other_org, name="Oscar")

    recorded = checkup_record(checkup=first, actor=cast.sam, reached=True, wellbeing=Wellbeing.STRUGGLING)
    request = recorded.relink_request
    assert request is not None

    assert request_route(request_id=request.pk) == []
    request.refresh_from_db()
    # The person's peer is full and the only free peer works elsewhere: no one in the organization has room.
    assert request.routing_note["code"] == "no_capacity"
    assert not request.offers.exists()


def test_a_referral_to_treatment_is_recorded_without_a_request(cast: Cast) -> None:
    first = scheduled(cast)
    recorded = checkup_record(
        checkup=first,
        actor=cast.alice,
        reached=True,
        wellbeing=Wellbeing.STRUGGLING,
        relink_kind=RelinkKind.TREATMENT_REFERRAL,
        next_steps="Sample: withdrawal management intake on Monday.",
    )
    assert recorded.relink_kind == RelinkKind.TREATMENT_REFERRAL
    assert recorded.relink_request is None
    assert not HelpRequest.objects.exists()


def test_in_crisis_alerts_the_supervisors_without_personal_details(
    cast: Cast, django_capture_on_commit_callbacks: CaptureOnCommit
) -> None:
    first = scheduled(cast, preferred_name="Sample Hodan")
    with django_capture_on_commit_callbacks(execute=True):
        recorded = checkup_record(checkup=first, actor=cast.alice, reached=True, wellbeing=Wellbeing.IN_CRISIS)
    assert recorded.supervisors_alerted_at is not None
    assert [m.to for m in mail.outbox] == [["sam@example.test"]]
    assert "988" in mail.outbox[0].body
    assert "Hodan" not in mail.outbox[0].body + mail.outbox[0].subject
    assert not HelpRequest.objects.exists()


def test_in_crisis_without_a_supervisor_the_administrators_are_alerted(
    cast: Cast, django_capture_on_commit_callbacks: CaptureOnCommit
) -> None:
    Membership.objects.filter(organization=cast.org, role="supervisor").update(active=False)
    first = scheduled(cast)
    with django_capture_on_commit_callbacks(execute=True):
        recorded = checkup_record(checkup=first, actor=cast.alice, reached=True, wellbeing=Wellbeing.IN_CRISIS)
    assert recorded.supervisors_alerted_at is not None
    assert [m.to for m in mail.outbox] == [["ada@example.test"]]
    assert "988" in mail.outbox[0].body


def test_in_crisis_the_alert_skips_supervisors_without_an_email_address(
    cast: Cast, django_capture_on_commit_callbacks: CaptureOnCommit
) -> None:
    from tests.factories import MembershipFactory, UserFactory

    MembershipFactory(user=UserFactory(username="sid", email=""), organization=cast.org, role="supervisor")
    first = scheduled(cast)
    with django_capture_on_commit_callbacks(execute=True):
        checkup_record(checkup=first, actor=cast.alice, reached=True, wellbeing=Wellbeing.IN_CRISIS)
    assert [m.to for m in mail.outbox] == [["sam@example.test"]]


# Pages ------------------------------------------------------------------------------------------------------


def test_the_check_up_page_shows_the_schedule_and_wellness_and_is_audited(cast: Cast, client) -> None:  # type: ignore[no-untyped-def]
    first = scheduled(cast, preferred_name="Sample Nimco")
    client.force_login(cast.alice)
    with time_machine.travel(at(dt.date(2024, 3, 1)), tick=False):
        response = client.get(reverse("recovery:checkup_list", args=[first.engagement.public_id]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Sample Nimco" in html and "Sustained wellness" in html and "Record the check-up" in html
    assert response["Cache-Control"] == "no-store, private"
    event = AccessEvent.objects.get(action=AccessAction.VIEWED)
    assert event.subject_id == first.engagement.participant.public_id


def test_a_bad_score_comes_back_with_the_error_and_what_was_typed(cast: Cast, client) -> None:  # type: ignore[no-untyped-def]
    first = scheduled(cast)
    client.force_login(cast.alice)
    url = reverse("recovery:checkup_record", args=[first.engagement.public_id, first.public_id])
    response = client.post(
        url, {"reached": "yes", "wellbeing": "doing_well", "recovery_capital": "70", "next_steps": "Sample typed"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'value="70"' in html and "Sample typed" in html
    first.refresh_from_db()
    assert first.status == CheckupStatus.SCHEDULED


def test_recording_in_crisis_shows_the_crisis_lines(cast: Cast, client) -> None:  # type: ignore[no-untyped-def]
    first = scheduled(cast)
    client.force_login(cast.alice)
    url = reverse("recovery:checkup_record", args=[first.engagement.public_id, first.public_id])
    response = client.post(url, {"reached": "yes", "wellbeing": "in_crisis"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'href="tel:988"' in html and 'href="tel:911"' in html


def test_recording_struggling_redirects_and_the_supervisor_sees_the_re_link(cast: Cast, client) -> None:  # type: ignore[no-untyped-def]
    first = scheduled(cast, preferred_name="Sample Ayaan")
    client.force_login(cast.alice)
    url = reverse("recovery:checkup_record", args=[first.engagement.public_id, first.public_id])
    response = client.post(url, {"reached": "yes", "wellbeing": "struggling", "relink_kind": "request"})
    assert response.status_code == 302
    assert HelpRequest.objects.get().priority

    supervisor = type(client)()
    supervisor.force_login(cast.sam)
    page = supervisor.get(reverse("recovery:checkup_relinks"))
    assert page.status_code == 200
    assert "Sample Ayaan" in page.content.decode()
    listed = AccessEvent.objects.get(action=AccessAction.LISTED)
    assert listed.subject_id == first.engagement.participant.public_id
    assert listed.actor == cast.sam

    # Another organization's supervisor sees nothing of it.
    outsider = type(client)()
    outsider.force_login(cast.olive)
    assert "Sample Ayaan" not in outsider.get(reverse("recovery:checkup_relinks")).content.decode()


def test_closing_and_reopening_through_the_service_reschedules_at_once(cast: Cast) -> None:
    from peerway.recovery.services.engagements import engagement_transition

    alice = peer_for(cast.alice, cast.org)
    engagement = engagement_for(cast.org, peer=alice, started_at=START, status=EngagementStatus.ACTIVE)
    with time_machine.travel(START, tick=False):
        checkups_schedule(engagement=engagement)
    with time_machine.travel(at(dt.date(2025, 1, 16)), tick=False):
        engagement = engagement_transition(engagement=engagement, action="close", actor=cast.sam)
        cancelled = engagement.checkups.filter(status=CheckupStatus.CANCELLED).count()
        assert cancelled == 16
        assert checkups_sync() == 0  # nothing left for the daily job
    with time_machine.travel(at(dt.date(2025, 6, 1)), tick=False):
        engagement = engagement_transition(engagement=engagement, action="reopen", actor=cast.sam)
        assert engagement.checkups.filter(status=CheckupStatus.CANCELLED).count() < cancelled
        assert checkups_sync() == 0


def test_a_check_in_of_the_last_thirty_days_gives_a_reached_check_up_its_score(cast: Cast) -> None:
    from peerway.recovery.services.checkins import checkin_record_by_staff
    from tests.recovery.test_checkins import answers, peerway_instrument

    first = scheduled(cast)
    participant = first.engagement.participant
    checkin_record_by_staff(
        participant=participant, instrument=peerway_instrument(), answers=answers(*[5] * 10), actor=cast.alice
    )
    recorded = checkup_record(checkup=first, actor=cast.alice, reached=True, wellbeing=Wellbeing.DOING_WELL)
    assert recorded.recovery_capital == 50
    # A score taken on the call wins; an old check-in does not count.
    second = first.engagement.checkups.get(sequence=2)
    assert (
        checkup_record(
            checkup=second, actor=cast.alice, reached=True, wellbeing=Wellbeing.DOING_WELL, recovery_capital=40
        ).recovery_capital
        == 40
    )
    with time_machine.travel(dt.datetime.now(tz=dt.UTC) + dt.timedelta(days=31)):
        third = first.engagement.checkups.get(sequence=3)
        recorded = checkup_record(checkup=third, actor=cast.alice, reached=True, wellbeing=Wellbeing.DOING_WELL)
    assert recorded.recovery_capital is None


def test_a_referral_to_treatment_goes_on_to_choose_a_treatment_resource(cast: Cast, client) -> None:  # type: ignore[no-untyped-def]
    from peerway.resources.models import Resource

    Resource.objects.create(name="Sample Withdrawal Unit", category="withdrawal_management")
    Resource.objects.create(name="Sample MOUD Clinic", category="moud")
    Resource.objects.create(name="Sample Food Shelf", category="food")
    first = scheduled(cast)
    client.force_login(cast.alice)
    url = reverse("recovery:checkup_record", args=[first.engagement.public_id, first.public_id])
    response = client.post(url, {"reached": "yes", "wellbeing": "struggling", "relink_kind": "treatment_referral"})
    assert response.status_code == 302 and response["Location"].endswith("/referrals/?for=treatment")
    page = client.get(response["Location"]).content.decode()
    assert "Sample Withdrawal Unit" in page and "Sample MOUD Clinic" in page
    assert "Sample Food Shelf" not in page
    assert not HelpRequest.objects.exists()


def test_a_crisis_alert_is_sent_only_once_the_check_up_is_stored(
    cast: Cast, django_capture_on_commit_callbacks: CaptureOnCommit
) -> None:
    first = scheduled(cast)
    with django_capture_on_commit_callbacks() as callbacks:
        checkup_record(checkup=first, actor=cast.alice, reached=True, wellbeing=Wellbeing.IN_CRISIS)
    assert mail.outbox == [] and len(callbacks) == 1
    callbacks[0]()
    assert [m.to for m in mail.outbox] == [["sam@example.test"]]
