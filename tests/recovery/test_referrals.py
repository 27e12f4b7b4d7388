"""Closed-loop referrals: lifecycle through services, history, audit, pages and follow-up reminders."""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
import threading
from collections.abc import Sequence
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.mail import EmailMessage
from django.core.mail.backends.locmem import EmailBackend
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from peerway.accounts.models import User
from peerway.core import scheduler
from peerway.core.models import AccessEvent
from peerway.recovery.models import Engagement, Referral, ReferralStatus
from peerway.recovery.selectors.referrals import referrals_due_for_user
from peerway.recovery.services import engagement_transition
from peerway.recovery.services.referrals import (
    ReferralRefused,
    referral_create,
    referral_transition,
    referrals_remind_due,
)
from peerway.resources.models import Resource
from peerway.resources.tasks import referral_follow_up_reminders_task
from peerway.workforce.models import PeerProfile
from tests.core.batch_worker import run_worker_batch
from tests.factories import ParticipantFactory
from tests.helpers import Cast, assert_staff_view_guarded

pytestmark = pytest.mark.django_db
CHICAGO = ZoneInfo("America/Chicago")
REFUSED_ADDRESS = "olive@example.com"


class RefusingBackend(EmailBackend):
    """Refuses one mailbox, as an SMTP server refuses an address that no longer exists."""

    def send_messages(self, messages: Sequence[EmailMessage]) -> int:
        for message in messages:
            refused = {address: (550, b"No such user") for address in message.to if address == REFUSED_ADDRESS}
            if refused:
                raise smtplib.SMTPRecipientsRefused(refused)
        return super().send_messages(messages)


def engagement_for(cast: Cast, *, name: str = "Sample Hodan", other: bool = False) -> Engagement:
    user = cast.olive if other else cast.alice
    organization = cast.other_org if other else cast.org
    peer, _ = PeerProfile.objects.get_or_create(
        user=user, defaults={"organization": organization, "display_name": user.first_name, "modalities": ["phone"]}
    )
    participant = ParticipantFactory(organization=organization, preferred_name=name)
    return Engagement.objects.create(
        participant=participant, organization=organization, peer=peer, program="rco", started_at=timezone.now()
    )


def fresh(referral: Referral) -> Referral:
    # The status field is protected (changes go through services), so refresh_from_db cannot set it.
    return Referral.objects.get(pk=referral.pk)


def shared_resource(name: str = "Sample Food Shelf") -> Resource:
    return Resource.objects.create(name=name, category="food", phone="(612) 555-0150")


def referral_in(state: str, cast: Cast) -> Referral:
    referral = referral_create(engagement=engagement_for(cast), resource=shared_resource(), actor=cast.alice)
    steps = {
        "sent": [],
        "acknowledged": ["acknowledge"],
        "completed": ["acknowledge", "complete"],
        "declined": ["decline"],
    }[state]
    for step in steps:
        referral = referral_transition(referral=referral, action=step, actor=cast.alice)
    assert referral.status == state
    return referral


# Lifecycle ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "action", "end"),
    [
        ("sent", "acknowledge", "acknowledged"),
        ("sent", "decline", "declined"),
        ("acknowledged", "complete", "completed"),
        ("acknowledged", "decline", "declined"),
    ],
)
def test_every_allowed_transition(cast: Cast, start: str, action: str, end: str) -> None:
    referral = referral_in(start, cast)
    changed = referral_transition(referral=referral, action=action, actor=cast.alice, outcome_note="Went on Tuesday")
    changed = fresh(changed)
    assert changed.status == end
    assert changed.outcome_note == "Went on Tuesday"
    if action == "acknowledge":
        assert changed.acknowledged_at is not None and changed.closed_at is None
    else:
        assert changed.closed_at is not None
    assert [h.status for h in changed.history.order_by("history_id")][-1] == end


