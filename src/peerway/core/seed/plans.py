"""Seed stage "plans": recovery plans for the engagements earlier stages created, and a few message threads.

Most individual recovery plans were complete within the first three sessions (a few days to two weeks after
the engagement began), some late (a month or two), some are still missing. Plans of 245G and 245F programs
record the program's own plan and its date. Goals, steps and notes are drawn from invented phrases. The
stage queries whatever engagements exist, so it copes with none.
"""

from __future__ import annotations

import datetime as dt

from peerway.core.seed.context import SeedContext
from peerway.recovery.models import (
    PLAN_KIND_FOR_PROGRAM,
    Contact,
    Engagement,
    EngagementStatus,
    GoalStatus,
    Message,
    MessageSender,
    PlanGoal,
    PlanKind,
    PlanStep,
    ProgressNote,
    RecoveryPlan,
)
from peerway.recovery.plan_rule import plan_compliance

MISSING_SHARE = 0.1
LATE_SHARE = 0.15
ON_TIME_DAYS = (1, 14)
LATE_DAYS = (30, 75)

GOALS: dict[str, tuple[str, ...]] = {
    "recovery": ("Stay sober through the holidays", "Go to two meetings a week", "Keep taking my medication"),
    "health": ("Sleep through the night", "See a dentist this year", "Walk every morning"),
    "housing": ("Find a place of my own", "Keep my apartment", "Move somewhere quieter"),
    "relationships": ("Spend Sundays with my kids", "Talk with my brother again", "Be a better friend"),
    "community": ("Join the drum group", "Volunteer at the food shelf", "Go back to church"),
    "work": ("Finish my GED", "Get my forklift license", "Keep my job for a year"),
    "money": ("Pay off the phone bill", "Open a bank account", "Apply for benefits"),
    "legal": ("Finish probation", "Get my license back"),
    "spirituality": ("Pray every morning", "Visit my elders"),
}
STEPS = (
    "Call the office on Monday",
    "Fill in the form together",
    "Ask about the waiting list",
    "Set a reminder on my phone",
    "Bring my papers to the meeting",
    "Ride the bus there once to learn the way",
)
HELPERS = ("", "", "My sister", "My sponsor", "Housing navigator", "The clinic", "My peer", "Auntie")
NOTES = (
    "Went to the appointment and it went well.",
    "Had a hard week; we talked it through.",
    "Made the first call; waiting to hear back.",
    "Proud of the progress this month.",
    "Changed the target date; the first one was too soon.",
)
MESSAGES_FROM_PERSON = (
    "Hi, can we meet this week?",
    "I got the apartment!",
    "Rough day today.",
    "Thanks for the ride yesterday.",
)
MESSAGES_FROM_PEER = (
    "Of course. Thursday at 2?",
    "That is wonderful news.",
    "I'm here. Want to talk on the phone?",
    "Anytime. See you next week.",
)


