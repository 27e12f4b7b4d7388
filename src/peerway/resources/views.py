from __future__ import annotations

import uuid

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from peerway.core.decorators import staff_view
from peerway.core.submissions import submitted_once
from peerway.organizations.models import Organization
from peerway.resources.filters import ResourceFilter
from peerway.resources.forms import ResourceForm, ResourceImportForm
from peerway.resources.models import Resource
from peerway.resources.selectors import (
    resource_for_edit,
    resource_import_targets_for_user,
    resource_owner_for_import,
    resource_owner_ids_editable_by,
    resources_in_directory_for_user,
)
from peerway.resources.services import ResourceImportRejected, resource_save, resources_import

PAGE_SIZE = 25


@staff_view
def resource_directory(request: HttpRequest) -> HttpResponse:
    queryset = (
        resources_in_directory_for_user(request.user)  # type: ignore[arg-type]
        .select_related("county", "organization")
        .prefetch_related("languages", "communities")
    )
    filterset = ResourceFilter(request.GET or None, queryset=queryset)
    results = queryset
    if filterset.is_bound:
        # A value that is no choice (an old link, a retired category) is named at its field and left out; the search
        # and the other filters still apply, rather than every resource being listed as if it were the result.
        filterset.is_valid()
        results = filterset.filter_queryset(queryset)
    page = Paginator(results.order_by("name", "id"), PAGE_SIZE).get_page(request.GET.get("page", 1))
    query = request.GET.copy()
    query.pop("page", None)
    own, shared = resource_owner_ids_editable_by(request.user)  # type: ignore[arg-type]
    for resource in page.object_list:
        resource.can_edit = resource.organization_id in own if resource.organization_id else shared
    return render(
        request,
        "resources/resource_list.html",
        {
            "filter": filterset,
            "page": page,
            "query": query.urlencode(),
            "can_import": bool(own or shared),
        },
    )


@staff_view
@submitted_once
def resource_create(request: HttpRequest) -> HttpResponse:
    targets = resource_import_targets_for_user(request.user)  # type: ignore[arg-type]
    if not targets:
        raise Http404("Only organization administrators add resources.")
    return _resource_form(request, Resource(), targets)


@staff_view
@submitted_once
def resource_edit(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    return _resource_form(request, resource_for_edit(request.user, public_id), [])  # type: ignore[arg-type]


def _resource_form(request: HttpRequest, resource: Resource, targets: list[Organization]) -> HttpResponse:
    adding = resource.pk is None
    form = ResourceForm(request.POST or None, instance=resource, organizations=targets)
    if request.method == "POST" and form.is_valid() and (data := form.merged()) is not None:
        item = form.save(commit=False)
        for name, value in data.items():
            if name not in ("languages", "communities"):
                setattr(item, name, value)
        if adding:
            item.organization = resource_owner_for_import(form.cleaned_data["owner"])
        resource_save(
            resource=item,
            languages=data["languages"],
            communities=data["communities"],
            zip_changed=adding or data["zip_code"] != form.current["zip_code"],
        )
        message = _("Added %(name)s to the directory.") if adding else _("Saved the changes to %(name)s.")
        messages.success(request, message % {"name": item.name})
        return redirect("resources:directory")
    status = 400 if form.errors else 200
    return render(request, "resources/resource_form.html", {"form": form, "adding": adding}, status=status)


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
