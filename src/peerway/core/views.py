from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from peerway.accounts.roles import Role
from peerway.accounts.selectors import memberships_for_user, staff_links
from peerway.core.decorators import staff_view
from peerway.core.health import health_report
from peerway.core.selectors import (
    access_log_organization_get_for_user,
    access_log_organizations_for_user,
    job_get_for_user,
    jobs_recent_for_user,
)
from peerway.core.services import (
    JOB_KIND_ACCESS_LOG_EXPORT,
    JOB_KIND_TITLES,
    access_log_export_start,
    job_result_download,
)
from peerway.core.submissions import submitted_once
from peerway.recovery.selectors.messages import unread_message_count_for_user
from peerway.workforce.selectors import open_alert_count_for_user


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "core/home.html")


@staff_view
def staff_home(request: HttpRequest) -> HttpResponse:
    memberships = list(memberships_for_user(request.user))  # type: ignore[arg-type]
    can = staff_links(memberships)
    # A peer sees at once that someone they support wrote; which engagement is the caseload's to say.
    unread_messages = unread_message_count_for_user(request.user) if can["caseload"] else 0  # type: ignore[arg-type]
    # Escalation's last step alerts supervisors in the live queue; one who signs in elsewhere learns of it here.
    supervisor = any(membership.role == Role.SUPERVISOR for membership in memberships)
    open_alerts = open_alert_count_for_user(request.user) if supervisor else 0  # type: ignore[arg-type]
    context = {"memberships": memberships, "can": can, "unread_messages": unread_messages, "open_alerts": open_alerts}
    return render(request, "core/staff_home.html", context)


@staff_view
def job_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    job = job_get_for_user(request.user, public_id)  # type: ignore[arg-type]
    if request.htmx and request.GET.get("seen") == f"{job.done}.{job.status}":  # type: ignore[attr-defined]
        # Nothing new since the page's last answer: nothing to swap, nothing to announce again.
        return HttpResponse(status=204)
    template = "core/job_detail.html#progress" if request.htmx else "core/job_detail.html"  # type: ignore[attr-defined]
    return render(request, template, {"job": job, "title": JOB_KIND_TITLES.get(job.kind, job.kind)})


@staff_view
def job_download(request: HttpRequest, public_id: str) -> HttpResponseBase:
    job = job_get_for_user(request.user, public_id)  # type: ignore[arg-type]
    return job_result_download(job=job, actor=request.user)  # type: ignore[arg-type]


@staff_view
@require_http_methods(["GET", "POST"])
@submitted_once  # a double click starts one export (one job, one "exported" access event), not two
def access_log_export(request: HttpRequest) -> HttpResponse:
    user = request.user
    organizations = list(access_log_organizations_for_user(user))  # type: ignore[arg-type]
    if not organizations:
        raise Http404("No organization whose access log you may export.")
    if request.method == "POST":
        organization = access_log_organization_get_for_user(user, request.POST.get("organization", ""))  # type: ignore[arg-type]
        job = access_log_export_start(organization=organization, actor=user)  # type: ignore[arg-type]
        return redirect("staff:job_detail", public_id=job.public_id)
    jobs = jobs_recent_for_user(user, kind=JOB_KIND_ACCESS_LOG_EXPORT)  # type: ignore[arg-type]
    return render(request, "core/access_log_export.html", {"organizations": organizations, "jobs": jobs})


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    healthy, checks = health_report()
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", "checks": checks}, status=200 if healthy else 503
    )
