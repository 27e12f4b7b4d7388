"""The peer's caseload and the supervisor's team page: rules, tenancy, the access log and pinned query counts.

Every name and number is synthetic.
"""

from __future__ import annotations

import datetime as dt
import importlib
import json
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.apps import apps as django_apps
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from peerway.core.models import AccessAction, AccessEvent
from peerway.recovery.caseload_rules import (
    Direction,
    PlanState,
    Urgency,
    checkup_urgency,
    contact_urgency,
    plan_state,
    recovery_capital_trend,
)
from peerway.recovery.models import (
    CheckIn,
    CheckInSource,
    Checkup,
    CheckupStatus,
    Contact,
    ContactVersion,
    Engagement,
    EngagementStatus,
    Instrument,
    Message,
    MessageSender,
    PlanKind,
    RecoveryPlan,
)
from peerway.recovery.selectors.caseload import TEAM_PEERS_PER_PAGE, caseload_for_user, caseload_rows
from peerway.recovery.services.checkins import PEERWAY_CHECKIN_FILE, checkin_record_by_staff, instrument_import
from peerway.recovery.services.checkups import checkup_record, checkups_schedule
from peerway.workforce.models import PeerProfile
from tests.factories import ParticipantFactory, peer_profile
from tests.helpers import Cast
from tests.recovery.plan_helpers import engagement_for
from tests.recovery.records import peer_of

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 3, 2, 15, 0, tzinfo=dt.UTC)
CHICAGO = ZoneInfo("America/Chicago")


def engagement(
    cast: Cast, peer: PeerProfile | None = None, *, status: str = EngagementStatus.ACTIVE, **person: Any
) -> Engagement:
    peer = peer or peer_of(cast.alice, cast)
    return Engagement.objects.create(
        participant=ParticipantFactory(organization=peer.organization, **person),
        organization=peer.organization,
        peer=peer,
        program="rco",
        status=status,
        started_at=START,
    )


def contact(item: Engagement, when: dt.datetime, *, present: bool = True) -> Contact:
    record = Contact.objects.create(engagement=item, peer=item.peer, occurred_at=when)
    version = ContactVersion.objects.create(
        contact=record,
        number=1,
        occurred_on=when.date(),
        started_at=when.time(),
        duration_minutes=30,
        modality="phone",
        kind="recovery_support",
        note="Talked about the week.",
        person_present=present,
    )
    record.current_version = version
    record.save(update_fields=["current_version"])
    return record


def checkup(item: Engagement, sequence: int, due_on: dt.date, **recorded: Any) -> Checkup:
    status = CheckupStatus.RECORDED if recorded else CheckupStatus.SCHEDULED
    return Checkup.objects.create(engagement=item, sequence=sequence, due_on=due_on, status=status, **recorded)


def checkin(item: Engagement, score: int, when: dt.datetime) -> CheckIn:
    return CheckIn.objects.create(
        participant=item.participant,
        engagement=item,
        instrument=Instrument.objects.filter(organization__isnull=True).first(),
        answers_json="{}",
        score=score,
        flagged=score >= 47,
        answered_at=when,
        source=CheckInSource.STAFF,
    )


def row_of(cast: Cast, item: Engagement, **filters: str) -> Any:
    rows = caseload_for_user(cast.alice, today=timezone.localdate(), **filters)
    return next(row for row in rows if row.engagement.pk == item.pk)


# The pure rules


def test_contact_urgency_thresholds() -> None:
    start = dt.date(2026, 1, 1)
    assert (
        contact_urgency(active=True, last_contact_on=start, started_on=start, today=start + dt.timedelta(days=13))[0]
        is Urgency.OK
    )
    assert (
        contact_urgency(active=True, last_contact_on=start, started_on=start, today=start + dt.timedelta(days=14))[0]
        is Urgency.DUE
    )
    assert contact_urgency(
        active=True, last_contact_on=None, started_on=start, today=start + dt.timedelta(days=30)
    ) == (Urgency.OVERDUE, 30)
    assert (
        contact_urgency(active=False, last_contact_on=None, started_on=start, today=start + dt.timedelta(days=300))[0]
        is Urgency.OK
    )


