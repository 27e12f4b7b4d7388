from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from peerway.accounts.selectors import memberships_for_user
from peerway.core.decorators import staff_view
from peerway.core.health import health_report
from peerway.core.selectors import job_get_for_user


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "core/home.html")


@staff_view
def staff_home(request: HttpRequest) -> HttpResponse:
    memberships = memberships_for_user(request.user)  # type: ignore[arg-type]
    return render(request, "core/staff_home.html", {"memberships": memberships})


@staff_view
def job_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    job = job_get_for_user(request.user, public_id)  # type: ignore[arg-type]
    template = "core/job_detail.html#progress" if request.htmx else "core/job_detail.html"  # type: ignore[attr-defined]
    return render(request, template, {"job": job})


@staff_view
def job_download(request: HttpRequest, public_id: str) -> HttpResponse:
    from peerway.core.services import job_result_download

    job = job_get_for_user(request.user, public_id)  # type: ignore[arg-type]
    if not job.result_file:
        raise Http404("This job has no file.")
    return job_result_download(job=job, actor=request.user)  # type: ignore[arg-type]


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    healthy, checks = health_report()
    return JsonResponse({"status": "ok" if healthy else "unavailable", "checks": checks}, status=200 if healthy else 503)
