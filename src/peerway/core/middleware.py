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


class HeadAsGetMiddleware:
    """Answer HEAD wherever GET is answered: the view runs as for GET, and the server sends only the headers.

    RFC 9110 (section 9.1) asks every general-purpose server to support both. Uptime monitors, load balancers'
    health checks and link checkers send HEAD, and Django's ``require_GET`` and ``require_http_methods`` would
    answer it with a 405, telling them the page (the request form, /healthz) is broken. The body is dropped by
    the server (gunicorn and Django's development server both do for a request whose REQUEST_METHOD is HEAD,
    which stays as it was), so the headers, Content-Length included, are the GET's.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method != "HEAD":
            return self.get_response(request)
        request.method = "GET"
        try:
            return self.get_response(request)
        finally:
            # What comes after the view (the outer middleware, a log line, the test client) sees the request as sent.
            request.method = "HEAD"
