"""Reads for core pages: a user's own jobs, and the organizations whose access log they may export."""

from __future__ import annotations

import uuid

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404

from peerway.accounts.models import User
from peerway.accounts.roles import ACCESS_LOG_ROLES
from peerway.accounts.selectors import organization_ids_for_user
from peerway.core.models import AccessEvent, Job
from peerway.organizations.models import SERVICE_KINDS, Organization

RECENT_JOBS = 10
JOB_KIND_ACCESS_LOG_EXPORT = "access_log_export"
# The roles a job's requester must still hold in its organization to follow it and fetch its result: starting a
# job is no lasting permission (a supervisor who left the organization no longer reads its access log).
JOB_KIND_ROLES = {JOB_KIND_ACCESS_LOG_EXPORT: ACCESS_LOG_ROLES}


def jobs_for_user(user: User) -> QuerySet[Job]:
    """The jobs the user started themselves, in organizations where they still hold the roles the job needs."""
    allowed = Q(pk__in=[])
    for kind, roles in JOB_KIND_ROLES.items():
        allowed |= Q(kind=kind, organization_id__in=organization_ids_for_user(user, roles))
    return Job.objects.filter(allowed, requested_by=user)


def job_get_for_user(user: User, public_id: uuid.UUID | str) -> Job:
    """One of ``jobs_for_user``; anybody else's job, or one of theirs they may no longer see, is a 404."""
    try:
        return jobs_for_user(user).select_related("organization").get(public_id=public_id)
    except (Job.DoesNotExist, ValidationError, ValueError):
        raise Http404("No such job.") from None


def jobs_recent_for_user(user: User, *, kind: str, limit: int = RECENT_JOBS) -> QuerySet[Job]:
    """The user's own latest jobs of one kind that they may still see, newest first."""
    return jobs_for_user(user).filter(kind=kind).select_related("organization").order_by("-created_at")[:limit]


def access_log_organizations_for_user(user: User) -> QuerySet[Organization]:
    """Service organizations in which the user is a supervisor or an administrator (who read the access log)."""
    return Organization.objects.filter(
        pk__in=organization_ids_for_user(user, ACCESS_LOG_ROLES), kind__in=[str(kind) for kind in SERVICE_KINDS]
    ).order_by("name")


def access_log_organization_get_for_user(user: User, public_id: uuid.UUID | str) -> Organization:
    """One organization from ``access_log_organizations_for_user``; any other is a 404, existing or not."""
    try:
        return access_log_organizations_for_user(user).get(public_id=public_id)
    except (Organization.DoesNotExist, ValidationError, ValueError, TypeError):
        raise Http404("No such organization.") from None


def access_events_for_export(organization: Organization, *, up_to_id: int) -> QuerySet[AccessEvent]:
    """The organization's access log up to a fixed row, oldest first, for a streamed export.

    ``up_to_id`` pins the export to the log as it stood when the export began, so rows written meanwhile
    neither change its length nor push ``done`` past ``total``.
    """
    return (
        AccessEvent.objects.filter(organization=organization, id__lte=up_to_id)
        .select_related("actor")
        .order_by("occurred_at", "id")
    )
