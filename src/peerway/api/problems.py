"""RFC 9457 problem+json responses for every API error."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps
from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.http.response import HttpResponseBase
from django.urls import URLPattern, URLResolver, re_path
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


def _unknown_path(request: HttpRequest) -> HttpResponse:
    return problem_response(status=404, title="Not found.", detail="No API endpoint has this path.")


def _as_problem_if_method_not_allowed(response: HttpResponseBase) -> HttpResponseBase:
    if not isinstance(response, HttpResponseNotAllowed):
        return response
    allowed = response["Allow"]
    problem = problem_response(status=405, title="Method not allowed.", detail=f"This endpoint accepts {allowed}.")
    problem["Allow"] = allowed
    return problem


def _wrong_method_as_problem(view: Callable[..., Any]) -> Callable[..., Any]:
    """``view`` answering a method it does not take with a problem+json 405, not django-ninja's plain text one."""
    if iscoroutinefunction(view):

        async def async_view(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            return _as_problem_if_method_not_allowed(await view(request, *args, **kwargs))

        return markcoroutinefunction(wraps(view)(async_view))

    def sync_view(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        return _as_problem_if_method_not_allowed(view(request, *args, **kwargs))

    return wraps(view)(sync_view)


def problem_urls(api: NinjaAPI) -> tuple[list[URLPattern | URLResolver], str, str]:
    """``api.urls`` with the two errors django-ninja answers outside its exception handlers made problem+json.

    A method an endpoint does not take gets a hard-coded plain-text 405 (django-ninja 1.7 has no handler for it),
    and a path matching no endpoint would fall through to Django's HTML 404 page.
    """
    patterns, app_name, namespace = api.urls
    wrapped: list[URLPattern | URLResolver] = [
        URLPattern(p.pattern, _wrong_method_as_problem(p.callback), p.default_args, p.name)
        if isinstance(p, URLPattern)
        else p
        for p in patterns
    ]
    # Last, so it only answers paths that no endpoint matched.
    wrapped.append(re_path(r"^.*$", _unknown_path))
    return wrapped, app_name, namespace
