"""Reads about certification, scoped to the acting user.

An applicant sees their own applications; a board's reviewers (board_admin members of the board's
organization) see the applications submitted to their board. Anything else is a 404. Reviewers' reads of an
application write an AccessEvent in the same transaction.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.db import transaction
from django.db.models import F, Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone

from peerway.accounts.models import Membership, User
from peerway.accounts.roles import Role
from peerway.accounts.selectors import organization_ids_for_user
from peerway.certification import rules
from peerway.certification.models import (
    Application,
    ApplicationKind,
    ApplicationStatus,
    Board,
    Credential,
    CredentialStatus,
    CredentialType,
)
from peerway.core.access import access_events_record, acting_role
from peerway.core.casefold import UnicodeIContains, UnicodeIExact
from peerway.core.models import AccessAction

SUBJECT_APPLICATION = "cert_application"
REVIEW_PAGE_SIZE = 25
REVIEWER_ROLES = (Role.BOARD_ADMIN,)


def boards_for_reviewer(user: User) -> QuerySet[Board]:
    return Board.objects.filter(organization_id__in=organization_ids_for_user(user, REVIEWER_ROLES))


def applications_for_reviewer(user: User) -> QuerySet[Application]:
    """Applications to the user's boards that have left the draft stage."""
    return Application.objects.filter(credential_type__board__in=boards_for_reviewer(user)).exclude(
        status=ApplicationStatus.DRAFT
    )


def _get(queryset: QuerySet[Application], public_id: uuid.UUID | str) -> Application:
    try:
        return queryset.select_related("credential_type__board", "applicant", "held_credential__credential_type").get(
            public_id=public_id
        )
    except (Application.DoesNotExist, ValueError, TypeError, ValidationError):
        raise Http404("No such application.") from None


def application_get_for_applicant(user: User, public_id: uuid.UUID | str) -> Application:
    if not user.is_authenticated:
        raise Http404("No such application.")
    return _get(Application.objects.filter(applicant=user), public_id)


@transaction.atomic
def application_get_for_reviewer(user: User, public_id: uuid.UUID | str, *, reason: str = "") -> Application:
    application = _get(applications_for_reviewer(user), public_id)
    organization = application.credential_type.board.organization
    assert organization is not None  # boards_for_reviewer only yields boards with an organization
    access_events_record(
        actor=user,
        role=acting_role(user, organization, REVIEWER_ROLES),
        organization=organization,
        subject_type=SUBJECT_APPLICATION,
        subject_ids=[application.public_id],
        action=AccessAction.VIEWED,
        reason=reason,
    )
    return application


def application_get_for_reader(user: User, public_id: uuid.UUID | str) -> Application:
    """The applicant or one of the board's reviewers (e.g. evidence and the decision letter)."""
    if not user.is_authenticated:
        raise Http404("No such application.")
    try:
        return application_get_for_applicant(user, public_id)
    except Http404:
        return application_get_for_reviewer(user, public_id)


@dataclass(frozen=True)
class ReviewFilters:
    status: str = ""
    credential_type: str = ""
    kind: str = ""
    q: str = ""


@transaction.atomic
def review_queue_page(user: User, filters: ReviewFilters, page_number: int | str = 1) -> Page:
    """One page of the reviewer's queue, oldest submission first; each application listed gets an AccessEvent."""
    queryset = applications_for_reviewer(user).select_related("credential_type__board", "applicant")
    if filters.status:
        queryset = queryset.filter(status=filters.status)
    else:
        queryset = queryset.filter(
            status__in=[ApplicationStatus.SUBMITTED, ApplicationStatus.UNDER_REVIEW, ApplicationStatus.MORE_INFO_NEEDED]
        )
    if filters.credential_type:
        queryset = queryset.filter(credential_type__code=filters.credential_type)
    if filters.kind:
        queryset = queryset.filter(kind=filters.kind)
    if filters.q:
        # Unicode-aware on SQLite too: names such as "Şükrü Öztürk" are found in any case.
        queryset = queryset.filter(
            Q(UnicodeIContains(F("applicant__first_name"), filters.q))
            | Q(UnicodeIContains(F("applicant__last_name"), filters.q))
            | Q(UnicodeIExact(F("applicant__username"), filters.q))
        )
    page = Paginator(queryset.order_by("submitted_at", "id"), REVIEW_PAGE_SIZE).get_page(page_number)
    by_org: dict[int, list[Application]] = {}
    for application in page.object_list:
        organization = application.credential_type.board.organization
        if organization is not None:
            by_org.setdefault(organization.pk, []).append(application)
    for applications in by_org.values():
        organization = applications[0].credential_type.board.organization
        assert organization is not None
        access_events_record(
            actor=user,
            role=acting_role(user, organization, REVIEWER_ROLES),
            organization=organization,
            subject_type=SUBJECT_APPLICATION,
            subject_ids=[a.public_id for a in applications],
            action=AccessAction.LISTED,
        )
    return page


