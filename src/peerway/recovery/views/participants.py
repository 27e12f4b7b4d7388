from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from peerway.core.decorators import staff_view
from peerway.recovery.selectors import (
    participant_access_history_for_user,
    participant_get_for_user,
    participant_page_for_user,
)


@staff_view
def participant_list(request: HttpRequest) -> HttpResponse:
    phone = request.GET.get("phone", "").strip()
    page = participant_page_for_user(request.user, page_number=request.GET.get("page", 1), phone=phone)  # type: ignore[arg-type]
    return render(request, "recovery/participant_list.html", {"page": page, "phone": phone})


@staff_view
def participant_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    participant = participant_get_for_user(request.user, public_id, reason="record page")  # type: ignore[arg-type]
    return render(request, "recovery/participant_detail.html", {"participant": participant})


@staff_view
def participant_access_history(request: HttpRequest, public_id: str) -> HttpResponse:
    participant, events = participant_access_history_for_user(request.user, public_id)  # type: ignore[arg-type]
    return render(request, "recovery/participant_access.html", {"participant": participant, "events": events[:500]})