def test_checkup_urgency_thresholds() -> None:
    today = dt.date(2026, 6, 1)
    assert checkup_urgency(next_due_on=None, today=today) is Urgency.OK
    assert checkup_urgency(next_due_on=today + dt.timedelta(days=8), today=today) is Urgency.OK
    assert checkup_urgency(next_due_on=today + dt.timedelta(days=7), today=today) is Urgency.DUE
    assert checkup_urgency(next_due_on=today, today=today) is Urgency.DUE
    assert checkup_urgency(next_due_on=today - dt.timedelta(days=1), today=today) is Urgency.OVERDUE


def test_plan_state_and_trend() -> None:
    assert plan_state(sessions_done=1, plan_complete=False) is PlanState.OK
    assert plan_state(sessions_done=2, plan_complete=False) is PlanState.AT_RISK
    assert plan_state(sessions_done=3, plan_complete=False) is PlanState.MISSING
    assert plan_state(sessions_done=9, plan_complete=True) is PlanState.OK
    day = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    trend = recovery_capital_trend([(day, 40), (day + dt.timedelta(days=90), 47), (day - dt.timedelta(days=9), 60)])
    assert (trend.previous, trend.latest, trend.direction, trend.flagged) == (40, 47, Direction.UP, True)
    assert recovery_capital_trend([(day, 46)]).direction is Direction.NONE
    assert recovery_capital_trend([(day, 46)]).flagged is False
    assert recovery_capital_trend([]).latest is None


# Through the selector, with time-machine


def test_contact_due_then_overdue_as_days_pass(cast: Cast) -> None:
    with time_machine.travel(START, tick=False):
        item = engagement(cast)
        contact(item, START)
    with time_machine.travel(START + dt.timedelta(days=13), tick=False):
        assert row_of(cast, item).contact is Urgency.OK
    with time_machine.travel(START + dt.timedelta(days=14), tick=False):
        assert row_of(cast, item).contact is Urgency.DUE
        assert [r.engagement for r in caseload_for_user(cast.alice, today=timezone.localdate(), due="overdue")] == []
    with time_machine.travel(START + dt.timedelta(days=31), tick=False):
        row = row_of(cast, item)
        assert row.contact is Urgency.OVERDUE
        assert row.last_contact_at == START
        assert [r.engagement for r in caseload_for_user(cast.alice, today=timezone.localdate(), due="overdue")] == [
            item
        ]


def test_days_since_contact_are_counted_on_the_local_calendar_not_in_utc(cast: Cast) -> None:
    # 19:00 on 16 March in Minnesota is already 17 March in UTC; 30 March is 14 local days later, so due.
    with time_machine.travel(dt.datetime(2026, 3, 10, 9, 0, tzinfo=CHICAGO), tick=False):
        item = engagement(cast)
    contact(item, dt.datetime(2026, 3, 16, 19, 0, tzinfo=CHICAGO))
    with time_machine.travel(dt.datetime(2026, 3, 30, 10, 0, tzinfo=CHICAGO), tick=False):
        row = row_of(cast, item)
    assert (row.days_since_contact, row.contact) == (14, Urgency.DUE)


def test_days_since_the_start_are_counted_on_the_local_calendar_not_in_utc(cast: Cast) -> None:
    # Started at 20:00 on 1 March in Minnesota (2 March in UTC) with no contact yet: 14 local days on 15 March.
    item = engagement(cast)
    Engagement.objects.filter(pk=item.pk).update(started_at=dt.datetime(2026, 3, 1, 20, 0, tzinfo=CHICAGO))
    with time_machine.travel(dt.datetime(2026, 3, 15, 10, 0, tzinfo=CHICAGO), tick=False):
        row = row_of(cast, item)
    assert (row.days_since_contact, row.contact) == (14, Urgency.DUE)


def test_checkup_phase_is_due_by_its_schedule_not_by_contact(cast: Cast) -> None:
    with time_machine.travel(START, tick=False):
        item = engagement(cast, status=EngagementStatus.CHECKUP)
        checkup(item, 1, START.date() + dt.timedelta(days=90))
        checkup(item, 2, START.date() + dt.timedelta(days=180))
    with time_machine.travel(START + dt.timedelta(days=60), tick=False):
        row = row_of(cast, item)
        assert (row.contact, row.checkup) == (Urgency.OK, Urgency.OK)
        assert row.next_checkup_on == START.date() + dt.timedelta(days=90)
    with time_machine.travel(START + dt.timedelta(days=85), tick=False):
        assert row_of(cast, item).checkup is Urgency.DUE
    with time_machine.travel(START + dt.timedelta(days=95), tick=False):
        assert row_of(cast, item).checkup is Urgency.OVERDUE
        assert caseload_for_user(cast.alice, today=timezone.localdate(), status="active") == []


