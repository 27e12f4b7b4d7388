from __future__ import annotations

import logging
import zoneinfo
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from peerway.accounts.selectors import memberships_for_user
from peerway.organizations.models import Organization

logger = logging.getLogger(__name__)


class OrganizationTimezoneMiddleware:
    """Show times in the zone of the signed-in person's first organization (America/Chicago by default)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        organization = None
        if request.user.is_authenticated:
            membership = memberships_for_user(request.user).first()  # type: ignore[arg-type]
            organization = membership.organization if membership else None
        zone = _zone_of(organization) if organization is not None and organization.timezone else None
        if zone is not None:
            timezone.activate(zone)
        else:
            timezone.deactivate()
        return self.get_response(request)


def _zone_of(organization: Organization) -> zoneinfo.ZoneInfo | None:
    try:
        return zoneinfo.ZoneInfo(organization.timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        # A zone saved before names were checked must not break every page for the organization's staff:
        # they see the default zone until an administrator corrects it.
        logger.warning(
            "Organization %s has an unknown time zone; showing times in the default zone", organization.public_id
        )
        return None
