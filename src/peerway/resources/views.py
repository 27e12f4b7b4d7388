from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from peerway.core.decorators import staff_view
from peerway.resources.filters import ResourceFilter
from peerway.resources.forms import ResourceImportForm
from peerway.resources.selectors import (
    resource_import_targets_for_user,
    resource_owner_for_import,
    resources_for_user,
)
from peerway.resources.services import ResourceImportRejected, resources_import

PAGE_SIZE = 25


@staff_view
def resource_directory(request: HttpRequest) -> HttpResponse:
    queryset = (
        resources_for_user(request.user)  # type: ignore[arg-type]
        .select_related("county", "organization")
        .prefetch_related("languages", "communities")
    )
    filterset = ResourceFilter(request.GET or None, queryset=queryset)
    results = filterset.qs if filterset.is_bound and filterset.is_valid() else queryset
    page = Paginator(results.order_by("name", "id"), PAGE_SIZE).get_page(request.GET.get("page", 1))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "resources/resource_list.html",
        {
            "filter": filterset,
            "page": page,
            "query": query.urlencode(),
            "can_import": bool(resource_import_targets_for_user(request.user)),  # type: ignore[arg-type]
        },
    )


@staff_view
def resource_import(request: HttpRequest) -> HttpResponse:
    targets = resource_import_targets_for_user(request.user)  # type: ignore[arg-type]
    if not targets:
        raise Http404("Only organization administrators import resources.")
    errors = []
    if request.method == "POST":
        form = ResourceImportForm(request.POST, request.FILES, organizations=targets)
        if form.is_valid():
            organization = form.cleaned_data["organization"]
            try:
                summary = resources_import(
                    data=form.cleaned_data["file"].read(),
                    organization=resource_owner_for_import(organization),
                    actor=request.user,  # type: ignore[arg-type]
                )
            except ResourceImportRejected as rejected:
                errors = rejected.errors
            else:
                messages.success(
                    request,
                    _("Imported: %(created)d new, %(updated)d updated.")
                    % {"created": summary.created, "updated": summary.updated},
                )
                return redirect("resources:directory")
    else:
        form = ResourceImportForm(organizations=targets)
    status = 400 if errors or form.errors else 200
    return render(request, "resources/import.html", {"form": form, "errors": errors}, status=status)