def test_plan_rule_columns(cast: Cast) -> None:
    with time_machine.travel(START + dt.timedelta(days=20), tick=False):
        at_risk, missing, planned, absent = (engagement(cast) for _ in range(4))
        for item, sessions in ((at_risk, 2), (missing, 3), (planned, 4)):
            for day in range(sessions):
                contact(item, START + dt.timedelta(days=day))
        contact(absent, START)
        contact(absent, START + dt.timedelta(days=1), present=False)
        RecoveryPlan.objects.create(engagement=planned, kind=PlanKind.INDIVIDUAL_RECOVERY_PLAN, completed_at=START)
        assert row_of(cast, at_risk).plan is PlanState.AT_RISK
        assert row_of(cast, missing).plan is PlanState.MISSING
        assert row_of(cast, planned).plan is PlanState.OK
        assert row_of(cast, absent).plan is PlanState.OK  # one session: the absent attempt does not count
        assert row_of(cast, absent).sessions == 1


def test_trend_next_step_and_unread(cast: Cast) -> None:
    with time_machine.travel(START + dt.timedelta(days=400), tick=False):
        item = engagement(cast, status=EngagementStatus.CHECKUP)
        checkin(item, 52, START + dt.timedelta(days=10))
        checkup(
            item,
            1,
            START.date() + dt.timedelta(days=90),
            recorded_at=START + dt.timedelta(days=91),
            reached=True,
            wellbeing="doing_well",
            recovery_capital=44,
            next_steps="Call the housing office.",
        )
        checkup(
            item,
            2,
            START.date() + dt.timedelta(days=180),
            recorded_at=START + dt.timedelta(days=182),
            reached=True,
            wellbeing="doing_well",
            recovery_capital=49,
            next_steps="Keep going to the Tuesday meeting.",
        )
        Message.objects.create(engagement=item, sender=MessageSender.PARTICIPANT, body="Hi")
        Message.objects.create(engagement=item, sender=MessageSender.PARTICIPANT, body="Read", read_at=timezone.now())
        Message.objects.create(engagement=item, sender=MessageSender.STAFF, body="Mine")
        row = row_of(cast, item)
        assert (row.trend.previous, row.trend.latest, row.trend.direction, row.trend.flagged) == (
            44,
            49,
            Direction.UP,
            True,
        )
        assert row.next_step == "Keep going to the Tuesday meeting."
        assert row.unread == 1
        checkin(item, 45, START + dt.timedelta(days=300))
        row = row_of(cast, item)
        assert (row.trend.previous, row.trend.latest, row.trend.direction, row.trend.flagged) == (
            49,
            45,
            Direction.DOWN,
            False,
        )


def _answers(instrument: Instrument, value: int) -> dict[str, str]:
    """Answers to every item of ``instrument`` with the option worth ``value`` (1-6: the check-in scores 10-60)."""
    return {
        item.link_id: next(option.code for option in item.options if option.value == value)
        for item in instrument.definition.items
    }


def _answered(item: Engagement, instrument: Instrument, value: int, cast: Cast, days_ago: int) -> None:
    checkin_record_by_staff(
        participant=item.participant,
        instrument=instrument,
        answers=_answers(instrument, value),
        actor=cast.alice,
        answered_at=timezone.now() - dt.timedelta(days=days_ago),
        engagement=item,
    )


def _first_checkup_recorded(item: Engagement, cast: Cast, **taken: Any) -> Checkup:
    checkups_schedule(engagement=item)
    first = item.checkups.order_by("due_on").first()
    assert first is not None
    return checkup_record(checkup=first, actor=cast.alice, reached=True, wellbeing="doing_well", **taken)


def _trend_of(item: Engagement) -> tuple[int | None, int | None, Direction]:
    [row] = caseload_rows(Engagement.objects.filter(pk=item.pk), today=timezone.localdate())
    return row.trend.previous, row.trend.latest, row.trend.direction


