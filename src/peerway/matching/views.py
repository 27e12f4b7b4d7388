from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from peerway.accounts.roles import Role
from peerway.accounts.selectors import memberships_for_user
from peerway.core.decorators import staff_view
from peerway.intake.services import DEFAULT_ESCALATION_MINUTES
from peerway.matching.reports import SMALL_CELL, matching_report
from peerway.workforce.credentials import peer_credential_summary

# Aggregate, de-identified figures: supervisors and administrators of organizations, and analysts.
REPORT_ROLES = [Role.SUPERVISOR, Role.ORG_ADMIN, Role.ANALYST]


@staff_view
def report(request: HttpRequest) -> HttpResponse:
    roles = memberships_for_user(request.user).filter(role__in=REPORT_ROLES)  # type: ignore[arg-type]
    if not roles.exists():
        raise Http404("No such page.")
    # The request figures are everyone's (a person asks Peerway, not one organization, and unmet demand is the
    # state's), de-identified and with small groups hidden; the page says so. The credential flag is about staff:
    # a supervisor or administrator sees their own organizations' peers, an analyst every organization's.
    analyst = roles.filter(role=Role.ANALYST).exists()
    own = None if analyst else sorted(set(roles.values_list("organization_id", flat=True)))
    context = {
        "report": matching_report(),
        "small_cell": SMALL_CELL,
        "default_escalation_minutes": DEFAULT_ESCALATION_MINUTES,
        "credentials": peer_credential_summary(organization_ids=own),
        "credentials_everyone": analyst,
    }
    return render(request, "matching/report.html", context)
