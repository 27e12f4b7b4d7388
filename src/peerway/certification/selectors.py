"""Reads about certification, scoped to the acting user.

An applicant sees their own applications; a board's reviewers (board_admin members of the board's
organization) see the applications submitted to their board. Anything else is a 404. Reviewers' reads of an
application write a ``viewed`` AccessEvent in the same transaction; every download of an evidence file or a
decision letter, by a reviewer or the applicant, writes an ``exported`` one instead.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.paginator import Page, Paginator
from django.db import transaction
from django.db.models import F, Q, QuerySet, Sum
from django.http import Http404
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.formats import number_format
from django.utils.translation import gettext, ngettext

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
    CredentialType,
    Evidence,
    exam_name,
)
from peerway.core.access import access_events_record, acting_role
from peerway.core.casefold import UnicodeIContains, UnicodeIExact
from peerway.core.models import AccessAction

SUBJECT_APPLICATION = "cert_application"
# The role written when applicants take away their own documents (as the personal space writes "self").
APPLICANT_ROLE = "self"
REVIEW_PAGE_SIZE = 25
REVIEWER_ROLES = (Role.BOARD_ADMIN,)
# Public verification lists at most this many holders of one name; past it, the caller is told to search by number.
VERIFY_NAME_LIMIT = 20
# The longest credential number and full name a search may hold (the number column is 32 characters).
VERIFY_NUMBER_MAX_LENGTH = 32
VERIFY_NAME_MAX_LENGTH = 120


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


def _access_record(
    user: User, application: Application, *, action: AccessAction, reason: str = "", as_applicant: bool = False
) -> None:
    organization = application.credential_type.board.organization
    if organization is None:
        # Only an applicant reaches a board without an organization; there is no access log to write to.
        return
    access_events_record(
        actor=user,
        role=APPLICANT_ROLE if as_applicant else acting_role(user, organization, REVIEWER_ROLES),
        organization=organization,
        subject_type=SUBJECT_APPLICATION,
        subject_ids=[application.public_id],
        action=action,
        reason=reason,
    )


@transaction.atomic
def application_get_for_reviewer(user: User, public_id: uuid.UUID | str, *, reason: str = "") -> Application:
    application = _get(applications_for_reviewer(user), public_id)
    assert application.credential_type.board.organization is not None  # boards_for_reviewer requires one
    _access_record(user, application, action=AccessAction.VIEWED, reason=reason)
    return application


def _application_for_reader(user: User, public_id: uuid.UUID | str) -> tuple[Application, bool]:
    """The application for its applicant or one of the board's reviewers, and whether ``user`` is the applicant.

    Writes no AccessEvent: the callers say what the reader takes away.
    """
    if not user.is_authenticated:
        raise Http404("No such application.")
    try:
        return application_get_for_applicant(user, public_id), True
    except Http404:
        return _get(applications_for_reviewer(user), public_id), False


@transaction.atomic
def evidence_open_for_reader(user: User, public_id: uuid.UUID | str) -> tuple[Evidence, File]:
    """An evidence file, open for reading, for the applicant and the board's reviewers (404 for anyone else).

    The download takes a copy of the applicant's document out of Peerway, so it writes one ``exported``
    AccessEvent in the board's organization, in the same transaction, and no ``viewed`` one.
    """
    try:
        evidence = Evidence.objects.select_related("application").get(public_id=public_id)
    except (Evidence.DoesNotExist, ValueError, TypeError, ValidationError):
        raise Http404("No such file.") from None
    application, as_applicant = _application_for_reader(user, evidence.application.public_id)
    try:
        handle = evidence.file.open("rb")
    except FileNotFoundError:
        raise Http404("No such file.") from None
    _access_record(user, application, action=AccessAction.EXPORTED, reason="evidence file", as_applicant=as_applicant)
    return evidence, handle


def decision_letter_pdf(application: Application) -> bytes:
    """The decision as a PDF, in the applicant's language (their preference, else English)."""
    language = application.applicant.preferred_language or "en"
    if language not in dict(settings.LANGUAGES):
        language = "en"
    credential = getattr(application, "issued_credential", None) or application.held_credential
    with translation.override(language):
        html = render_to_string(
            "certification/decision_letter.html",
            {"application": application, "credential": credential, "LANGUAGE_CODE": language},
        )
    # Imported here: WeasyPrint takes seconds to import, which every process would otherwise pay at start.
    from weasyprint import HTML

    data: bytes = HTML(string=html, base_url=str(getattr(settings, "BASE_DIR", "")) or None).write_pdf()
    return data


