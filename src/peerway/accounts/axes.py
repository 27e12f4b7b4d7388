"""How django-axes finds the username in allauth's sign-in, which posts ``login`` but authenticates with
``username`` or ``email`` credentials."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def axes_username(request: HttpRequest, credentials: dict[str, Any] | None) -> str | None:
    for key in ("username", "email", "login"):
        if credentials and credentials.get(key):
            return str(credentials[key]).strip().lower()
    posted = request.POST.get("login") if request is not None and hasattr(request, "POST") else None
    return posted.strip().lower() if posted else None
