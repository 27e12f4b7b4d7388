"""Reads of check-ups, scoped to the acting user's organizations and audited (a 404 outside them)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from peerway.accounts.models import User
from peerway.accounts.roles import Role
from peerway.core.access import access_events_record, acting_role
from peerway.core.models import AccessAction
from peerway.recovery.models import SUBJECT_PARTICIPANT, Checkup, CheckupStatus, Engagement, Wellbeing
from peerway.recovery.selectors.scope import record_organization_ids
from peerway.recovery.services.checkups import CHECKUP_ROLES, engagement_start_date
from peerway.recovery.wellness import CheckupFact, MilestoneResult, wellness_milestones

# Who sees the organization's re-links and crisis check-ups.
RELINK_REVIEW_ROLES = frozenset({Role.SUPERVISOR, Role.ORG_ADMIN})
RELINK_PAGE_SIZE = 200


@dataclass(frozen=True)
class CheckupPage:
    engagement: Engagement
    checkups: list[Checkup]
    next_due: Checkup | None
    wellness: list[MilestoneResult]


def engagements_for_checkups(user: User) -> QuerySet[Engagement]:
    return Engagement.objects.filter(organization_id__in=record_organization_ids(user, CHECKUP_ROLES))


def checkup_engagement_ids(user: User, engagements: Iterable[Engagement]) -> set[int]:
    """Which of ``engagements`` (by pk) the user may open the check-ups of, by ``engagements_for_checkups``."""
    pks = [engagement.pk for engagement in engagements]
    return set(engagements_for_checkups(user).filter(pk__in=pks).values_list("pk", flat=True))


def _engagement_get(user: User, public_id: uuid.UUID | str) -> Engagement:
    try:
        return (
            engagements_for_checkups(user)
            .select_related("organization", "participant", "peer", "participant__language")
            .get(public_id=public_id)
        )
    except (Engagement.DoesNotExist, ValueError, TypeError, ValidationError):
        raise Http404("No such engagement.") from None


def _audit(user: User, engagement: Engagement, action: AccessAction, reason: str) -> None:
    access_events_record(
        actor=user,
        role=acting_role(user, engagement.organization, CHECKUP_ROLES),
        organization=engagement.organization,
        subject_type=SUBJECT_PARTICIPANT,
        subject_ids=[engagement.participant.public_id],
        action=action,
        reason=reason,
    )


def checkup_facts(checkups: list[Checkup], *, zone: dt.tzinfo) -> list[CheckupFact]:
    """The check-ups as the wellness rule sees them, each dated by the day it was recorded in ``zone`` (the
    organization's time zone); cancelled ones left out."""
    return [
        CheckupFact(
            due_on=checkup.due_on,
            reached=checkup.reached,
            wellbeing=checkup.wellbeing,
            recovery_capital=checkup.recovery_capital,
            recorded_on=checkup.recorded_at.astimezone(zone).date() if checkup.recorded_at else None,
        )
        for checkup in checkups
        if checkup.status != CheckupStatus.CANCELLED
    ]


@transaction.atomic
def checkup_page_for_user(user: User, engagement_public_id: uuid.UUID | str) -> CheckupPage:
    """An engagement's check-ups and the person's sustained wellness at 1, 3 and 5 years; one ``viewed`` event."""
    engagement = _engagement_get(user, engagement_public_id)
    checkups = list(
        Checkup.objects.filter(engagement=engagement).select_related("relink_request", "recorded_by").order_by("due_on")
    )
    # The person's check-ups in every engagement with this organization count towards their wellness.
    all_checkups = list(
        Checkup.objects.filter(engagement__participant_id=engagement.participant_id).only(
            "due_on", "reached", "wellbeing", "recovery_capital", "status", "recorded_at"
        )
    )
    today = timezone.localdate()
    facts = checkup_facts(all_checkups, zone=engagement.organization.zone)
    wellness = wellness_milestones(facts, start=engagement_start_date(engagement), today=today)
    next_due = next((c for c in checkups if c.status == CheckupStatus.SCHEDULED), None)
    _audit(user, engagement, AccessAction.VIEWED, "check-ups")
    return CheckupPage(engagement=engagement, checkups=checkups, next_due=next_due, wellness=wellness)


@transaction.atomic
def checkup_get_for_user(
    user: User, engagement_public_id: uuid.UUID | str, checkup_public_id: uuid.UUID | str
) -> Checkup:
    """One check-up of an engagement the user may see; one ``viewed`` event."""
    engagement = _engagement_get(user, engagement_public_id)
    try:
        checkup = Checkup.objects.get(engagement=engagement, public_id=checkup_public_id)
    except (Checkup.DoesNotExist, ValueError, TypeError, ValidationError):
        raise Http404("No such check-up.") from None
    checkup.engagement = engagement
    _audit(user, engagement, AccessAction.VIEWED, "check-up")
    return checkup


@transaction.atomic
def relinks_for_supervisor(user: User) -> list[Checkup]:
    """Re-links and crisis check-ups of the organizations the user supervises, newest first; each person listed
    gets one ``listed`` event."""
    organization_ids = record_organization_ids(user, RELINK_REVIEW_ROLES)
    if not organization_ids.exists():
        raise Http404("No organization whose re-links you supervise.")
    checkups = list(
        Checkup.objects.filter(engagement__organization_id__in=organization_ids, status=CheckupStatus.RECORDED)
        .filter(~Q(relink_kind="") | Q(wellbeing=Wellbeing.IN_CRISIS))
        .select_related(
            "engagement__organization", "engagement__participant", "engagement__peer", "relink_request", "recorded_by"
        )
        .order_by("-recorded_at")[:RELINK_PAGE_SIZE]
    )
    by_org: dict[int, list[Checkup]] = {}
    for checkup in checkups:
        by_org.setdefault(checkup.engagement.organization_id, []).append(checkup)
    for group in by_org.values():
        organization = group[0].engagement.organization
        access_events_record(
            actor=user,
            role=acting_role(user, organization, RELINK_REVIEW_ROLES),
            organization=organization,
            subject_type=SUBJECT_PARTICIPANT,
            subject_ids=list(dict.fromkeys(c.engagement.participant.public_id for c in group)),
            action=AccessAction.LISTED,
            reason="re-links and crises",
        )
    return checkups
