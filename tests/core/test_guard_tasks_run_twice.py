"""Background tasks run twice, on records changed meanwhile, or failing half-way.

Guards: a routing job for a request the person withdrew or erased before it ran offers nobody; escalation steps a
request up once per window however many runs listed it (a retry, or two workers' every-minute runs at once), leaves
nothing half-written when it fails and finishes on the next run, and one failing request does not hold up the
others; check-up reminders go out once per channel when two runs race, and not for a check-up recorded while the
job runs; two routing jobs at once offer the request to one round of peers.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.db import connection, connections, transaction

from peerway.core import sms
from peerway.intake import services as intake_services
from peerway.intake.models import EscalationAlert, HelpRequest, Offer, OfferStatus
from peerway.intake.services import request_erase, request_route, request_withdraw, requests_escalate_due
from peerway.intake.tasks import request_route_task
from peerway.recovery.models import Checkup, CheckupReminder, CheckupStatus, Wellbeing
from peerway.recovery.services import checkups as checkup_services
from peerway.recovery.services.checkups import checkup_record, checkup_reminders_send, checkups_schedule
from peerway.workforce.models import PeerProfile
from tests.factories import OrganizationFactory, peer_profile
from tests.helpers import Cast, until_waiting_or_done
from tests.recovery.checkups_support import engagement_for, peer_for

Submit = Callable[..., tuple[HelpRequest, str]]

START = dt.datetime(2026, 11, 23, 18, 0, tzinfo=dt.UTC)
WINDOW = dt.timedelta(minutes=5)
# Noon in Minnesota on 15 January 2024, as in tests/recovery/test_checkups.py.
CHECKUPS_START = dt.datetime(2024, 1, 15, 18, 0, tzinfo=dt.UTC)

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="races between writers need PostgreSQL; SQLite serializes every writer, so there is nothing to race",
)


def _offered_request(submit: Submit, *, peers: int = 8) -> tuple[HelpRequest, list[PeerProfile]]:
    """A request offered at START to the first round of peers of one organization (5-minute window)."""
    organization = OrganizationFactory(escalation_minutes=5)
    everyone = [peer_profile(organization, name=f"Sample{number}") for number in range(peers)]
    with time_machine.travel(START, tick=False):
        request, _ = submit()
        assert len(request_route(request_id=request.pk)) == 3
    return request, everyone


def _level(request: HelpRequest) -> int:
    request.refresh_from_db()
    return request.escalation_level


# Routing ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("stop", [request_withdraw, request_erase])
def test_a_routing_job_for_a_request_stopped_before_it_ran_offers_nobody(
    submit: Submit, stop: Callable[..., None]
) -> None:
    peer_profile(OrganizationFactory(), name="Sample")
    request, _ = submit()  # its routing job is queued, not yet run
    stop(request=request)

    assert request_route_task.call(request.pk) == 0
    assert not Offer.objects.filter(request=request).exists()


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_two_routing_jobs_at_once_offer_one_round_of_peers(submit: Submit) -> None:
    organization = OrganizationFactory()
    for number in range(6):
        peer_profile(organization, name=f"Sample{number}")
    request, _ = submit()
    outcome: list[str] = []

    def second_job() -> None:
        try:
            outcome.append(f"offered {request_route_task.call(request.pk)}")
        except Exception as error:  # a deadlock or any other error is a failure of the guard
            outcome.append(f"error: {type(error).__name__}")
        finally:
            connections.close_all()

    second = threading.Thread(target=second_job)
    with transaction.atomic():  # the first job: its offers written, not yet committed
        assert request_route_task.call(request.pk) == 3
        second.start()
        until_waiting_or_done(second)
    second.join(timeout=30)
    assert outcome == ["offered 0"]
    assert Offer.objects.filter(request=request, status=OfferStatus.OFFERED).count() == 3


# Escalation ---------------------------------------------------------------------------------------------------


def test_a_run_that_listed_a_request_before_another_run_widened_it_does_not_escalate_it_again(
    submit: Submit, monkeypatch: pytest.MonkeyPatch
) -> None:
    request, _ = _offered_request(submit)
    real_escalate = intake_services.request_escalate
    others: list[bool] = []

    def another_run_gets_the_lock_first(**kwargs: Any) -> bool:
        # Two workers' runs listed the request as due; the other one locked it first and widened it.
        if not others:
            others.append(real_escalate(**kwargs))
        return real_escalate(**kwargs)

    monkeypatch.setattr(intake_services, "request_escalate", another_run_gets_the_lock_first)
    with time_machine.travel(START + WINDOW, tick=False):
        assert requests_escalate_due() == 0, "the other run did the step"

    assert others == [True]
    assert _level(request) == 1
    assert Offer.objects.filter(request=request).count() == 8
    assert not EscalationAlert.objects.exists(), "the widened peers get their own window before supervisors hear"


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_two_escalation_runs_at_the_same_instant_step_the_request_up_once(
    submit: Submit, monkeypatch: pytest.MonkeyPatch
) -> None:
    request, _ = _offered_request(submit)
    real_escalate = intake_services.request_escalate
    both_listed = threading.Barrier(2)

    def after_both_listed(**kwargs: Any) -> bool:
        # Both runs have read the due list before either escalates: the instant two workers' runs overlap.
        both_listed.wait(timeout=30)
        return real_escalate(**kwargs)

    monkeypatch.setattr(intake_services, "request_escalate", after_both_listed)
    outcomes: list[str] = []
    lock = threading.Lock()

    def run() -> None:
        try:
            result = f"escalated {requests_escalate_due(now=START + WINDOW)}"
        except Exception as error:
            result = f"error: {type(error).__name__}"
        finally:
            connections.close_all()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(outcomes) == ["escalated 0", "escalated 1"]
    assert _level(request) == 1
    assert not EscalationAlert.objects.exists()


def test_an_escalation_that_fails_half_way_leaves_nothing_and_the_next_run_finishes_it(
    submit: Submit, monkeypatch: pytest.MonkeyPatch
) -> None:
    request, _ = _offered_request(submit)
    real_route = intake_services.request_route

    def widen_then_fail(**kwargs: Any) -> list[Offer]:
        real_route(**kwargs)  # the wider round's offers are written...
        raise RuntimeError("Sample failure after the offers were written")

    monkeypatch.setattr(intake_services, "request_route", widen_then_fail)
    with time_machine.travel(START + WINDOW, tick=False):
        assert requests_escalate_due() == 0, "the failure is logged and the run goes on"
    assert _level(request) == 0
    assert Offer.objects.filter(request=request).count() == 3, "...and rolled back with the level"

    monkeypatch.setattr(intake_services, "request_route", real_route)
    with time_machine.travel(START + WINDOW + dt.timedelta(minutes=1), tick=False):
        assert requests_escalate_due() == 1
    assert _level(request) == 1
    assert Offer.objects.filter(request=request, status=OfferStatus.OFFERED).count() == 8


def test_one_request_whose_escalation_fails_does_not_hold_up_the_others(
    submit: Submit, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, _ = _offered_request(submit)
    with time_machine.travel(START, tick=False):
        second, _ = submit(first_name="Sample Two")
        assert request_route(request_id=second.pk)
    real_route = intake_services.request_route
    failed: list[int] = []

    def the_first_one_fails(**kwargs: Any) -> list[Offer]:
        if not failed:
            failed.append(kwargs["request_id"])
            raise RuntimeError("Sample failure")
        return real_route(**kwargs)

    monkeypatch.setattr(intake_services, "request_route", the_first_one_fails)
    with time_machine.travel(START + WINDOW, tick=False):
        requests_escalate_due()

    assert len(failed) == 1
    levels = {request.pk: _level(request) for request in (first, second)}
    assert sorted(levels.values()) == [0, 1], "the request that did not fail was widened"


# Check-up reminders -------------------------------------------------------------------------------------------


def _first_checkup(cast: Cast, peer: PeerProfile, *, phone: str, email: str) -> Checkup:
    engagement = engagement_for(cast.org, peer=peer, started_at=CHECKUPS_START, phone=phone, email=email)
    with time_machine.travel(CHECKUPS_START, tick=False):
        checkups_schedule(engagement=engagement)
    first = engagement.checkups.order_by("sequence").first()
    assert first is not None
    return first


def _reminder_morning(checkup: Checkup) -> dt.datetime:
    due = checkup.due_on - dt.timedelta(days=3)
    # Mid-morning in Minnesota, after the daily job's 09:00.
    return dt.datetime(due.year, due.month, due.day, 16, 0, tzinfo=dt.UTC)


def test_a_check_up_recorded_while_the_reminder_job_runs_is_not_reminded(
    cast: Cast, text_outbox: list[sms.TextMessage], monkeypatch: pytest.MonkeyPatch
) -> None:
    peer = peer_for(cast.alice, cast.org)
    first = _first_checkup(cast, peer, phone="(612) 555-0141", email="sample1@example.test")
    second = _first_checkup(cast, peer, phone="(612) 555-0142", email="sample2@example.test")
    real_deliver = checkup_services._deliver

    def the_peer_records_the_second_meanwhile(**kwargs: Any) -> None:
        still_scheduled = Checkup.objects.filter(pk=second.pk, status=CheckupStatus.SCHEDULED).exists()
        if kwargs["checkup"].pk == first.pk and still_scheduled:
            # While the job sends the first reminders, the peer calls the second person and records it.
            checkup_record(checkup=second, actor=cast.alice, reached=True, wellbeing=Wellbeing.DOING_WELL)
        real_deliver(**kwargs)

    monkeypatch.setattr(checkup_services, "_deliver", the_peer_records_the_second_meanwhile)
    with time_machine.travel(_reminder_morning(first), tick=False):
        checkup_reminders_send()

    assert [message.to for message in text_outbox] == ["(612) 555-0141"]
    assert not CheckupReminder.objects.filter(checkup=second).exists()
    assert not any("sample2@example.test" in message.to for message in mail.outbox)


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_two_reminder_runs_at_once_remind_each_channel_once(cast: Cast, text_outbox: list[sms.TextMessage]) -> None:
    first = _first_checkup(cast, peer_for(cast.alice, cast.org), phone="(612) 555-0143", email="sample3@example.test")
    outcome: list[str] = []
    morning = _reminder_morning(first)

    def second_run() -> None:
        try:
            outcome.append(f"sent {checkup_reminders_send(today=morning.date())}")
        except Exception as error:  # the daily job's crash this test is about
            outcome.append(f"error: {type(error).__name__}")
        finally:
            connections.close_all()

    second = threading.Thread(target=second_run)
    with transaction.atomic():  # the first run: its reminder rows written and sent, not yet committed
        assert checkup_reminders_send(today=morning.date()) == 3
        second.start()
        until_waiting_or_done(second)
    second.join(timeout=30)

    assert outcome == ["sent 0"]
    assert [message.to for message in text_outbox] == ["(612) 555-0143"]
    assert sorted(message.to[0] for message in mail.outbox) == [cast.alice.email, "sample3@example.test"]
    assert CheckupReminder.objects.filter(checkup=first).count() == 3
