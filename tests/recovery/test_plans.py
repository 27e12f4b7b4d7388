"""Recovery plans: completion rules, steps, progress notes, the staff page and its AccessEvents."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from peerway.core.models import AccessEvent
from peerway.recovery.models import GoalStatus, PlanKind, RecoveryPlan
from peerway.recovery.services import plans as svc
from tests.helpers import Cast
from tests.recovery.plan_helpers import engagement_for
from tests.recovery.records import ready_engagement, record


def test_plan_kind_follows_the_program(cast: Cast) -> None:
    assert svc.plan_get_or_create(engagement_for(cast)).kind == PlanKind.INDIVIDUAL_RECOVERY_PLAN
    assert svc.plan_get_or_create(engagement_for(cast, program="sud_245g")).kind == PlanKind.TREATMENT_PLAN
    assert svc.plan_get_or_create(engagement_for(cast, program="withdrawal_mgmt")).kind == PlanKind.STABILIZATION_PLAN


def test_a_plan_without_goals_cannot_be_complete_and_reopening_keeps_history(cast: Cast) -> None:
    plan = svc.plan_get_or_create(engagement_for(cast))
    with pytest.raises(ValidationError):
        svc.plan_complete(plan=plan, actor=cast.alice)
    goal = svc.goal_add(plan=plan, actor=cast.alice, life_area="housing", description="A place of my own")
    svc.goal_update(
        goal=goal, actor=cast.alice, description=goal.description, status=GoalStatus.SET_ASIDE, target_date=None
    )
    with pytest.raises(ValidationError):  # a set-aside goal is not a plan
        svc.plan_complete(plan=plan, actor=cast.alice)
    svc.goal_add(plan=plan, actor=cast.alice, life_area="work", description="Finish my GED")
    plan = svc.plan_complete(plan=plan, actor=cast.alice)
    assert plan.completed_at is not None
    plan = svc.plan_reopen(plan=plan, actor=cast.alice)
    assert plan.completed_at is None
    completed_states = [
        h.completed_at is not None for h in RecoveryPlan.history.filter(id=plan.pk).order_by("history_date")
    ]
    assert completed_states[-2:] == [True, False]


def test_a_program_plan_is_completed_by_recording_it(cast: Cast) -> None:
    plan = svc.plan_get_or_create(engagement_for(cast, program="sud_245g"))
    with pytest.raises(ValidationError):
        svc.plan_complete(plan=plan, actor=cast.alice)
    with pytest.raises(ValidationError):
        svc.plan_program_plan_record(plan=plan, actor=cast.alice, plan_date=timezone.localdate() + dt.timedelta(days=2))
    plan = svc.plan_program_plan_record(plan=plan, actor=cast.alice, plan_date=timezone.localdate())
    assert plan.program_plan_recorded and plan.completed_at is not None
    rco_plan = svc.plan_get_or_create(engagement_for(cast))
    with pytest.raises(ValidationError):
        svc.plan_program_plan_record(plan=rco_plan, actor=cast.alice, plan_date=timezone.localdate())


def test_steps_and_progress_notes(cast: Cast) -> None:
    plan = svc.plan_get_or_create(engagement_for(cast))
    goal = svc.goal_add(plan=plan, actor=cast.alice, life_area="health", description="Sleep better")
    step = svc.step_add(goal=goal, actor=cast.alice, description="See the clinic", who_helps="My sister Ana")
    assert step.who_helps == "My sister Ana" and step.done_at is None
    assert svc.step_set_done(step=step, actor=cast.alice, done=True).done_at is not None
    assert svc.step_set_done(step=step, actor=cast.alice, done=False).done_at is None
    note = svc.progress_note_add(
        plan=plan, actor=cast.alice, text="Slept 7 hours twice", noted_on=timezone.localdate(), goal=goal
    )
    assert note.author == cast.alice
    with pytest.raises(ValidationError):
        svc.progress_note_add(
            plan=plan, actor=cast.alice, text="x", noted_on=timezone.localdate() + dt.timedelta(days=1)
        )
    other_plan = svc.plan_get_or_create(engagement_for(cast))
    with pytest.raises(ValidationError):
        svc.progress_note_add(plan=other_plan, actor=cast.alice, text="x", noted_on=timezone.localdate(), goal=goal)
    # Encrypted at rest: the raw column does not hold the words.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT text FROM recovery_progressnote WHERE id = %s", [note.pk])
        assert "Slept" not in cursor.fetchone()[0]


def test_every_change_writes_an_access_event(cast: Cast) -> None:
    engagement = engagement_for(cast)
    plan = svc.plan_get_or_create(engagement)
    svc.goal_add(plan=plan, actor=cast.alice, life_area="health", description="Walk daily")
    event = AccessEvent.objects.get(subject_id=engagement.participant.public_id)
    assert (event.action, event.actor, event.actor_role) == ("changed", cast.alice, "peer")


def test_the_plan_page_works_end_to_end(cast: Cast) -> None:
    engagement = engagement_for(cast, preferred_name="Sample Rosa")
    url = reverse("recovery:engagement_plan", args=[engagement.public_id])
    client = Client()
    client.force_login(cast.alice)
    response = client.get(url)
    assert response.status_code == 200
    assert AccessEvent.objects.filter(subject_id=engagement.participant.public_id, action="viewed").count() == 1
    # A bad goal re-renders with the error and the typed words kept.
    response = client.post(url, {"action": "goal_add", "goal-life_area": "nope", "goal-description": "Keep my words"})
    assert response.status_code == 400
    assert "Keep my words" in response.content.decode()
    response = client.post(url, {"action": "complete"})
    assert response.status_code == 400 and "at least one goal" in response.content.decode()
    response = client.post(url, {"action": "goal_add", "goal-life_area": "housing", "goal-description": "Own lease"})
    assert response.status_code == 302
    goal = engagement.plan.goals.get()
    response = client.post(
        url,
        {"action": "step_add", "goal": str(goal.public_id), f"step-{goal.public_id}-description": "Call the landlord"},
    )
    assert response.status_code == 302
    response = client.post(
        url, {"action": "note_add", "note-noted_on": timezone.localdate().isoformat(), "note-text": "Viewed two flats"}
    )
    assert response.status_code == 302
    assert client.post(url, {"action": "complete"}).status_code == 302
    body = client.get(url).content.decode()
    assert "Own lease" in body and "Call the landlord" in body and "Viewed two flats" in body
    engagement.plan.refresh_from_db()
    assert engagement.plan.is_complete


def test_billing_reads_the_plan_but_cannot_change_it(cast: Cast) -> None:
    engagement = engagement_for(cast)
    url = reverse("recovery:engagement_plan", args=[engagement.public_id])
    client = Client()
    client.force_login(cast.bill)
    assert client.get(url).status_code == 200
    response = client.post(url, {"action": "goal_add", "goal-life_area": "housing", "goal-description": "x"})
    assert response.status_code == 404
    assert not RecoveryPlan.objects.filter(engagement=engagement).exists()


def test_a_goal_of_another_plan_is_a_404(cast: Cast) -> None:
    mine = engagement_for(cast)
    theirs = svc.plan_get_or_create(engagement_for(cast))
    goal = svc.goal_add(plan=theirs, actor=cast.alice, life_area="work", description="Theirs")
    client = Client()
    client.force_login(cast.alice)
    url = reverse("recovery:engagement_plan", args=[mine.public_id])
    response = client.post(url, {"action": "goal_update", "goal": str(goal.public_id)})
    assert response.status_code == 404


def test_a_plan_whose_goals_are_all_set_aside_is_no_longer_complete(cast: Cast) -> None:
    engagement = ready_engagement(cast)
    plan = svc.plan_get_or_create(engagement)
    goal = svc.goal_add(plan=plan, actor=cast.alice, life_area="housing", description="A quiet room")
    svc.plan_complete(plan=plan, actor=cast.alice)
    svc.goal_update(goal=goal, actor=cast.alice, description="A quiet room", status="set_aside", target_date=None)
    plan.refresh_from_db()
    assert plan.completed_at is None
    assert plan.history.filter(completed_at__isnull=False).exists()
    assert AccessEvent.objects.filter(reason="plan no longer complete: every goal set aside").count() == 1
    for _ in range(3):
        record(engagement, cast.alice)
    fourth = record(engagement, cast.alice)
    assert fourth.plan_missing


def test_setting_aside_one_goal_of_two_keeps_the_plan_complete(cast: Cast) -> None:
    engagement = ready_engagement(cast)
    plan = svc.plan_get_or_create(engagement)
    goal = svc.goal_add(plan=plan, actor=cast.alice, life_area="housing", description="A quiet room")
    svc.goal_add(plan=plan, actor=cast.alice, life_area="work", description="A part-time job")
    svc.plan_complete(plan=plan, actor=cast.alice)
    svc.goal_update(goal=goal, actor=cast.alice, description="A quiet room", status="set_aside", target_date=None)
    plan.refresh_from_db()
    assert plan.is_complete


def test_a_program_plan_stays_complete_when_its_optional_goals_are_set_aside(cast: Cast) -> None:
    engagement = ready_engagement(cast, program="sud_245g")
    plan = svc.plan_get_or_create(engagement)
    svc.plan_program_plan_record(plan=plan, actor=cast.alice, plan_date=timezone.localdate())
    goal = svc.goal_add(plan=plan, actor=cast.alice, life_area="housing", description="A quiet room")
    svc.goal_update(goal=goal, actor=cast.alice, description="A quiet room", status="set_aside", target_date=None)
    plan.refresh_from_db()
    assert plan.is_complete


def test_the_plan_page_says_not_complete_after_the_last_goal_is_set_aside(cast: Cast) -> None:
    engagement = ready_engagement(cast)
    plan = svc.plan_get_or_create(engagement)
    goal = svc.goal_add(plan=plan, actor=cast.alice, life_area="housing", description="A quiet room")
    svc.plan_complete(plan=plan, actor=cast.alice)
    client = Client()
    client.force_login(cast.alice)
    url = reverse("recovery:engagement_plan", args=[engagement.public_id])
    response = client.post(
        url,
        {
            "action": "goal_update",
            "goal": str(goal.public_id),
            f"edit-{goal.public_id}-description": "A quiet room",
            f"edit-{goal.public_id}-status": "set_aside",
        },
    )
    assert response.status_code == 302
    assert "Not complete yet" in client.get(url).content.decode()


@pytest.mark.parametrize(
    ("data", "status"),
    [
        ({"action": "explode"}, 400),
        ({}, 400),
        ({"action": "step_done", "step": "00000000-0000-4000-8000-000000000000"}, 404),
        ({"action": "goal_update", "goal": "00000000-0000-4000-8000-000000000000"}, 404),
    ],
)
def test_a_post_that_does_nothing_creates_no_empty_plan(cast: Cast, data: dict[str, str], status: int) -> None:
    # An unknown action, or a goal or step of a plan never written, is refused before anything is saved: the
    # engagement keeps no empty plan it did not ask for.
    engagement = engagement_for(cast)
    client = Client()
    client.force_login(cast.alice)
    response = client.post(reverse("recovery:engagement_plan", args=[engagement.public_id]), data)
    assert response.status_code == status
    assert not RecoveryPlan.objects.filter(engagement=engagement).exists()
