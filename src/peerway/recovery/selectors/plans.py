"""Reads of recovery plans, scoped to the acting user's organizations and audited.

The plan page and its PDF are reads of the participant's record: each writes one AccessEvent.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.template.loader import render_to_string
from django.utils import timezone, translation

if TYPE_CHECKING:
    from weasyprint.document import Document  # type: ignore[import-untyped]

from peerway.accounts.links import participant_language
from peerway.accounts.models import User
from peerway.accounts.roles import PARTICIPANT_RECORD_ROLES, PLAN_EDIT_ROLES, Role
from peerway.accounts.selectors import memberships_for_user
from peerway.core.access import access_events_record, acting_role
from peerway.core.models import AccessAction
from peerway.recovery.models import (
    PLAN_KIND_FOR_PROGRAM,
    SUBJECT_PARTICIPANT,
    Engagement,
    PlanGoal,
    PlanStep,
    ProgressNote,
    RecoveryPlan,
)
from peerway.recovery.selectors.scope import record_organization_ids


def engagements_for_user(user: User, roles: frozenset[Role] = PARTICIPANT_RECORD_ROLES) -> QuerySet[Engagement]:
    """Engagements of the organizations where the user holds one of ``roles``. Lazy and unaudited."""
    return Engagement.objects.filter(organization_id__in=record_organization_ids(user, roles)).select_related(
        "participant", "participant__language", "organization", "peer"
    )


def engagement_get_for_user(user: User, public_id: uuid.UUID | str, roles: frozenset[Role]) -> Engagement:
    """One engagement in scope, unaudited (the caller's service or selector writes the AccessEvent). 404 else."""
    try:
        return engagements_for_user(user, roles).get(public_id=public_id)
    except (Engagement.DoesNotExist, ValueError, TypeError, ValidationError):
        raise Http404("No such engagement.") from None


def plan_saved_for(engagement: Engagement) -> RecoveryPlan | None:
    """The engagement's saved plan, or None when nothing has been written to it yet. Unaudited."""
    return RecoveryPlan.objects.filter(engagement=engagement).first()


def plan_for_engagement(engagement: Engagement) -> RecoveryPlan:
    """The saved plan with goals, steps and notes loaded, or an unsaved empty one of the right kind."""
    plan = (
        RecoveryPlan.objects.filter(engagement=engagement)
        .prefetch_related(
            Prefetch("goals", queryset=PlanGoal.objects.prefetch_related(Prefetch("steps", PlanStep.objects.all()))),
            Prefetch("progress_notes", queryset=ProgressNote.objects.select_related("goal", "author")),
        )
        .first()
    )
    if plan is None:
        plan = RecoveryPlan(engagement=engagement, kind=PLAN_KIND_FOR_PROGRAM[engagement.program])
    plan.engagement = engagement
    return plan


@dataclass
class PlanPage:
    engagement: Engagement
    plan: RecoveryPlan
    goals: list[PlanGoal]
    notes: list[ProgressNote]
    can_edit: bool


def _record(
    user: User | None, engagement: Engagement, action: AccessAction, reason: str, roles: frozenset[Role]
) -> None:
    access_events_record(
        actor=user,
        role=acting_role(user, engagement.organization, roles),
        organization=engagement.organization,
        subject_type=SUBJECT_PARTICIPANT,
        subject_ids=[engagement.participant.public_id],
        action=action,
        reason=reason,
    )


@transaction.atomic
def plan_page_for_user(user: User, engagement_public_id: uuid.UUID | str, *, reason: str = "recovery plan") -> PlanPage:
    engagement = engagement_get_for_user(user, engagement_public_id, PARTICIPANT_RECORD_ROLES)
    plan = plan_for_engagement(engagement)
    goals = list(plan.goals.all()) if plan.pk else []
    notes = list(plan.progress_notes.all()) if plan.pk else []
    can_edit = any(
        m.organization_id == engagement.organization_id and m.role in {str(r) for r in PLAN_EDIT_ROLES}
        for m in memberships_for_user(user)
    )
    _record(user, engagement, AccessAction.VIEWED, reason, PARTICIPANT_RECORD_ROLES)
    return PlanPage(engagement=engagement, plan=plan, goals=goals, notes=notes, can_edit=can_edit)


def plan_pdf_document(engagement: Engagement, *, for_person: bool = True) -> Document:
    """The plan laid out for print, in the person's language (English when Peerway lacks theirs)."""
    plan = plan_for_engagement(engagement)
    language = participant_language(engagement.participant)
    with translation.override(language):
        html = render_to_string(
            "recovery/plan_pdf.html",
            {
                "engagement": engagement,
                "participant": engagement.participant,
                "plan": plan,
                "goals": list(plan.goals.all()) if plan.pk else [],
                "printed_on": timezone.localdate(),
                "language": language,
                "for_person": for_person,
            },
        )
        # Imported here: WeasyPrint takes seconds to import, which every process would otherwise pay at start.
        from weasyprint import HTML  # type: ignore[import-untyped]

        return HTML(string=html).render()


def plan_pdf_bytes(engagement: Engagement) -> bytes:
    data: bytes = plan_pdf_document(engagement).write_pdf()
    return data


@transaction.atomic
def plan_pdf_for_user(user: User, engagement_public_id: uuid.UUID | str) -> tuple[Engagement, bytes]:
    """The printable plan for staff to hand over; an ``exported`` AccessEvent."""
    engagement = engagement_get_for_user(user, engagement_public_id, PARTICIPANT_RECORD_ROLES)
    data = plan_pdf_bytes(engagement)
    _record(user, engagement, AccessAction.EXPORTED, "recovery plan PDF", PARTICIPANT_RECORD_ROLES)
    return engagement, data
