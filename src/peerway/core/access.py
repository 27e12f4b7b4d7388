"""Writing the access log. Called by selectors and services inside their own transaction."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from django.db import transaction

from peerway.accounts.models import User
from peerway.accounts.roles import Role
from peerway.accounts.selectors import memberships_for_user
from peerway.core.models import AccessAction, AccessEvent
from peerway.organizations.models import Organization


def acting_role(user: User | None, organization: Organization, roles: Iterable[Role]) -> str:
    """The user's roles in ``organization`` that allowed the access, joined (e.g. "peer,supervisor")."""
    if user is None:
        return "system"
    wanted = {str(role) for role in roles}
    held = sorted(
        {m.role for m in memberships_for_user(user) if m.organization_id == organization.pk and m.role in wanted}
    )
    return ",".join(held) or "none"


def access_events_record(
    *,
    actor: User | None,
    role: str,
    organization: Organization,
    subject_type: str,
    subject_ids: Iterable[uuid.UUID],
    action: AccessAction,
    reason: str = "",
) -> list[AccessEvent]:
    """Write one AccessEvent per subject. Must run inside the caller's transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("Access events must be written inside the transaction that reads or changes the record.")
    events = [
        AccessEvent(
            actor=actor,
            actor_role=role,
            organization=organization,
            subject_type=subject_type,
            subject_id=subject_id,
            action=action,
            reason=reason[:255],
        )
        for subject_id in subject_ids
    ]
    return AccessEvent.objects.bulk_create(events)
