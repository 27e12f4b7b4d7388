"""The peer's caseload and the supervisor's team page (reads only; the selectors write the access log)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from peerway.core.decorators import staff_view
from peerway.recovery.caseload_rules import (
    CHECKUP_DUE_SOON_DAYS,
    CONTACT_DUE_DAYS,
    CONTACT_OVERDUE_DAYS,
    RECOVERY_CAPITAL_FLAG,
)
from peerway.recovery.selectors.caseload import (
    DUE_FILTERS,
    STATUS_FILTERS,
    caseload_for_user,
    team_caseload_for_user,
)


def _filters(request: HttpRequest) -> dict[str, str]:
    due = request.GET.get("due", "")
    status = request.GET.get("status", "")
    return {"due": due if due in DUE_FILTERS else "", "status": status if status in STATUS_FILTERS else ""}


def _rules() -> dict[str, int]:
    return {
        "contact_due_days": CONTACT_DUE_DAYS,
        "contact_overdue_days": CONTACT_OVERDUE_DAYS,
        "checkup_due_soon_days": CHECKUP_DUE_SOON_DAYS,
        "recovery_capital_flag": RECOVERY_CAPITAL_FLAG,
    }


@staff_view
def caseload(request: HttpRequest) -> HttpResponse:
    filters = _filters(request)
    today = timezone.localdate()
    rows = caseload_for_user(request.user, today=today, **filters)  # type: ignore[arg-type]
    return render(
        request,
        "recovery/caseload.html",
        {"rows": rows, "filters": filters, "today": today, "rules": _rules()},
    )


@staff_view
def team_caseload(request: HttpRequest) -> HttpResponse:
    filters = _filters(request)
    today = timezone.localdate()
    team = team_caseload_for_user(
        request.user,  # type: ignore[arg-type]
        today=today,
        page=request.GET.get("page", 1),
        **filters,
    )
    query = urlencode({name: value for name, value in filters.items() if value})
    return render(
        request,
        "recovery/caseload_team.html",
        {"team": team, "filters": filters, "query": query, "today": today, "rules": _rules()},
    )
