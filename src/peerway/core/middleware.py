from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from peerway.accounts.selectors import memberships_for_user


class OrganizationTimezoneMiddleware:
    """Show times in the zone of the signed-in person's first organization (America/Chicago by default)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        organization = None
        if request.user.is_authenticated:
            membership = memberships_for_user(request.user).first()  # type: ignore[arg-type]
            organization = membership.organization if membership else None
        if organization is not None and organization.timezone:
            timezone.activate(organization.zone)
        else:
            timezone.deactivate()
        return self.get_response(request)