@pytest.mark.parametrize(
    ("start", "action", "message"),
    [
        ("sent", "complete", "must be acknowledged by the resource before it can be marked completed"),
        ("acknowledged", "acknowledge", "already acknowledged"),
        ("completed", "acknowledge", "already completed; it can no longer change"),
        ("completed", "complete", "already completed; it can no longer change"),
        ("completed", "decline", "already completed; it can no longer change"),
        ("declined", "acknowledge", "already declined; it can no longer change"),
        ("declined", "complete", "already declined; it can no longer change"),
        ("declined", "decline", "already declined; it can no longer change"),
        ("sent", "reopen", "Unknown action"),
    ],
)
def test_every_refused_transition_says_why_and_changes_nothing(
    cast: Cast, start: str, action: str, message: str
) -> None:
    referral = referral_in(start, cast)
    versions = referral.history.count()
    with pytest.raises(ReferralRefused, match=message):
        referral_transition(referral=referral, action=action, actor=cast.alice, outcome_note="x")
    referral = fresh(referral)
    assert referral.status == start
    assert referral.history.count() == versions


def test_history_keeps_every_step_and_the_outcome_is_encrypted(cast: Cast) -> None:
    referral = referral_in("sent", cast)
    referral_transition(referral=referral, action="acknowledge", actor=cast.alice)
    referral_transition(referral=referral, action="complete", actor=cast.alice, outcome_note="Has a bed tonight")
    assert [h.status for h in referral.history.order_by("history_id")] == ["sent", "acknowledged", "completed"]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT outcome_note FROM {Referral._meta.db_table} WHERE id = %s", [referral.pk])
        raw = cursor.fetchone()[0]
    assert "Has a bed tonight" not in str(raw)


def test_a_referral_is_created_with_an_access_event_and_only_to_a_visible_resource(cast: Cast) -> None:
    engagement = engagement_for(cast)
    referral = referral_create(
        engagement=engagement, resource=shared_resource(), actor=cast.alice, note="Needs groceries"
    )
    assert referral.status == ReferralStatus.SENT
    assert AccessEvent.objects.filter(subject_id=engagement.participant.public_id, action="created").count() == 1
    theirs = Resource.objects.create(name="Prairie Only", category="legal", organization=cast.other_org)
    with pytest.raises(ReferralRefused, match="not in your organization's directory"):
        referral_create(engagement=engagement, resource=theirs, actor=cast.alice)
    with pytest.raises(ReferralRefused, match="cannot be in the past"):
        referral_create(
            engagement=engagement,
            resource=shared_resource("Other"),
            actor=cast.alice,
            follow_up_on=timezone.localdate() - dt.timedelta(days=1),
        )
    assert Referral.objects.count() == 1


# Reminders ------------------------------------------------------------------------------------------------


def test_a_peer_who_has_left_is_not_reminded_the_supervisors_are_in_one_email(cast: Cast) -> None:
    from peerway.accounts.models import Membership
    from tests.factories import MembershipFactory, UserFactory

    sue = UserFactory(username="sue")
    MembershipFactory(user=sue, organization=cast.org, role="supervisor")
    today = timezone.localdate()
    for name in ("Sample One", "Sample Two"):
        referral_create(
            engagement=engagement_for(cast, name=name), resource=shared_resource(), actor=cast.alice, follow_up_on=today
        )
    Membership.objects.filter(user=cast.alice, organization=cast.org, role="peer").update(active=False)
    assert referrals_remind_due() == 2
    [message] = mail.outbox
    assert sorted(message.to) == sorted([cast.sam.email, sue.email])
    assert "2 referrals made by a peer who can no longer follow them up" in message.body
    assert "Sample" not in message.body


