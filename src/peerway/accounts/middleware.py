from __future__ import annotations

from collections.abc import Callable

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import get_language_from_path

from peerway.accounts.selectors import user_needs_mfa
from peerway.api.problems import problem_response

# Paths a signed-in user without MFA may still reach: account pages (to set MFA up), static files,
# language switching and the health check.
_OPEN_PREFIXES = ("/accounts/", "/static/", "/i18n/", "/healthz")


def _without_language_prefix(path: str) -> str:
    """'/es/accounts/…' → '/accounts/…', so the open paths hold in every language."""
    language = get_language_from_path(path)
    return path.removeprefix(f"/{language}") if language and path.startswith(f"/{language}/") else path


class RequireMFAMiddleware:
    """When PEERWAY_REQUIRE_MFA is on, staff who can see personal data must set up TOTP before anything else."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self._must_enrol(request):
            if request.path.startswith("/api/"):
                # An API client cannot follow a redirect to a page; it gets an error it can show, in the API's format.
                return problem_response(
                    status=403,
                    detail="Set up two-factor authentication first: your role needs it (TOTP). Set it up at setup_url, "
                    "then try again.",
                    setup_url=reverse("mfa_activate_totp"),
                )
            return redirect("mfa_activate_totp")
        return self.get_response(request)

    def _must_enrol(self, request: HttpRequest) -> bool:
        if not settings.PEERWAY_REQUIRE_MFA or not request.user.is_authenticated:
            return False
        if _without_language_prefix(request.path).startswith(_OPEN_PREFIXES):
            return False
        has_totp = Authenticator.objects.filter(user=request.user, type=Authenticator.Type.TOTP).exists()
        return not has_totp and user_needs_mfa(request.user)  # type: ignore[arg-type]
