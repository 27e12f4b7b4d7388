"""Who sees which resources. Resources are public information about services, so reads are not audited.

Staff with any role in an active organization see the shared (state-wide) resources and their own
organizations'; nobody else sees the directory (a 404). Organization administrators import, add and edit
their own organization's resources; the state agency's administrators do so for the shared ones.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from peerway.accounts.models import User
from peerway.accounts.roles import Role
from peerway.accounts.selectors import memberships_for_user
from peerway.organizations.models import Organization, OrganizationKind
from peerway.resources.models import Resource

# Whose administrators import the shared, state-wide resources.
SHARED_RESOURCE_OWNER_KINDS = frozenset({OrganizationKind.STATE_AGENCY})


def resources_for_user(user: User) -> QuerySet[Resource]:
    """Active resources the user may see: shared ones and those of organizations where they hold any role."""
    memberships = memberships_for_user(user)
    if not memberships.exists():
        raise Http404("No directory for this account.")
    return Resource.objects.filter(
        Q(organization__isnull=True) | Q(organization_id__in=memberships.values("organization_id")), active=True
    )


def resources_in_directory_for_user(user: User) -> QuerySet[Resource]:
    """What the user's directory lists: the active resources they may see, and the unlisted ones they administer
    (so that one unticked by mistake, or whose service reopened, can be found and listed again)."""
    own, shared = resource_owner_ids_editable_by(user)
    editable = Q(organization_id__in=own) | (Q(organization__isnull=True) if shared else Q(pk__in=[]))
    visible = resources_for_user(user)
    return Resource.objects.filter(Q(pk__in=visible.values("pk")) | (editable & Q(active=False)))


def resource_import_targets_for_user(user: User) -> list[Organization]:
    """Organizations whose resources the user may import (as their administrator); empty means none."""
    return sorted(
        {m.organization for m in memberships_for_user(user).filter(role=str(Role.ORG_ADMIN))}, key=lambda o: o.name
    )


def resource_owner_for_import(organization: Organization) -> Organization | None:
    """The owner of resources imported by ``organization``'s administrators: None (shared) for the state agency."""
    return None if organization.kind in SHARED_RESOURCE_OWNER_KINDS else organization


def resource_owner_ids_editable_by(user: User) -> tuple[set[int], bool]:
    """(ids of organizations whose resources the user may edit, whether they may edit the shared ones)."""
    organizations = resource_import_targets_for_user(user)
    own = {o.pk for o in organizations if resource_owner_for_import(o) is not None}
    return own, any(resource_owner_for_import(o) is None for o in organizations)


def resource_for_edit(user: User, public_id: object) -> Resource:
    """The resource, if the user administers its owner (the state agency for a shared one); else a 404."""
    own, shared = resource_owner_ids_editable_by(user)
    editable = Q(organization_id__in=own) | (Q(organization__isnull=True) if shared else Q(pk__in=[]))
    resource = Resource.objects.filter(editable, public_id=public_id).first()
    if resource is None:
        raise Http404("No such resource for this account.")
    return resource