def test_the_peer_is_emailed_once_when_a_referral_becomes_due(cast: Cast) -> None:
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 0, tzinfo=CHICAGO), tick=False):
        referral = referral_create(
            engagement=engagement_for(cast, name="Sample Private Name"),
            resource=shared_resource("Sample Secret Clinic"),
            actor=cast.alice,
            follow_up_on=dt.date(2026, 3, 9),
        )
        closed = referral_create(
            engagement=engagement_for(cast),
            resource=shared_resource(),
            actor=cast.alice,
            follow_up_on=dt.date(2026, 3, 9),
        )
        referral_transition(referral=closed, action="decline", actor=cast.alice)
    with time_machine.travel(dt.datetime(2026, 3, 8, 23, 0, tzinfo=CHICAGO), tick=False):
        assert referrals_remind_due() == 0
    assert mail.outbox == []
    with time_machine.travel(dt.datetime(2026, 3, 9, 8, 30, tzinfo=CHICAGO), tick=False):
        assert referrals_remind_due() == 1
        assert referrals_remind_due() == 0
    with time_machine.travel(dt.datetime(2026, 3, 12, 8, 30, tzinfo=CHICAGO), tick=False):
        assert referrals_remind_due() == 0
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [cast.alice.email]
    assert "1 referral you made is due" in message.body and "/staff/referrals/due/" in message.body
    for secret in ("Sample Private Name", "Sample Secret Clinic", str(referral.public_id)):
        assert secret not in message.body and secret not in message.subject
    # A new follow-up date is reminded once again when it comes.
    with time_machine.travel(dt.datetime(2026, 3, 12, 9, 0, tzinfo=CHICAGO), tick=False):
        referral_transition(
            referral=referral, action="acknowledge", actor=cast.alice, follow_up_on=dt.date(2026, 3, 20)
        )
    with time_machine.travel(dt.datetime(2026, 3, 20, 8, 30, tzinfo=CHICAGO), tick=False):
        assert referrals_remind_due() == 1
    assert len(mail.outbox) == 2


def test_a_closed_engagements_referrals_are_not_reminded_until_it_reopens(cast: Cast) -> None:
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 0, tzinfo=CHICAGO), tick=False):
        engagement = engagement_for(cast)
        referral_create(
            engagement=engagement, resource=shared_resource(), actor=cast.alice, follow_up_on=dt.date(2026, 3, 9)
        )
        engagement_transition(engagement=engagement, action="close", actor=cast.alice)
    with time_machine.travel(dt.datetime(2026, 3, 9, 8, 30, tzinfo=CHICAGO), tick=False):
        assert referrals_remind_due() == 0
        assert referrals_due_for_user(cast.alice, today=dt.date(2026, 3, 9)) == []
    assert mail.outbox == []
    with time_machine.travel(dt.datetime(2026, 3, 10, 9, 0, tzinfo=CHICAGO), tick=False):
        engagement_transition(engagement=engagement, action="reopen", actor=cast.alice)
    with time_machine.travel(dt.datetime(2026, 3, 11, 8, 30, tzinfo=CHICAGO), tick=False):
        assert referrals_remind_due() == 1
    assert len(mail.outbox) == 1


def test_the_daily_job_is_scheduled_and_sends_the_reminders(cast: Cast) -> None:
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 0, tzinfo=CHICAGO), tick=False):
        referral_create(
            engagement=engagement_for(cast),
            resource=shared_resource(),
            actor=cast.alice,
            follow_up_on=dt.date(2026, 3, 3),
        )
    jobs = {job.name: job for job in scheduler.periodic_jobs()}
    assert jobs["referral_follow_up_reminders"].every == "daily"
    with time_machine.travel(dt.datetime(2026, 3, 3, 7, 59, tzinfo=CHICAGO), tick=False):
        assert "referral_follow_up_reminders" not in scheduler.scheduler_tick()
    with time_machine.travel(dt.datetime(2026, 3, 3, 8, 0, tzinfo=CHICAGO), tick=False):
        assert "referral_follow_up_reminders" in scheduler.scheduler_tick()
        assert "referral_follow_up_reminders" not in scheduler.scheduler_tick()
        assert referral_follow_up_reminders_task.call() == 1
    assert len(mail.outbox) == 1


def _due_for_alice_and_olive(cast: Cast, *, olive_first: bool) -> None:
    """One referral due on 3 March 2026 for Alice and one for Olive, whose mailbox the server refuses."""
    cast.olive.email = REFUSED_ADDRESS
    cast.olive.save()
    peers = [(cast.alice, False, "A"), (cast.olive, True, "B")]
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 0, tzinfo=CHICAGO), tick=False):
        for actor, other, name in reversed(peers) if olive_first else peers:
            referral_create(
                engagement=engagement_for(cast, other=other),
                resource=shared_resource(name),
                actor=actor,
                follow_up_on=dt.date(2026, 3, 3),
            )


def _remind_daily(first_day: int, last_day: int) -> None:
    for day in range(first_day, last_day + 1):
        with time_machine.travel(dt.datetime(2026, 3, day, 8, 0, tzinfo=CHICAGO), tick=False):
            referrals_remind_due()


