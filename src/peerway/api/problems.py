"""RFC 9457 problem+json responses for every API error."""

from __future__ import annotations

import json
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

PROBLEM_CONTENT_TYPE = "application/problem+json"


def problem_response(*, status: int, title: str, detail: str = "", **extra: Any) -> HttpResponse:
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    body.update(extra)
    return HttpResponse(json.dumps(body), status=status, content_type=PROBLEM_CONTENT_TYPE)


def _validation(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = [
        {"location": ".".join(str(part) for part in error.get("loc", ())), "message": error.get("msg", "")}
        for error in exc.errors
    ]
    return problem_response(status=422, title="The request is not valid.", errors=errors)


def _not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
    return problem_response(status=404, title="Not found.")


def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return problem_response(status=401, title="Sign in first.", detail="This endpoint needs an authenticated session.")


def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return problem_response(status=exc.status_code, title=str(exc))


def install_problem_handlers(api: NinjaAPI) -> None:
    api.add_exception_handler(ValidationError, _validation)  # type: ignore[arg-type]
    api.add_exception_handler(Http404, _not_found)
    api.add_exception_handler(AuthenticationError, _unauthenticated)  # type: ignore[arg-type]
    api.add_exception_handler(HttpError, _http_error)  # type: ignore[arg-type]