def test_the_caseload_trend_does_not_count_one_check_in_twice(cast: Cast) -> None:
    item = engagement_for(cast)
    instrument = Instrument.objects.get(organization=None)
    for value, days_ago in ((3, 60), (5, 5)):  # scores 30, then 50
        _answered(item, instrument, value, cast, days_ago)
    first = _first_checkup_recorded(item, cast)
    assert first.recovery_capital == 50  # the check-up carries the check-in of five days ago
    assert _trend_of(item) == (30, 50, Direction.UP)


def test_a_copied_score_does_not_hide_an_earlier_check_up_score(cast: Cast) -> None:
    instrument = Instrument.objects.get(organization=None)
    with time_machine.travel(timezone.now() - dt.timedelta(days=200), tick=False):
        item = engagement_for(cast)
        _first_checkup_recorded(item, cast, recovery_capital=35)
    _answered(item, instrument, 5, cast, days_ago=5)
    second = item.checkups.filter(status=CheckupStatus.SCHEDULED).order_by("due_on").first()
    assert second is not None
    second = checkup_record(checkup=second, actor=cast.alice, reached=True, wellbeing="doing_well")
    assert second.recovery_capital == 50
    assert _trend_of(item) == (35, 50, Direction.UP)


def test_a_check_up_score_taken_on_the_call_still_counts(cast: Cast) -> None:
    item = engagement_for(cast)
    assert _first_checkup_recorded(item, cast, recovery_capital=44).recovery_capital == 44
    assert _trend_of(item) == (None, 44, Direction.NONE)
    # A check-in older than the check-up's window was not copied: both readings count.
    other = engagement_for(cast)
    _answered(other, Instrument.objects.get(organization=None), 4, cast, days_ago=45)
    _first_checkup_recorded(other, cast, recovery_capital=40)
    assert _trend_of(other) == (40, 40, Direction.SAME)
    # So does a score that differs from the latest check-in of the window.
    third = engagement_for(cast)
    _answered(third, Instrument.objects.get(organization=None), 3, cast, days_ago=5)
    _first_checkup_recorded(third, cast, recovery_capital=45)
    assert _trend_of(third) == (30, 45, Direction.UP)


def test_a_score_taken_on_the_call_counts_even_when_it_equals_the_latest_check_in(cast: Cast) -> None:
    item = engagement_for(cast)
    _answered(item, Instrument.objects.get(organization=None), 5, cast, days_ago=5)
    taken = _first_checkup_recorded(item, cast, recovery_capital=50)
    assert taken.recovery_capital_checkin is None  # taken on the call, not carried over
    assert _trend_of(item) == (50, 50, Direction.SAME)


def test_check_ups_recorded_before_the_link_existed_are_linked_to_the_check_in_they_equal(cast: Cast) -> None:
    migration = importlib.import_module("peerway.recovery.migrations.0007_checkup_recovery_capital_checkin")
    instrument = Instrument.objects.get(organization=None)
    copied, taken = engagement_for(cast), engagement_for(cast)
    for item, value, score in ((copied, 5, None), (taken, 5, 45)):
        _answered(item, instrument, value, cast, days_ago=5)
        _first_checkup_recorded(item, cast, recovery_capital=score)
    # As the rows stood before migration 0007: a score and no link.
    Checkup.objects.update(recovery_capital_checkin=None)
    migration.link_copied_scores(django_apps, None)
    linked = dict(
        Checkup.objects.filter(status=CheckupStatus.RECORDED).values_list("engagement", "recovery_capital_checkin")
    )
    assert linked[copied.pk] == CheckIn.objects.get(participant=copied.participant).pk
    assert linked[taken.pk] is None
    assert _trend_of(copied) == (None, 50, Direction.NONE)
    assert _trend_of(taken) == (50, 45, Direction.DOWN)


def test_a_score_copied_from_an_instrument_outside_the_series_still_counts(cast: Cast) -> None:
    # An organization's own instrument on the same 10-60 range: its check-ins are not in the caseload's series,
    # so the check-up's copy is the only place that reading shows.
    theirs = instrument_import(json.loads(PEERWAY_CHECKIN_FILE.read_text()), organization=cast.org)
    item = engagement_for(cast)
    _answered(item, Instrument.objects.get(organization=None), 3, cast, days_ago=20)
    _answered(item, theirs, 5, cast, days_ago=5)
    assert _first_checkup_recorded(item, cast).recovery_capital == 50
    assert _trend_of(item) == (30, 50, Direction.UP)