@transaction.atomic
def decision_letter_for_reader(user: User, public_id: uuid.UUID | str) -> tuple[Application, bytes]:
    """The decision letter of a decided application, for the applicant and the board's reviewers (404 for anyone
    else, and before the decision); one ``exported`` AccessEvent in the board's organization, no ``viewed`` one."""
    application, as_applicant = _application_for_reader(user, public_id)
    if application.status not in (ApplicationStatus.APPROVED, ApplicationStatus.DENIED):
        raise Http404("No decision yet.")
    data = decision_letter_pdf(application)
    _access_record(user, application, action=AccessAction.EXPORTED, reason="decision letter", as_applicant=as_applicant)
    return application, data


@dataclass(frozen=True)
class ReviewFilters:
    status: str = ""
    credential_type: str = ""
    kind: str = ""
    q: str = ""


@transaction.atomic
def review_queue_page(user: User, filters: ReviewFilters, page_number: int | str = 1) -> Page:
    """One page of the reviewer's queue, oldest submission first; each application listed gets an AccessEvent."""
    # The board's organization too: the access events below are grouped by it, for every application listed.
    queryset = applications_for_reviewer(user).select_related("credential_type__board__organization", "applicant")
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
            active=held.is_active_on(timezone.localdate()),
            label=f"{held_type.board.name} {held_type.code}",
        ),
        minimums(),
        target.spec,
    )
    if result.eligible and held_type.board_id == target.board_id:
        return rules.ReciprocityResult(
            False, (gettext("Reciprocity is between boards: this credential is from the same board."),), frozenset()
        )
    # The reasons in the reader's language, built from the rules' data.
    return replace(result, reasons=tuple(refusal_text(refusal) for refusal in result.refusals))


def _number(value: Decimal) -> str:
    """Hours or months as the reader writes numbers, without trailing zeros: 500, 1.5 (1,5 in Spanish)."""
    number = value.quantize(Decimal("0.01")).normalize()
    places = max(0, -int(number.as_tuple().exponent))
    return number_format(number, decimal_pos=places)


def _exam_names(codes: Iterable[str]) -> str:
    """Exams by their names where Peerway knows one (the exam form's choices), else by their codes."""
    return gettext(", ").join(exam_name(code) for code in codes)


def _label(label: str) -> str:
    # Labels from the rules' data (training domains) and from rules.py are translated by value; their msgids are
    # listed in templates/i18n/strings_from_code.html.
    return gettext(label) if label else ""


def checklist_line_text(line: rules.Line) -> str:
    """One requirement and where the application stands on it, in the active language, as the checklist shows it
    (templates/certification/_checklist.html): "Ethical responsibility: 12 of 16 hours"."""
    values = {"have": _number(line.have), "need": _number(line.need)}
    if line.satisfied_by_held:
        status = gettext("satisfied by the credential held")
    elif line.unit == "hours":
        status = gettext("%(have)s of %(need)s hours") % values
    elif line.unit == "percent":
        status = gettext("%(have)s%% of %(need)s%%") % values
    else:
        status = gettext("done") if line.met else gettext("missing")
    return f"{_label(line.label)}: {status}"


def shortfall_text(shortfall: rules.Shortfall) -> str:
    """One way a credential asks less than the IC&RC minimums, in the active language."""
    kind = rules.ShortfallKind
    values = {"requirement": _label(shortfall.label), "have": _number(shortfall.have), "need": _number(shortfall.need)}
    if shortfall.kind is kind.TRAINING_DOMAIN:
        return gettext("%(requirement)s: %(have)s of %(need)s training hours") % values
    if shortfall.kind is kind.HOURS:
        return gettext("%(requirement)s: %(have)s of %(need)s hours") % values
    if shortfall.kind is kind.NO_EXAM:
        return gettext("Exam: none required")
    if shortfall.kind is kind.EXAM_NOT_ACCEPTED:
        return ngettext(
            "Exam: %(exams)s is not an accepted exam (accepted: %(accepted)s)",
            "Exam: %(exams)s are not accepted exams (accepted: %(accepted)s)",
            len(shortfall.exams),
        ) % {"exams": _exam_names(shortfall.exams), "accepted": _exam_names(shortfall.accepted)}
    if shortfall.kind is kind.ATTESTATION:
        return gettext("%(requirement)s: not required") % values
    if shortfall.kind is kind.NO_RENEWAL:
        return gettext("Renewal: none required")
    return ngettext(
        "Renewal: every %(months)s month, more than %(limit)s",
        "Renewal: every %(months)s months, more than %(limit)s",
        int(shortfall.have),
    ) % {"months": values["have"], "limit": values["need"]}