def plans_seed(ctx: SeedContext) -> None:
    rng = ctx.rng
    rows = list(Engagement.objects.order_by("id").values_list("id", "program", "status", "started_at", "peer__user_id"))
    plans: list[RecoveryPlan] = []
    for engagement_id, program, _status, started_at, _author in rows:
        if rng.random() < MISSING_SHARE:
            continue
        kind = PLAN_KIND_FOR_PROGRAM[program]
        late = rng.random() < LATE_SHARE
        days = rng.randint(*(LATE_DAYS if late else ON_TIME_DAYS))
        completed = started_at + dt.timedelta(days=days, hours=rng.randint(0, 8))
        completed_at = completed if completed < ctx.anchor else None
        created_at = min(started_at + dt.timedelta(hours=rng.randint(1, 48)), ctx.anchor)
        plans.append(
            RecoveryPlan(
                public_id=ctx.public_id(),
                engagement_id=engagement_id,
                kind=kind,
                completed_at=completed_at,
                program_plan_recorded=kind != PlanKind.INDIVIDUAL_RECOVERY_PLAN and completed_at is not None,
                program_plan_date=completed_at.date()
                if kind != PlanKind.INDIVIDUAL_RECOVERY_PLAN and completed_at
                else None,
                created_at=created_at,
                updated_at=completed_at or created_at,
            )
        )
    created_plans = ctx.insert(RecoveryPlan, plans)
    by_engagement = {engagement_id: (started, author) for engagement_id, _p, _s, started, author in rows}

    goals: list[PlanGoal] = []
    goal_meta: list[tuple[dt.datetime, int]] = []
    for plan in created_plans:
        started, author = by_engagement[plan.engagement_id]
        for position, area in enumerate(rng.sample(sorted(GOALS), rng.randint(1, 3))):
            goals.append(
                PlanGoal(
                    public_id=ctx.public_id(),
                    plan_id=plan.pk,
                    life_area=area,
                    description=rng.choice(GOALS[area]),
                    target_date=(started + dt.timedelta(days=rng.randint(30, 365))).date(),
                    status=rng.choices([GoalStatus.OPEN, GoalStatus.MET, GoalStatus.SET_ASIDE], [70, 22, 8])[0],
                    position=position,
                    created_at=plan.created_at,
                    updated_at=plan.created_at,
                )
            )
            goal_meta.append((plan.created_at, author))
    created_goals = ctx.insert(PlanGoal, goals)

    steps: list[PlanStep] = []
    notes: list[ProgressNote] = []
    for goal, (created_at, author) in zip(created_goals, goal_meta, strict=True):
        for position in range(rng.randint(1, 2)):
            done = rng.random() < 0.4
            steps.append(
                PlanStep(
                    public_id=ctx.public_id(),
                    goal_id=goal.pk,
                    description=rng.choice(STEPS),
                    who_helps=rng.choice(HELPERS) or None,
                    target_date=goal.target_date,
                    done_at=ctx.moment_between(created_at, ctx.anchor) if done else None,
                    position=position,
                    created_at=created_at,
                    updated_at=created_at,
                )
            )
        for _ in range(rng.choices([0, 1, 2], [50, 35, 15])[0]):
            moment = ctx.moment_between(created_at, ctx.anchor)
            notes.append(
                ProgressNote(
                    public_id=ctx.public_id(),
                    plan_id=goal.plan_id,
                    goal_id=goal.pk,
                    noted_on=moment.astimezone(dt.UTC).date(),
                    text=rng.choice(NOTES),
                    author_id=author,
                    created_at=moment,
                    updated_at=moment,
                )
            )
    ctx.insert(PlanStep, steps)
    ctx.insert(ProgressNote, notes)
    _contact_plan_flags_refresh(created_plans)
    _threads_seed(ctx, [row for row in rows if row[2] != EngagementStatus.CLOSED])


def _contact_plan_flags_refresh(plans: list[RecoveryPlan]) -> None:
    """The engagements stage wrote contacts before any plan existed; flag, as contact_record would have, only
    the contacts after the third session that came before the plan was complete."""
    completed = {plan.engagement_id: plan.completed_at for plan in plans}
    changed: list[Contact] = []
    for contact in Contact.objects.order_by("id").only("id", "engagement_id", "occurred_at", "sessions_before"):
        done_at = completed.get(contact.engagement_id)
        complete = done_at is not None and done_at <= contact.occurred_at
        contact.plan_missing = not plan_compliance(
            sessions_done=contact.sessions_before, plan_complete=complete
        ).compliant
        changed.append(contact)
    Contact.objects.bulk_update(changed, ["plan_missing"], batch_size=2_000)


def _threads_seed(ctx: SeedContext, rows: list[tuple[int, str, str, dt.datetime, int]]) -> None:
    rng = ctx.rng
    chosen = rng.sample(rows, min(ctx.scale.message_threads, len(rows)))
    messages: list[Message] = []
    for engagement_id, _program, _status, started_at, author in sorted(chosen):
        moment = ctx.moment_between(started_at, ctx.anchor)
        for index in range(rng.randint(2, 5)):
            from_person = index % 2 == 0
            moment = min(moment + dt.timedelta(minutes=rng.randint(5, 600)), ctx.anchor)
            messages.append(
                Message(
                    public_id=ctx.public_id(),
                    engagement_id=engagement_id,
                    sender=MessageSender.PARTICIPANT if from_person else MessageSender.STAFF,
                    sender_user_id=None if from_person else author,
                    body=rng.choice(MESSAGES_FROM_PERSON if from_person else MESSAGES_FROM_PEER),
                    read_at=None if index >= 3 else moment + dt.timedelta(minutes=rng.randint(1, 60)),
                    created_at=moment,
                    updated_at=moment,
                )
            )
    ctx.insert(Message, messages)
