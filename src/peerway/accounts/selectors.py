"""Reads about accounts and memberships."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet

from peerway.accounts.models import Membership, User
from peerway.accounts.roles import PERSONAL_DATA_ROLES, Role


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


def user_needs_mfa(user: User) -> bool:
    if user.is_superuser:
        return True
    return memberships_for_user(user).filter(role__in=[str(role) for role in PERSONAL_DATA_ROLES]).exists()