def test_a_check_in_entered_after_the_check_up_does_not_make_its_copy_count(cast: Cast) -> None:
    item = engagement_for(cast)
    instrument = Instrument.objects.get(organization=None)
    _answered(item, instrument, 5, cast, days_ago=5)
    recorded_at = _first_checkup_recorded(item, cast).recorded_at
    assert recorded_at is not None
    with time_machine.travel(recorded_at + dt.timedelta(days=1), tick=False):
        # Answers taken on a call two days before the check-up, entered the day after it.
        _answered(item, instrument, 4, cast, days_ago=3)
        assert _trend_of(item) == (50, 40, Direction.DOWN)


ORDINAL = "http://hl7.org/fhir/StructureDefinition/ordinalValue"


def _global_instrument(url: str, *, shift: int = 0) -> Instrument:
    """A synthetic copy of Peerway's check-in loaded for every organization (``peerway instrument import FILE``
    without --organization), each answer worth ``shift`` more: shifted by 5, it scores 60-110, flagged at 97."""
    data = json.loads(PEERWAY_CHECKIN_FILE.read_text())
    data["url"] = url
    for item in data["item"]:
        for option in item["answerOption"]:
            for extension in option["extension"]:
                if extension["url"] == ORDINAL:
                    extension["valueDecimal"] += shift
    # Ten items: the range and the thresholds move by ten times the shift.
    for part in data["extension"][0]["extension"]:
        if part["url"] in ("min", "max"):
            part["valueInteger"] += 10 * shift
        elif part["url"] == "threshold":
            next(sub for sub in part["extension"] if sub["url"] == "atLeast")["valueInteger"] += 10 * shift
    instrument = instrument_import(data, organization=None)
    assert instrument.organization is None
    return instrument


def _scores(item: Engagement) -> list[int]:
    return list(
        CheckIn.objects.filter(participant=item.participant).order_by("answered_at").values_list("score", flat=True)
    )


def test_a_score_on_another_scale_is_not_a_rise_into_the_sustained_range(cast: Cast) -> None:
    """The person answered Peerway's check-in (30 of 10-60), then, through a globally loaded instrument scored
    60-110, "strongly disagree" to every item: the lowest score that instrument can give. The caseload must not
    show that as recovery capital going up from 30 to 60 and flag it as 47 or above."""
    other = _global_instrument("https://example.test/fhir/Questionnaire/other-scale", shift=5)
    assert (other.definition.scoring.minimum, other.definition.scoring.maximum) == (60, 110)
    item = engagement_for(cast)
    _answered(item, Instrument.objects.get(organization=None, url__contains="peerway.org"), 3, cast, days_ago=60)
    _answered(item, other, 6, cast, days_ago=5)
    assert _scores(item) == [30, 60]  # 60: the lowest possible on its scale
    [row] = caseload_rows(Engagement.objects.filter(pk=item.pk), today=timezone.localdate())
    assert not row.trend.flagged, f"{row.trend.previous} -> {row.trend.latest} flagged as 47 or above"
    assert row.trend.direction is not Direction.UP
    assert (row.trend.previous, row.trend.latest) == (None, 30)


def test_a_global_instrument_on_the_same_scale_is_in_the_trend(cast: Cast) -> None:
    same = _global_instrument("https://example.test/fhir/Questionnaire/same-scale")
    item = engagement_for(cast)
    _answered(item, Instrument.objects.get(organization=None, url__contains="peerway.org"), 3, cast, days_ago=60)
    _answered(item, same, 5, cast, days_ago=5)
    assert _trend_of(item) == (30, 50, Direction.UP)


def test_most_urgent_first(cast: Cast) -> None:
    with time_machine.travel(START, tick=False):
        calm, overdue, due = (engagement(cast) for _ in range(3))
    with time_machine.travel(START + dt.timedelta(days=40), tick=False):
        contact(calm, timezone.now() - dt.timedelta(days=2))
        contact(due, timezone.now() - dt.timedelta(days=20))
        rows = caseload_for_user(cast.alice, today=timezone.localdate())
        assert [row.engagement for row in rows] == [overdue, due, calm]


