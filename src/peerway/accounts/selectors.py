"""Reads about accounts and memberships."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.db.models import QuerySet

from peerway.accounts.models import Membership, User
from peerway.accounts.roles import (
    ACCESS_LOG_ROLES,
    PARTICIPANT_RECORD_ROLES,
    PERSONAL_DATA_ROLES,
    SERVICE_ORG_KINDS,
    Role,
)


def memberships_for_user(user: User) -> QuerySet[Membership]:
    """The user's active memberships in active organizations, with the organization loaded."""
    if not user.is_authenticated:
        return Membership.objects.none()
    return (
        Membership.objects.filter(user=user, active=True, organization__active=True)
        .select_related("organization")
        .order_by("organization__name", "role")
    )


def organization_ids_for_user(user: User, roles: Iterable[Role]) -> QuerySet[Membership]:
    """Ids of the organizations in which the user holds one of ``roles`` (a subquery, not a list)."""
    return memberships_for_user(user).filter(role__in=[str(role) for role in roles]).values("organization_id")


def user_language(user: User) -> str:
    """The language the user reads Peerway in (their preference when Peerway has it, else English): what the
    worker, where no request sets a language, writes to them in."""
    code = user.preferred_language or ""
    return code if code in {code for code, _name in settings.LANGUAGES} else "en"


def users_by_language(users: Iterable[User]) -> dict[str, list[User]]:
    """``users`` grouped by ``user_language``, in their order: one message per language, each in its readers'."""
    groups: dict[str, list[User]] = {}
    for user in users:
        groups.setdefault(user_language(user), []).append(user)
    return groups


def user_needs_mfa(user: User) -> bool:
    # The Django admin lists staff and people's records to anyone with a view permission, superuser or not.
    if user.is_superuser or user.is_staff:
        return True
    return memberships_for_user(user).filter(role__in=[str(role) for role in PERSONAL_DATA_ROLES]).exists()


def staff_links(memberships: Iterable[Membership]) -> dict[str, bool]:
    """Which staff pages to offer on the staff home, from the roles held (each page checks again, by the same rule:
    a link shown must open)."""
    memberships = list(memberships)
    roles = {Role(m.role) for m in memberships}
    # People's records, calls and the access log live only in service organizations: the same role name held in a
    # board, the accreditation body or the state agency (an administrator may be one there) opens none of them.
    service_roles = {Role(m.role) for m in memberships if m.organization.kind in SERVICE_ORG_KINDS}
    return {
        "participants": bool(service_roles & PARTICIPANT_RECORD_ROLES),
        "queue": bool(roles & {Role.PEER, Role.SUPERVISOR}),
        "peer_profile": Role.PEER in roles,
        "caseload": Role.PEER in roles,
        "team_caseload": Role.SUPERVISOR in roles,
        "matching_report": bool(roles & {Role.SUPERVISOR, Role.ORG_ADMIN, Role.ANALYST}),
        "access_log_export": bool(service_roles & ACCESS_LOG_ROLES),
        "staff_entry": bool(service_roles & {Role.PEER, Role.SUPERVISOR, Role.ORG_ADMIN}),
        "checkup_relinks": bool(service_roles & {Role.SUPERVISOR, Role.ORG_ADMIN}),
        "referrals_due": bool(service_roles & {Role.PEER, Role.SUPERVISOR, Role.ORG_ADMIN}),
        "certification": Role.PEER in roles,
        "certification_review": Role.BOARD_ADMIN in roles,
        "renewal": Role.PEER in roles,
        "supervision": bool(roles & {Role.PEER, Role.SUPERVISOR}),
        "workforce_supply": bool(roles & {Role.BOARD_ADMIN, Role.ANALYST, Role.PLATFORM_ADMIN})
        or any(m.role == Role.ORG_ADMIN and m.organization.kind in ("cert_board", "state_agency") for m in memberships),
    }


def organization_responders(organization_id: int) -> list[User]:
    """Who is told when something in the organization needs a lead now: its active supervisors, or, when it has
    none, its active administrators; ordered by pk. Active users with an active membership in the organization,
    which must itself be active; empty when no one fits. Email addresses are the caller's business."""
    for role in (Role.SUPERVISOR, Role.ORG_ADMIN):
        users = list(
            User.objects.filter(
                is_active=True,
                memberships__organization_id=organization_id,
                memberships__organization__active=True,
                memberships__role=role,
                memberships__active=True,
            )
            .distinct()
            .order_by("pk")
        )
        if users:
            return users
    return []