def _sum(queryset: QuerySet[object]) -> Decimal:
    return queryset.aggregate(total=Sum("hours"))["total"] or Decimal(0)  # type: ignore[attr-defined]


def application_record(application: Application) -> rules.Record:
    training: dict[str, Decimal] = {}
    for row in application.training.values("domain").annotate(total=Sum("hours")):
        training[row["domain"]] = row["total"]
    attestations = set(application.attestations.values_list("kind", flat=True))
    return rules.Record(
        training_hours=training,
        experience_hours=_sum(application.experience.all()),
        supervision_hours=_sum(application.supervision.all()),
        exams_passed=frozenset(application.exams.filter(passed=True).values_list("exam", flat=True)),
        education=frozenset({"high_school"} if "education" in attestations else set()),
        attestations=frozenset(attestations),
        jurisdiction_share_percent=application.jurisdiction_share_percent,
        evidence=frozenset(application.evidence.values_list("kind", flat=True)),
    )


def minimums() -> rules.RequirementSpec:
    reference = (
        CredentialType.objects.filter(reference_standard=True, board__slug="icrc")
        .in_effect(timezone.localdate())
        .order_by("-version")
        .first()
    )
    return reference.spec if reference else rules.RequirementSpec()


def reciprocity_evaluate(held: Credential, target: CredentialType) -> rules.ReciprocityResult:
    held_type = held.credential_type
    result = rules.evaluate_reciprocity(
        rules.HeldCredential(
            spec=held_type.spec,
            board_is_icrc_member=held_type.board.icrc_member,
            active=held.status == CredentialStatus.ACTIVE,
            label=f"{held_type.board.name} {held_type.code}",
        ),
        minimums(),
        target.spec,
    )
    if result.eligible and held_type.board_id == target.board_id:
        return rules.ReciprocityResult(
            False, ("Reciprocity is between boards: this credential is from the same board.",), frozenset()
        )
    return result


def application_checklist(application: Application) -> rules.Checklist:
    """The requirements line by line with their gaps. A renewal is judged by the credential type's renewal rule
    (continuing education in the held credential's current period, from the applicant's CE log), not by the
    requirements for a first credential."""
    if application.kind == ApplicationKind.RENEWAL and application.held_credential is not None:
        # The CE log lives with the workforce app, which builds on this one; imported here to keep it that way.
        from peerway.workforce.credentials import ce_entries_for_peer, renewal_evaluate

        renewal = renewal_evaluate(application.held_credential, ce_entries_for_peer(application.applicant))
        return renewal.checklist or rules.Checklist(())
    satisfied: frozenset[str] = frozenset()
    reciprocity = application.kind == ApplicationKind.RECIPROCITY
    if reciprocity and application.held_credential is not None:
        satisfied = reciprocity_evaluate(application.held_credential, application.credential_type).satisfied
    return rules.evaluate_application(
        application.credential_type.spec, application_record(application), satisfied, reciprocity=reciprocity
    )


def conflict_of_interest(reviewer: User, application: Application) -> str:
    """Why ``reviewer`` may not act on ``application`` (empty when they may)."""
    if reviewer.pk == application.applicant_id:
        return "This is your own application."
    peer_orgs = Membership.objects.filter(user_id=application.applicant_id, role=Role.PEER, active=True).values(
        "organization_id"
    )
    if Membership.objects.filter(
        user=reviewer, role=Role.SUPERVISOR, active=True, organization_id__in=peer_orgs
    ).exists():
        return "You supervise this applicant (you are a supervisor where they are a peer)."
    return ""


def credential_types_open() -> QuerySet[CredentialType]:
    """Credential types a peer can apply for today (reference standards are never issued)."""
    return (
        CredentialType.objects.in_effect(timezone.localdate())
        .filter(reference_standard=False)
        .select_related("board")
        .order_by("board__name", "level", "code")
    )


def credentials_for_holder(user: User) -> QuerySet[Credential]:
    return Credential.objects.filter(holder=user).select_related("credential_type__board")


def credentials_verify(*, name: str = "", number: str = "") -> list[Credential]:
    """Public verification: by exact credential number, or by full name (first and last, case-insensitive)."""
    queryset = Credential.objects.select_related("credential_type__board", "holder")
    number = number.strip().upper()
    name = " ".join(name.split())
    if number:
        return list(queryset.filter(number=number)[:1])
    if name and " " in name:
        # Either name may have several words ("Mary Ann Lee", "Ana Garcia Lopez"), so try every split point.
        words = name.split(" ")
        matches = Q()
        for split in range(1, len(words)):
            first, last = " ".join(words[:split]), " ".join(words[split:])
            # Unicode-aware on SQLite too, so "ANA NÚÑEZ" finds "Ana Núñez" on both databases.
            matches |= Q(UnicodeIExact(F("holder__first_name"), first), UnicodeIExact(F("holder__last_name"), last))
        return list(queryset.filter(matches).order_by("holder__last_name", "-issued_on")[:20])
    return []