@pytest.mark.parametrize("olive_first", [False, True], ids=["refused-last", "refused-first"])
def test_a_refused_address_neither_repeats_nor_blocks_other_peers_reminders(
    cast: Cast, settings: pytest.FixtureRequest, olive_first: bool
) -> None:
    settings.EMAIL_BACKEND = "tests.recovery.test_referrals.RefusingBackend"  # type: ignore[attr-defined]
    _due_for_alice_and_olive(cast, olive_first=olive_first)
    _remind_daily(3, 5)
    assert [m.to for m in mail.outbox] == [[cast.alice.email]]
    assert list(Referral.objects.filter(reminder_sent_at__isnull=False).values_list("created_by", flat=True)) == [
        cast.alice.pk
    ]


def test_a_failed_reminder_is_logged_without_the_address_and_retried_alone_on_the_next_run(
    cast: Cast, settings: pytest.FixtureRequest, caplog: pytest.LogCaptureFixture
) -> None:
    settings.EMAIL_BACKEND = "tests.recovery.test_referrals.RefusingBackend"  # type: ignore[attr-defined]
    _due_for_alice_and_olive(cast, olive_first=True)
    with (
        caplog.at_level(logging.WARNING, logger="peerway.recovery.services.referrals"),
        time_machine.travel(dt.datetime(2026, 3, 3, 8, 0, tzinfo=CHICAGO), tick=False),
    ):
        assert referrals_remind_due() == 1
    assert "SMTPRecipientsRefused" in caplog.text and str(cast.olive.public_id) in caplog.text
    assert REFUSED_ADDRESS not in caplog.text and "Olive" not in caplog.text
    cast.olive.email = "olive.new@example.com"
    cast.olive.save()
    with time_machine.travel(dt.datetime(2026, 3, 4, 8, 0, tzinfo=CHICAGO), tick=False):
        assert referrals_remind_due() == 1
    assert [m.to for m in mail.outbox] == [[cast.alice.email], ["olive.new@example.com"]]


