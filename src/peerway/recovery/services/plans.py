"""Changes to recovery plans: goals, steps, progress notes, completion. One transaction each, audited inside it.

Rules (Minn. Stat. 254B.052, see DOMAIN.md): an individual recovery plan is complete when it has at least one
goal and the peer marks it complete; a 245G treatment plan or 245F stabilization plan lives in the program's own
record, so Peerway records that it exists (and its date), which completes it. Reopening keeps the history.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from peerway.accounts.models import User
from peerway.accounts.roles import PLAN_EDIT_ROLES
from peerway.core.access import access_events_record, acting_role
from peerway.core.models import AccessAction
from peerway.recovery.models import (
    PLAN_KIND_FOR_PROGRAM,
    SUBJECT_PARTICIPANT,
    Engagement,
    GoalStatus,
    PlanGoal,
    PlanStep,
    ProgressNote,
    RecoveryPlan,
)


def plan_get_or_create(engagement: Engagement) -> RecoveryPlan:
    """The engagement's plan; an empty one of the kind its program calls for when it has none yet."""
    plan, _created = RecoveryPlan.objects.get_or_create(
        engagement=engagement, defaults={"kind": PLAN_KIND_FOR_PROGRAM[engagement.program]}
    )
    return plan


def _log_change(actor: User | None, plan: RecoveryPlan, reason: str) -> None:
    engagement = plan.engagement
    access_events_record(
        actor=actor,
        role=acting_role(actor, engagement.organization, PLAN_EDIT_ROLES),
        organization=engagement.organization,
        subject_type=SUBJECT_PARTICIPANT,
        subject_ids=[engagement.participant.public_id],
        action=AccessAction.CHANGED,
        reason=reason,
    )


# The earliest date a plan's note or a program's plan may carry: an earlier one is a typo in the year (0001, 1026).
EARLIEST_PLAN_DATE = dt.date(1900, 1, 1)


def _date_checked(value: dt.date | None, field: str) -> None:
    if value is not None and value > timezone.localdate():
        raise ValidationError({field: _("This date is in the future.")})
    if value is not None and value < EARLIEST_PLAN_DATE:
        raise ValidationError({field: _("Enter a date in 1900 or later.")})


@transaction.atomic
def goal_add(
    *, plan: RecoveryPlan, actor: User | None, life_area: str, description: str, target_date: dt.date | None = None
) -> PlanGoal:
    position = plan.goals.count()
    goal = PlanGoal(
        plan=plan, life_area=life_area, description=description.strip(), target_date=target_date, position=position
    )
    goal.full_clean()
    goal.save()
    _log_change(actor, plan, "plan goal added")
    return goal


@transaction.atomic
def goal_update(
    *, goal: PlanGoal, actor: User | None, description: str, status: str, target_date: dt.date | None
) -> PlanGoal:
    """Change a goal. Setting aside the last goal that is not set aside takes an individual recovery plan
    back to not complete, so the sessions that follow need a plan again."""
    plan = RecoveryPlan.objects.select_for_update().get(pk=goal.plan_id)
    goal.description = description.strip()
    goal.status = status
    goal.target_date = target_date
    goal.full_clean()
    goal.save()
    _log_change(actor, plan, "plan goal changed")
    _uncomplete_if_no_goal_left(plan=plan, actor=actor)
    return goal


def _uncomplete_if_no_goal_left(*, plan: RecoveryPlan, actor: User | None) -> None:
    # Completion needs a goal that is not set aside (see ``plan_complete``); a plan that lost its last one
    # would otherwise keep governing sessions and billing with nothing in it.
    if plan.completed_at is None or plan.lives_in_program_record:
        return
    if plan.goals.exclude(status=GoalStatus.SET_ASIDE).exists():
        return
    plan.completed_at = None
    plan.save()
    _log_change(actor, plan, "plan no longer complete: every goal set aside")


@transaction.atomic
def step_add(
    *, goal: PlanGoal, actor: User | None, description: str, who_helps: str = "", target_date: dt.date | None = None
) -> PlanStep:
    step = PlanStep(
        goal=goal,
        description=description.strip(),
        who_helps=who_helps.strip() or None,
        target_date=target_date,
        position=goal.steps.count(),
    )
    step.full_clean()
    step.save()
    _log_change(actor, goal.plan, "plan step added")
    return step


@transaction.atomic
def step_set_done(*, step: PlanStep, actor: User | None, done: bool) -> PlanStep:
    """Mark the step done (now) or not done. Marking it as it already is (a page left open, a double tap) changes
    nothing: the day a step was done stays the day it was first marked."""
    step = PlanStep.objects.select_for_update().get(pk=step.pk)
    if (step.done_at is not None) == done:
        return step
    step.done_at = timezone.now() if done else None
    step.save()
    _log_change(actor, step.goal.plan, "plan step done" if done else "plan step reopened")
    return step


@transaction.atomic
def progress_note_add(
    *, plan: RecoveryPlan, actor: User | None, text: str, noted_on: dt.date, goal: PlanGoal | None = None
) -> ProgressNote:
    if goal is not None and goal.plan_id != plan.pk:
        raise ValidationError({"goal": _("That goal is not in this plan.")})
    _date_checked(noted_on, "noted_on")
    note = ProgressNote(plan=plan, goal=goal, noted_on=noted_on, text=text.strip(), author=actor)
    note.full_clean()
    note.save()
    _log_change(actor, plan, "progress note added")
    return note


@transaction.atomic
def plan_complete(*, plan: RecoveryPlan, actor: User | None) -> RecoveryPlan:
    """Mark the plan complete. An individual recovery plan needs at least one goal; a program's plan needs
    its existence recorded (see ``plan_program_plan_record``)."""
    plan = RecoveryPlan.objects.select_for_update().get(pk=plan.pk)
    if plan.completed_at is not None:
        return plan
    if plan.lives_in_program_record:
        if not plan.program_plan_recorded:
            raise ValidationError(_("Record the date of the program's plan first."))
    elif not plan.goals.exclude(status=GoalStatus.SET_ASIDE).exists():
        raise ValidationError(_("A plan needs at least one goal before it is complete."))
    plan.completed_at = timezone.now()
    plan.save()
    _log_change(actor, plan, "plan marked complete")
    return plan


@transaction.atomic
def plan_reopen(*, plan: RecoveryPlan, actor: User | None) -> RecoveryPlan:
    """Reopen a complete plan for changes; the change history keeps when it was complete."""
    plan = RecoveryPlan.objects.select_for_update().get(pk=plan.pk)
    if plan.completed_at is None:
        return plan
    plan.completed_at = None
    plan.save()
    _log_change(actor, plan, "plan reopened")
    return plan


@transaction.atomic
def plan_program_plan_record(*, plan: RecoveryPlan, actor: User | None, plan_date: dt.date) -> RecoveryPlan:
    """For 245G/245F: record that the program's treatment/stabilization plan exists, and complete the plan."""
    plan = RecoveryPlan.objects.select_for_update().get(pk=plan.pk)
    if not plan.lives_in_program_record:
        raise ValidationError(_("This plan is Peerway's own individual recovery plan."))
    _date_checked(plan_date, "plan_date")
    plan.program_plan_recorded = True
    plan.program_plan_date = plan_date
    if plan.completed_at is None:
        plan.completed_at = timezone.now()
    plan.save()
    _log_change(actor, plan, "program plan recorded")
    return plan
