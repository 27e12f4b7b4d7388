from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from peerway.accounts.roles import Role
from peerway.accounts.selectors import memberships_for_user
from peerway.core.decorators import staff_view
from peerway.matching.reports import SMALL_CELL, matching_report
from peerway.workforce.credentials import peer_credential_summary

# Aggregate, de-identified figures: supervisors and administrators of organizations, and analysts.
REPORT_ROLES = [Role.SUPERVISOR, Role.ORG_ADMIN, Role.ANALYST]


@staff_view
def report(request: HttpRequest) -> HttpResponse:
    if not memberships_for_user(request.user).filter(role__in=REPORT_ROLES).exists():  # type: ignore[arg-type]
        raise Http404("No such page.")
    return render(
        request,
        "matching/report.html",
        {"report": matching_report(), "small_cell": SMALL_CELL, "credentials": peer_credential_summary()},
    )