@pytest.mark.django_db(transaction=True)
def test_concurrent_reminder_runs_on_postgresql_email_each_peer_once(cast: Cast) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("Concurrent connections need PostgreSQL (the SQLite test database lives in one process).")
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 0, tzinfo=CHICAGO), tick=False):
        for index in range(3):
            referral_create(
                engagement=engagement_for(cast, name=f"Sample {index}"),
                resource=shared_resource(f"R{index}"),
                actor=cast.alice,
                follow_up_on=dt.date(2026, 3, 3),
            )
        referral_create(
            engagement=engagement_for(cast, other=True),
            resource=shared_resource("B"),
            actor=cast.olive,
            follow_up_on=dt.date(2026, 3, 3),
        )
    runs = 6
    counts: list[int] = []
    errors: list[BaseException] = []
    start = threading.Barrier(runs)

    def run() -> None:
        try:
            start.wait(timeout=10)
            counts.append(referrals_remind_due(now=dt.datetime(2026, 3, 3, 8, 0, tzinfo=CHICAGO)))
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()  # this thread's own connection

    threads = [threading.Thread(target=run) for _ in range(runs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors, errors
    assert sum(counts) == 4
    assert sorted(m.to[0] for m in mail.outbox) == sorted([cast.alice.email, cast.olive.email])


def test_a_follow_up_set_for_today_after_the_daily_run_is_emailed_that_day(
    cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    with time_machine.travel(dt.datetime(2026, 3, 3, 8, 0, tzinfo=CHICAGO), tick=False):
        assert "referral_follow_up_reminders" in scheduler.scheduler_tick()
        run_worker_batch(monkeypatch, "--no-scheduler")
    assert mail.outbox == []
    with time_machine.travel(dt.datetime(2026, 3, 3, 10, 0, tzinfo=CHICAGO), tick=False):
        # The form's promise: "You get one email on this day if the referral is still open."
        referral_create(
            engagement=engagement_for(cast),
            resource=shared_resource(),
            actor=cast.alice,
            follow_up_on=dt.date(2026, 3, 3),
        )
        run_worker_batch(monkeypatch, "--no-scheduler")
    assert [m.to for m in mail.outbox] == [[cast.alice.email]]
    with time_machine.travel(dt.datetime(2026, 3, 4, 8, 0, tzinfo=CHICAGO), tick=False):
        assert referrals_remind_due() == 0
    assert len(mail.outbox) == 1


def test_a_follow_up_moved_to_today_after_the_daily_run_is_emailed_that_day(
    cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 0, tzinfo=CHICAGO), tick=False):
        referral = referral_create(engagement=engagement_for(cast), resource=shared_resource(), actor=cast.alice)
    with time_machine.travel(dt.datetime(2026, 3, 3, 9, 0, tzinfo=CHICAGO), tick=False):
        assert "referral_follow_up_reminders" in scheduler.scheduler_tick()
        run_worker_batch(monkeypatch, "--no-scheduler")
        referral_transition(referral=referral, action="acknowledge", actor=cast.alice, follow_up_on=dt.date(2026, 3, 3))
        run_worker_batch(monkeypatch, "--no-scheduler")
    assert [m.to for m in mail.outbox] == [[cast.alice.email]]


def test_a_follow_up_for_today_before_the_daily_run_or_for_later_queues_nothing_extra(cast: Cast) -> None:
    with time_machine.travel(dt.datetime(2026, 3, 3, 7, 0, tzinfo=CHICAGO), tick=False):
        referral_create(
            engagement=engagement_for(cast),
            resource=shared_resource(),
            actor=cast.alice,
            follow_up_on=dt.date(2026, 3, 3),
        )
    reminder_runs = DBTaskResult.objects.filter(task_path=referral_follow_up_reminders_task.module_path)
    assert not reminder_runs.exists()  # the 08:00 run will find it
    with time_machine.travel(dt.datetime(2026, 3, 3, 8, 0, tzinfo=CHICAGO), tick=False):
        assert "referral_follow_up_reminders" in scheduler.scheduler_tick()
    with time_machine.travel(dt.datetime(2026, 3, 3, 10, 0, tzinfo=CHICAGO), tick=False):
        referral_create(
            engagement=engagement_for(cast, name="Sample Later"),
            resource=shared_resource("Later"),
            actor=cast.alice,
            follow_up_on=dt.date(2026, 3, 4),
        )
    assert reminder_runs.count() == 1  # the scheduler's own run only


# Pages ----------------------------------------------------------------------------------------------------


def test_the_referrals_page_is_an_audited_read(cast: Cast) -> None:
    engagement = engagement_for(cast, name="Sample Ayaan")
    referral_create(engagement=engagement, resource=shared_resource("Sample Pantry"), actor=cast.alice)
    url = reverse("recovery:engagement_referrals", args=[engagement.public_id])
    AccessEvent.objects.all().delete()
    client = Client()
    client.force_login(cast.bill)
    body = client.get(url).content.decode()
    assert "Sample Ayaan" in body and "Sample Pantry" in body
    events = AccessEvent.objects.filter(subject_id=engagement.participant.public_id)
    assert [(e.action, e.actor_role, e.reason) for e in events] == [("viewed", "billing", "referrals")]


def test_a_peer_refers_from_the_page_and_a_refused_step_shows_its_message(cast: Cast) -> None:
    engagement = engagement_for(cast)
    resource = shared_resource("Sample Pantry")
    client = Client()
    client.force_login(cast.alice)
    url = reverse("recovery:engagement_referrals", args=[engagement.public_id])
    past = (timezone.localdate() - dt.timedelta(days=2)).isoformat()
    response = client.post(url, {"resource": str(resource.public_id), "note": "Kept text", "follow_up_on": past})
    assert response.status_code == 400
    body = response.content.decode()
    assert "cannot be in the past" in body and "Kept text" in body
    assert not Referral.objects.exists()

    response = client.post(url, {"resource": str(resource.public_id), "note": "Needs food"})
    assert response.status_code == 302
    referral = Referral.objects.get()
    assert referral.note == "Needs food" and referral.created_by == cast.alice

    # A refused step comes back on the page, its reason above the form and the outcome note as typed.
    transition = reverse("recovery:referral_transition", args=[referral.public_id])
    response = client.post(transition, {"action": "complete", "outcome_note": "Has a bed tonight"})
    assert response.status_code == 400
    body = " ".join(response.content.decode().split())
    assert '<div class="form-errors" role="alert"> <ul><li>A referral must be acknowledged by the resource' in body
    assert "Has a bed tonight</textarea>" in body
    assert '<option value="complete" selected>' in body
    assert fresh(referral).status == "sent"
    # The referral form of the page answered at the step's address still posts to the page's own.
    assert f'<form method="post" action="{url}" class="form">' in body
    response = client.post(transition, {"action": "acknowledge", "outcome_note": "Called them"})
    assert response.status_code == 302 and response["Location"] == url
    referral = fresh(referral)
    assert referral.status == "acknowledged" and referral.outcome_note == "Called them"


OUTCOME = "Called Sample Shelter: a bed frees up Friday"


@pytest.mark.parametrize(
    ("field", "days_ahead", "outcome_note", "error"),
    [
        ("follow_up_on", -1, OUTCOME, "The follow-up date cannot be in the past."),
        ("outcome_note", None, OUTCOME + "." * (2001 - len(OUTCOME)), "Ensure this value has at most 2000 characters"),
    ],
)
def test_a_bad_outcome_comes_back_with_its_error_next_to_the_field_and_what_was_typed(
    cast: Cast, field: str, days_ahead: int | None, outcome_note: str, error: str
) -> None:
    engagement = engagement_for(cast, name="Sample Ayaan")
    referral = referral_create(engagement=engagement, resource=shared_resource(), actor=cast.alice)
    other = referral_create(engagement=engagement, resource=shared_resource("Sample Pantry"), actor=cast.alice)
    follow_up_on = "" if days_ahead is None else (timezone.localdate() + dt.timedelta(days=days_ahead)).isoformat()
    AccessEvent.objects.all().delete()
    client = Client()
    client.force_login(cast.alice)
    response = client.post(
        reverse("recovery:referral_transition", args=[referral.public_id]),
        {"action": "decline", "outcome_note": outcome_note, "follow_up_on": follow_up_on},
    )
    assert response.status_code == 400
    body = " ".join(response.content.decode().split())
    field_id = f"{field}-{referral.public_id}"
    assert f'<ul class="field-errors" id="{field_id}_error"><li>{error}' in body
    assert f'aria-invalid="true" aria-describedby="{field_id}_error" id="{field_id}"' in body
    assert f"{outcome_note}</textarea>" in body
    if follow_up_on:
        assert f'value="{follow_up_on}"' in body
    assert '<option value="decline" selected>' in body
    assert body.count("<details open>") == 1  # the form that failed is open; the other referral's is empty
    assert f'id="outcome_note-{other.public_id}"> </textarea>' in body
    assert "Sample Ayaan" in body and "Sample Pantry" in body
    referral = fresh(referral)
    assert (referral.status, referral.outcome_note, referral.follow_up_on) == ("sent", None, None)
    # Showing the page again is a read of the record like any other.
    events = AccessEvent.objects.filter(subject_id=engagement.participant.public_id)
    assert [(e.action, e.actor_role, e.reason) for e in events] == [("viewed", "peer", "referrals")]


def test_billing_reads_referrals_but_changes_none(cast: Cast) -> None:
    engagement = engagement_for(cast)
    referral = referral_create(engagement=engagement, resource=shared_resource(), actor=cast.alice)
    assert_staff_view_guarded(
        reverse("recovery:engagement_referrals", args=[engagement.public_id]),
        allowed=[cast.sam],
        outsiders=[cast.olive],
        without_role=[cast.bill, cast.nobody, cast.analyst],
        method="post",
        data={"resource": str(shared_resource("Other").public_id)},
        allowed_status=302,
    )
    assert_staff_view_guarded(
        reverse("recovery:referral_transition", args=[referral.public_id]),
        allowed=[cast.ada],
        outsiders=[cast.olive],
        without_role=[cast.bill, cast.nobody],
        method="post",
        data={"action": "acknowledge"},
        allowed_status=302,
    )


def test_the_follow_up_list_shows_a_peer_their_own_and_a_supervisor_the_team(cast: Cast) -> None:
    today = timezone.localdate()
    mine = engagement_for(cast, name="Sample Mine")
    theirs = engagement_for(cast, name="Sample Theirs", other=True)
    referral_create(engagement=mine, resource=shared_resource(), actor=cast.alice, follow_up_on=today)
    referral_create(engagement=theirs, resource=shared_resource(), actor=cast.olive, follow_up_on=today)
    later = referral_create(
        engagement=engagement_for(cast, name="Sample Later"),
        resource=shared_resource(),
        actor=cast.alice,
        follow_up_on=today + dt.timedelta(days=3),
    )
    url = reverse("recovery:referrals_due")
    AccessEvent.objects.all().delete()
    for user, shown, hidden in (
        (cast.alice, ["Sample Mine"], ["Sample Theirs", "Sample Later"]),
        (cast.sam, ["Sample Mine"], ["Sample Theirs", "Sample Later"]),
        (cast.ada, ["Sample Mine"], ["Sample Theirs", "Sample Later"]),
        (cast.olive, ["Sample Theirs"], ["Sample Mine"]),
    ):
        client = Client()
        client.force_login(user)
        body = client.get(url).content.decode()
        for name in shown:
            assert name in body, (user.username, name)
        for name in hidden:
            assert name not in body, (user.username, name)
    assert AccessEvent.objects.filter(subject_id=mine.participant.public_id, action="listed").count() == 3
    assert not AccessEvent.objects.filter(subject_id=later.engagement.participant.public_id).exists()
    for user in (cast.bill, cast.nobody, cast.analyst):
        client = Client()
        client.force_login(user)
        assert client.get(url).status_code == 404


def test_a_referral_given_a_later_follow_up_date_while_the_job_runs_waits_for_that_date(
    cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    from peerway.recovery.services import referrals as referral_services

    today = timezone.localdate()
    referral = referral_create(
        engagement=engagement_for(cast), resource=shared_resource(), actor=cast.alice, follow_up_on=today
    )
    later = today + dt.timedelta(days=14)
    listed = referral_services.engagement_staff_to_remind

    def peer_acts_meanwhile(engagement: Engagement) -> list[User]:
        # After the job has listed the due referrals, the peer records an acknowledgement with a new date.
        referral_transition(referral=referral, action="acknowledge", actor=cast.alice, follow_up_on=later)
        return listed(engagement)

    monkeypatch.setattr(referral_services, "engagement_staff_to_remind", peer_acts_meanwhile)
    assert referrals_remind_due() == 0
    assert mail.outbox == []
    assert fresh(referral).reminder_sent_at is None


def test_the_referral_form_offers_resources_near_the_organization_and_every_county_on_request(cast: Cast) -> None:
    from peerway.organizations.models import ServiceArea
    from tests.factories import county

    ServiceArea.objects.get_or_create(organization=cast.org, county=county("Hennepin"))
    near = Resource.objects.create(name="Sample Near Clinic", category="medical", county=county("Hennepin"))
    statewide = shared_resource("Sample Statewide Line")
    far = Resource.objects.create(name="Sample Far Clinic", category="medical", county=county("Nobles"))
    engagement = engagement_for(cast)
    client = Client()
    client.force_login(cast.alice)
    url = reverse("recovery:engagement_referrals", args=[engagement.public_id])

    nearby = client.get(url).content.decode()
    assert near.name in nearby and statewide.name in nearby and far.name not in nearby
    assert "?everywhere=1" in nearby
    everywhere = client.get(url, {"everywhere": "1"}).content.decode()
    assert far.name in everywhere
    assert f'action="{url}?everywhere=1"' in everywhere

    # A far resource is refused from the nearby list, keeping what was typed, and accepted from every county's.
    refused = client.post(url, {"resource": str(far.public_id), "note": "Closer to family"})
    assert refused.status_code == 400 and "Closer to family" in refused.content.decode()
    assert client.post(f"{url}?everywhere=1", {"resource": str(far.public_id)}).status_code == 302
    assert Referral.objects.get().resource == far


def test_without_a_service_area_every_county_is_offered(cast: Cast) -> None:
    from peerway.organizations.models import ServiceArea
    from tests.factories import county

    ServiceArea.objects.filter(organization=cast.org).delete()
    far = Resource.objects.create(name="Sample Far Clinic", category="medical", county=county("Nobles"))
    client = Client()
    client.force_login(cast.alice)
    body = client.get(reverse("recovery:engagement_referrals", args=[engagement_for(cast).public_id])).content.decode()
    assert far.name in body and "every county" not in body