def refusal_text(refusal: rules.Refusal) -> str:
    """Why a held credential gives no reciprocity, in the active language."""
    kind = rules.RefusalKind
    if refusal.kind is kind.NOT_OFFERED:
        return gettext("This credential is not offered by reciprocity.")
    if refusal.kind is kind.BOARD_NOT_MEMBER:
        return gettext("The board that issued %(credential)s is not an IC&RC member board.") % {
            "credential": refusal.credential
        }
    if refusal.kind is kind.NOT_ACTIVE:
        return gettext("%(credential)s is not active.") % {"credential": refusal.credential}
    return gettext("%(credential)s does not meet the IC&RC minimums: %(shortfalls)s.") % {
        "credential": refusal.credential,
        "shortfalls": "; ".join(shortfall_text(shortfall) for shortfall in refusal.shortfalls),
    }


def renewal_ce_counted(application: Application) -> list[Any]:
    """The continuing education a renewal's checklist counts (the courses in the held credential's current period),
    for the board to check the total against; empty for any other application."""
    if application.kind != ApplicationKind.RENEWAL or application.held_credential is None:
        return []
    from peerway.workforce.credentials import ce_entries_for_peer, renewal_evaluate

    entries = ce_entries_for_peer(application.applicant)
    renewal = renewal_evaluate(application.held_credential, entries)
    if renewal.period_start is None or renewal.period_end is None:
        return []
    start, end = renewal.period_start, renewal.period_end
    return sorted((e for e in entries if start <= e.completed_on <= end), key=lambda e: (e.completed_on, e.pk))


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
    """Why ``reviewer`` may not act on ``application``, in the active language (empty when they may)."""
    if reviewer.pk == application.applicant_id:
        return gettext("This is your own application.")
    peer_orgs = Membership.objects.filter(user_id=application.applicant_id, role=Role.PEER, active=True).values(
        "organization_id"
    )
    if Membership.objects.filter(
        user=reviewer, role=Role.SUPERVISOR, active=True, organization_id__in=peer_orgs
    ).exists():
        return gettext("You supervise this applicant (you are a supervisor where they are a peer).")
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


@dataclass(frozen=True)
class Verified:
    """What a public verification found: the credentials, and whether more holders share the name than are listed."""

    credentials: list[Credential]
    more: bool = False


def credentials_verify(*, name: str = "", number: str = "") -> Verified:
    """Public verification: by exact credential number, or by full name (first and last, case-insensitive)."""
    queryset = Credential.objects.select_related("credential_type__board", "holder")
    number = number.strip().upper()
    name = " ".join(name.split())
    if number:
        return Verified(list(queryset.filter(number=number)[:1]))
    if name and " " in name:
        # Either name may have several words ("Mary Ann Lee", "Ana Garcia Lopez"), so try every split point.
        words = name.split(" ")
        matches = Q()
        for split in range(1, len(words)):
            first, last = " ".join(words[:split]), " ".join(words[split:])
            # Unicode-aware on SQLite too, so "ANA NÚÑEZ" finds "Ana Núñez" on both databases.
            matches |= Q(UnicodeIExact(F("holder__first_name"), first), UnicodeIExact(F("holder__last_name"), last))
        ordered = queryset.filter(matches).order_by("holder__last_name", "-issued_on", "pk")
        found = list(ordered[: VERIFY_NAME_LIMIT + 1])
        return Verified(found[:VERIFY_NAME_LIMIT], more=len(found) > VERIFY_NAME_LIMIT)
    return Verified([])