# Tenancy and the access log, through the pages


def test_peer_sees_only_their_own_and_supervisor_sees_the_team(cast: Cast) -> None:
    with time_machine.travel(START, tick=False):
        engagement(cast, preferred_name="Rowan Tester")
        bob = peer_profile(cast.org, name="Bob")
        engagement(cast, bob, preferred_name="Sky Example")
        olive = PeerProfile.objects.create(
            user=cast.olive, organization=cast.other_org, display_name="Olive", modalities=["phone"]
        )
        engagement(cast, olive, preferred_name="Quinn Elsewhere")
        closed = engagement(cast, preferred_name="Closed Person")
        Engagement.objects.filter(pk=closed.pk).update(status=EngagementStatus.CLOSED)
    client = Client()
    client.force_login(cast.alice)
    page = client.get(reverse("recovery:caseload")).content.decode()
    assert "Rowan Tester" in page
    assert "Sky Example" not in page and "Quinn Elsewhere" not in page and "Closed Person" not in page

    client.force_login(cast.sam)
    page = client.get(reverse("recovery:team_caseload")).content.decode()
    assert "Rowan Tester" in page and "Sky Example" in page and "Bob" in page
    assert "Quinn Elsewhere" not in page
    assert "No active credential" in page  # no one in the cast holds a credential

    client.force_login(cast.olive)
    page = client.get(reverse("recovery:team_caseload")).content.decode()
    assert "Quinn Elsewhere" in page and "Rowan Tester" not in page


def test_each_page_view_lists_the_people_shown(cast: Cast) -> None:
    with time_machine.travel(START, tick=False):
        shown = [engagement(cast) for _ in range(3)]
        engagement(cast, peer_profile(cast.org, name="Bob"))
    before = AccessEvent.objects.count()
    client = Client()
    client.force_login(cast.alice)
    assert client.get(reverse("recovery:caseload")).status_code == 200
    events = AccessEvent.objects.order_by("pk")[before:]
    assert {event.subject_id for event in events} == {item.participant.public_id for item in shown}
    assert {(e.action, e.actor_id, e.actor_role, e.organization_id, e.reason) for e in events} == {
        (AccessAction.LISTED, cast.alice.pk, "peer", cast.org.pk, "caseload")
    }
    before = AccessEvent.objects.count()
    client.force_login(cast.sam)
    assert client.get(reverse("recovery:team_caseload")).status_code == 200
    assert AccessEvent.objects.count() - before == 4
    assert set(AccessEvent.objects.order_by("pk")[before:].values_list("actor_role", flat=True)) == {"supervisor"}


def test_the_team_page_shows_ten_peers_at_a_time_and_lists_only_the_people_it_shows(cast: Cast) -> None:
    with time_machine.travel(START, tick=False):
        peers = [peer_profile(cast.org, name=f"Peer {index:02d}") for index in range(TEAM_PEERS_PER_PAGE + 2)]
        people = {
            peer.pk: engagement(cast, peer, preferred_name=f"Person {index:02d}") for index, peer in enumerate(peers)
        }
        # Peer 11's person is overdue for contact, so that peer comes first; the others follow by name.
        Engagement.objects.filter(pk=people[peers[11].pk].pk).update(started_at=START - dt.timedelta(days=45))
    client = Client()
    client.force_login(cast.sam)
    url = reverse("recovery:team_caseload")
    with time_machine.travel(START, tick=False):
        before = AccessEvent.objects.count()
        first = client.get(url, {"status": "active"}).content.decode()
        listed_first = set(AccessEvent.objects.order_by("pk")[before:].values_list("subject_id", flat=True))
        before = AccessEvent.objects.count()
        second = client.get(url, {"status": "active", "page": 2}).content.decode()
        listed_second = set(AccessEvent.objects.order_by("pk")[before:].values_list("subject_id", flat=True))

    assert first.index("Peer 11") < first.index("Peer 00")
    assert [f"Peer {index:02d}" in first for index in range(12)] == [True] * 9 + [False, False, True]
    assert "Peer 09" in second and "Peer 10" in second and "Peer 00" not in second
    assert "12 people match these filters." in first and "Page 1 of 2" in first and "Page 2 of 2" in second
    assert '?status=active&amp;page=2"' in first and '?status=active&amp;page=1"' in second
    by_peer = {peer.display_name: people[peer.pk].participant.public_id for peer in peers}
    assert listed_first == {by_peer[f"Peer {index:02d}"] for index in (*range(9), 11)}
    assert listed_second == {by_peer["Peer 09"], by_peer["Peer 10"]}


