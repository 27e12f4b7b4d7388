"""Where people's recovery records live: only in service organizations (RCOs, 245G and withdrawal-management
programs). A certification board, the accreditation body or the state agency holds none, so a role held there
opens no record, lists none and creates none, whatever the role's name."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet

from peerway.accounts.models import Membership, User
from peerway.accounts.roles import SERVICE_ORG_KINDS, Role
from peerway.accounts.selectors import organization_ids_for_user


def record_organization_ids(user: User, roles: Iterable[Role]) -> QuerySet[Membership]:
    """Ids of the service organizations in which the user holds one of ``roles`` (a subquery, not a list)."""
    return organization_ids_for_user(user, roles).filter(organization__kind__in=sorted(SERVICE_ORG_KINDS))
