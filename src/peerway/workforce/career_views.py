"""Credentialing pages of the workforce: renewal and CE log, supervision, career pathway, supply vs demand."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from peerway.accounts.models import User
from peerway.accounts.roles import Role
from peerway.accounts.selectors import memberships_for_user
from peerway.core.decorators import staff_view
from peerway.core.submissions import submitted_once
from peerway.workforce import credentials, pathway, supervision, supply
from peerway.workforce.career_forms import ContinuingEducationForm, SupervisionSessionForm


def _add_errors(form: Any, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


@staff_view
@require_http_methods(["GET", "POST"])
@submitted_once
def renewal(request: HttpRequest) -> HttpResponse:
    """The signed-in person's credentials, each against its renewal rule, and their CE log."""
    user = _user(request)
    form = ContinuingEducationForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                credentials.ce_add(
                    peer=user,
                    provider=data["provider"],
                    topic=data["topic"],
                    completed_on=data["completed_on"],
                    hours=data["hours"],
                    ethics=data["ethics"],
                    certificate=data.get("certificate"),
                )
            except ValidationError as error:
                _add_errors(form, error)
            else:
                messages.success(request, _("Continuing education recorded."))
                return redirect("career:renewal")
        status = 400
    return render(
        request,
        "workforce/renewal.html",
        {
            "renewals": credentials.renewals_for_peer(user),
            "entries": credentials.ce_entries_for_peer(user),
            "form": form,
            "status": credentials.peer_credential_status(user),
        },
        status=status,
    )


@staff_view
@require_POST
def renewal_start(request: HttpRequest, public_id: str) -> HttpResponse:
    try:
        application = credentials.renewal_start(user=_user(request), credential_public_id=public_id)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("career:renewal")
    messages.success(request, _("Your renewal application is ready: add anything asked, then submit."))
    return redirect("certification:application", public_id=application.public_id)


@staff_view
@require_GET
def ce_certificate(request: HttpRequest, public_id: str) -> HttpResponse:
    """A CE certificate, to the peer who uploaded it only (404 for anyone else)."""
    entry = credentials.ce_get_for_peer(_user(request), public_id)
    response = FileResponse(entry.certificate.open("rb"), content_type=entry.certificate_content_type)
    response["Content-Disposition"] = f'attachment; filename="ce-certificate-{entry.public_id}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@staff_view
@require_http_methods(["GET", "POST"])
@submitted_once
def supervision_page(request: HttpRequest) -> HttpResponse:
    """Supervisors record sessions and see their supervisees' totals and gaps; peers see their own totals."""
    user = _user(request)
    roles = {m.role for m in memberships_for_user(user)}
    is_supervisor = Role.SUPERVISOR in roles
    if not is_supervisor and Role.PEER not in roles:
        raise Http404("No such page.")
    start, end = supervision.month_bounds(request.GET.get("month"))
    supervisees = supervision.supervisees_for_user(user) if is_supervisor else []
    form = SupervisionSessionForm(request.POST or None, supervisees=supervisees) if is_supervisor else None
    status = 200
    if request.method == "POST":
        if form is None:
            raise Http404("No such page.")
        if form.is_valid():
            data = form.cleaned_data
            try:
                supervision.supervision_session_add(
                    supervisor=user,
                    supervisee=data["supervisee_obj"],
                    held_on=data["held_on"],
                    minutes=data["minutes"],
                    format=data["format"],
                    topics=list(data["topics"]),
                    notes=data["notes"],
                )
            except ValidationError as error:
                _add_errors(form, error)
            else:
                messages.success(request, _("Supervision session recorded."))
                return redirect("career:supervision")
        status = 400
    own = supervision.supervision_totals(user, start, end) if Role.PEER in roles else None
    return render(
        request,
        "workforce/supervision.html",
        {
            "form": form,
            "start": start,
            "end": end,
            "previous_month": (start - dt.timedelta(days=1)).strftime("%Y-%m"),
            "own": own,
            "own_sessions": [
                (session, supervision.topic_labels(session.topics))
                for session in (supervision.sessions_for_peer(user, start, end) if own else [])
            ],
            "team": supervision.supervisee_totals(user, start, end) if is_supervisor else [],
            "payers": supervision.payer_rules(),
        },
        status=status,
    )


@staff_view
@require_GET
def pathway_page(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    return render(
        request,
        "workforce/pathway.html",
        {"steps": pathway.pathway_for_peer(user), "status": credentials.peer_credential_status(user)},
    )


def _supply_report(request: HttpRequest) -> supply.SupplyDemand:
    if not supply.supply_demand_allowed(_user(request)):
        raise Http404("No such page.")
    try:
        days = min(max(int(request.GET.get("days", supply.DEFAULT_DAYS)), 7), 730)
    except ValueError:
        days = supply.DEFAULT_DAYS
    return supply.supply_demand(days=days)


@staff_view
@require_GET
def supply_page(request: HttpRequest) -> HttpResponse:
    report = _supply_report(request)
    days = (report.end - report.start).days + 1
    facets = [(name, supply.facet_labels()[name], report.facet(name)) for name in supply.FACETS]
    return render(
        request,
        "workforce/supply.html",
        {"report": report, "facets": facets, "days": days, "small_cell": supply.SMALL_CELL},
    )


@staff_view
@require_GET
def supply_csv(request: HttpRequest) -> HttpResponse:
    report = _supply_report(request)
    response = HttpResponse(supply.supply_demand_csv(report), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="workforce-supply-demand-{report.end}.csv"'
    return response


@staff_view
@require_GET
def supply_chart(request: HttpRequest, facet: str) -> HttpResponse:
    if facet not in supply.FACETS:
        raise Http404("No such chart.")
    report = _supply_report(request)
    response = HttpResponse(supply.supply_demand_svg(report, facet), content_type="image/svg+xml")
    # Shown only through <img>, where scripts never run; pygal's own <style> element needs inline styles in
    # this image, and nothing else.
    response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    response["X-Content-Type-Options"] = "nosniff"
    return response