def test_the_team_page_counts_a_person_with_two_engagements_once(cast: Cast) -> None:
    # A person followed in two programs has two open engagements, with two peers here: two rows, one person.
    with time_machine.travel(START, tick=False):
        first = engagement(cast, status=EngagementStatus.CHECKUP, preferred_name="Sample Relinked")
        Engagement.objects.create(
            participant=first.participant,
            organization=first.organization,
            peer=peer_profile(cast.org, name="Bob"),
            program="rco",
            status=EngagementStatus.ACTIVE,
            started_at=START,
        )
        engagement(cast)
    client = Client()
    client.force_login(cast.sam)
    with time_machine.travel(START, tick=False):
        page = client.get(reverse("recovery:team_caseload")).content.decode()
    assert page.count("Sample Relinked") == 2
    assert "2 people match these filters." in page


def test_a_peers_badge_counts_each_person_once(cast: Cast) -> None:
    # The team total counts people; the badge under it summed rows (engagements) instead: 25 people above badges
    # adding up to 30. A person with an active and a check-up engagement with the same peer is one person.
    with time_machine.travel(START, tick=False):
        first = engagement(cast, preferred_name="Sample Twice")
        Engagement.objects.create(
            participant=first.participant,
            organization=first.organization,
            peer=first.peer,
            program="sud_245g",
            status=EngagementStatus.CHECKUP,
            started_at=START,
        )
    client = Client()
    client.force_login(cast.sam)
    with time_machine.travel(START, tick=False):
        page = client.get(reverse("recovery:team_caseload")).content.decode()
    assert page.count("Sample Twice") == 2
    assert "1 person matches these filters." in page
    assert '<span class="badge">1 person</span>' in page
    assert "2 people" not in page


# Pinned query counts: the same for 5 and for 60 engagements


def _caseload_of(cast: Cast, size: int) -> None:
    peer = peer_of(cast.alice, cast)
    for index in range(size):
        status = EngagementStatus.ACTIVE if index % 2 else EngagementStatus.CHECKUP
        item = engagement(cast, peer, status=status)
        contact(item, START - dt.timedelta(days=index))
        contact(item, START - dt.timedelta(days=index + 7), present=False)
        checkup(
            item,
            1,
            START.date() - dt.timedelta(days=30),
            recorded_at=START - dt.timedelta(days=29),
            reached=True,
            wellbeing="doing_well",
            recovery_capital=40 + index % 20,
            next_steps="Next.",
        )
        checkup(item, 2, START.date() + dt.timedelta(days=60))
        checkin(item, 30 + index % 30, START - dt.timedelta(days=3))
        Message.objects.create(engagement=item, sender=MessageSender.PARTICIPANT, body="Hello")
        if index % 3 == 0:
            RecoveryPlan.objects.create(engagement=item, kind=PlanKind.INDIVIDUAL_RECOVERY_PLAN, completed_at=START)


def _queries(cast: Cast, url: str, user: Any) -> tuple[int, str]:
    client = Client()
    client.force_login(user)
    client.get(url)  # warm the session and the caches
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured.captured_queries), response.content.decode()


@pytest.mark.parametrize("size", [5, 60])
def test_caseload_query_count_is_pinned(cast: Cast, size: int) -> None:
    with time_machine.travel(START, tick=False):
        _caseload_of(cast, size)
        count, page = _queries(cast, reverse("recovery:caseload"), cast.alice)
    assert page.count('class="card caseload-card"') == size
    assert count == PINNED_CASELOAD_QUERIES


@pytest.mark.parametrize("size", [5, 60])
def test_team_query_count_is_pinned(cast: Cast, size: int) -> None:
    with time_machine.travel(START, tick=False):
        _caseload_of(cast, size)
        bob = peer_profile(cast.org, name="Bob")
        for _ in range(size // 5):
            engagement(cast, bob)
        count, page = _queries(cast, reverse("recovery:team_caseload"), cast.sam)
    assert page.count('class="card caseload-card"') == size + size // 5
    assert count == PINNED_TEAM_QUERIES


# Session, user and memberships (middleware), the savepoint, "is a peer somewhere", the global instruments on the
# recovery capital range, the one SELECT of the engagements with every figure as a subquery, the acting role, the
# access events' INSERT, the release.
PINNED_CASELOAD_QUERIES = 10
# The same, plus the peers' credentials (one query for every peer shown).
PINNED_TEAM_QUERIES = 11


# SQLite with no planner statistics (a database nobody ANALYZEd): the one SELECT must read each row's own
# check-ups, not every scheduled or recorded check-up of the state through the (status, due_on) index (4.6 s and
# 25 s at --scale medium before the (engagement, status, due_on) index). Counted in SQLite virtual-machine steps
# (a progress handler called every 1,000), not timed: they must not grow with other organizations' check-ups.


def _checkups_elsewhere(cast: Cast, count: int) -> None:
    """``count`` check-ups, half scheduled and half recorded, of engagements in another organization."""
    peer = peer_profile(cast.other_org, name=f"Oscar{Engagement.objects.count()}")
    today = timezone.localdate()
    for _ in range(count // 20):
        item = engagement(cast, peer)
        Checkup.objects.bulk_create(
            Checkup(
                engagement=item,
                sequence=number,
                due_on=today + dt.timedelta(days=number - 10),
                status=CheckupStatus.RECORDED if number <= 10 else CheckupStatus.SCHEDULED,
                recorded_at=timezone.now() if number <= 10 else None,
                recovery_capital=40 if number <= 10 else None,
            )
            for number in range(1, 21)
        )


def _without_statistics() -> None:
    """Forget what ANALYZE gathered: the seed's tests leave this database's statistics behind."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'")
        if cursor.fetchone():
            cursor.execute("DELETE FROM sqlite_stat1")
            cursor.execute("ANALYZE sqlite_schema")  # the planner reloads the (now empty) statistics


def _vm_steps(client: Client, url: str) -> int:
    """SQLite's virtual machine instructions (in tens) one view of ``url`` runs, the least of three views: a page runs
    a few thousand, so counting in thousands, once, read one occasional extra query (a cache refilled, a session
    saved) as 50 % more work. Reading the other organizations' check-ups would add tens of thousands."""
    steps = [0]

    def tick() -> int:
        steps[0] += 1
        return 0  # go on

    assert client.get(url).status_code == 200  # warm the session and the caches
    connection.ensure_connection()
    counts = []
    for _ in range(3):
        steps[0] = 0
        connection.connection.set_progress_handler(tick, 10)
        try:
            assert client.get(url).status_code == 200
        finally:
            connection.connection.set_progress_handler(None, 10)
        counts.append(steps[0])
    return min(counts)


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's planner without statistics")
@pytest.mark.parametrize(("user", "url_name"), [("alice", "recovery:caseload"), ("sam", "recovery:team_caseload")])
def test_on_sqlite_the_caseloads_work_does_not_grow_with_other_organizations_checkups(
    cast: Cast, user: str, url_name: str
) -> None:
    for _ in range(3):
        item = engagement(cast)
        checkup(item, 1, timezone.localdate() + dt.timedelta(days=10))
        checkup(item, 2, timezone.localdate() - dt.timedelta(days=20), recorded_at=timezone.now(), recovery_capital=40)
    _without_statistics()
    client = Client()
    client.force_login(getattr(cast, user))
    url = reverse(url_name)
    _checkups_elsewhere(cast, 400)
    few = _vm_steps(client, url)
    _checkups_elsewhere(cast, 800)
    many = _vm_steps(client, url)
    assert many < few * 1.25, f"400 check-ups elsewhere: {few}0 steps; 1,200: {many}0 steps"


def test_staff_home_links_to_the_pages_each_role_has(cast: Cast) -> None:
    client = Client()
    pages = {}
    for user in (cast.alice, cast.sam, cast.bill):
        client.force_login(user)
        pages[user.username] = client.get(reverse("staff:home")).content.decode()
    caseload, team = (f'href="{reverse(name)}"' for name in ("recovery:caseload", "recovery:team_caseload"))
    assert caseload in pages["alice"] and team not in pages["alice"]
    assert team in pages["sam"] and caseload not in pages["sam"]
    assert caseload not in pages["bill"] and team not in pages["bill"]
