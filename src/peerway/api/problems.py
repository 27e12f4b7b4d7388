"""RFC 9457 problem+json responses for every API error."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from functools import wraps
from http import HTTPStatus
from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.core.exceptions import BadRequest, PermissionDenied, SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.http.multipartparser import MultiPartParserError
from django.http.response import HttpResponseBase
from django.urls import URLPattern, URLResolver, re_path
from django.views.decorators.http import require_GET
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.openapi.schema import OpenAPISchema

PROBLEM_CONTENT_TYPE = "application/problem+json"
# API answers hold personal data or a credential's current status; a stored copy could outlive a revocation.
NO_STORE = "no-store, private"
# RFC 9110 section 11.6.1: a 401 must name a scheme the client can use; ours is the session cookie from signing in.
WWW_AUTHENTICATE = 'Cookie realm="peerway"'

logger = logging.getLogger(__name__)


# Headers every answer with these statuses carries, declared in the schema so that generated clients know them.
ERROR_HEADERS: dict[str, dict[str, Any]] = {
    "401": {
        "WWW-Authenticate": {
            "description": "How to authenticate: sign in through the site for a session cookie.",
            "schema": {"type": "string"},
        }
    },
    "429": {
        "Retry-After": {
            "description": "Seconds to wait before trying again.",
            "schema": {"type": "integer", "minimum": 0},
        }
    },
}


class Problem(Schema):
    """An error, as RFC 9457 problem details (application/problem+json)."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str = ""


class MfaRequiredProblem(Problem):
    """The 403 for a signed-in staff member who has not set up two-factor authentication yet."""

    setup_url: str


def problem_response(*, status: int, detail: str = "", **extra: Any) -> HttpResponse:
    """A problem of type ``about:blank``: its title is the status's phrase ("Not Found"), as RFC 9457 section 4.2.1
    asks, so a client can rely on it; what Peerway has to say about this occurrence goes in ``detail``."""
    body: dict[str, Any] = {"type": "about:blank", "title": HTTPStatus(status).phrase, "status": status}
    if detail:
        body["detail"] = detail
    body.update(extra)
    response = HttpResponse(json.dumps(body), status=status, content_type=PROBLEM_CONTENT_TYPE)
    response["Cache-Control"] = NO_STORE
    return response


class ProblemNinjaAPI(NinjaAPI):
    """A NinjaAPI whose OpenAPI schema says what it serves: every error response is application/problem+json."""

    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> OpenAPISchema:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        for operations in schema["paths"].values():
            for operation in operations.values():
                for status, response in operation["responses"].items():
                    content = response.get("content", {})
                    if int(status) >= 400 and self.renderer.media_type in content:
                        content[PROBLEM_CONTENT_TYPE] = content.pop(self.renderer.media_type)
                    if str(status) in ERROR_HEADERS:
                        response["headers"] = ERROR_HEADERS[str(status)]
        return schema


def _validation(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = [
        {"location": ".".join(str(part) for part in error.get("loc", ())), "message": error.get("msg", "")}
        for error in exc.errors
    ]
    return problem_response(status=422, detail="The request is not valid.", errors=errors)


def _not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
    return problem_response(status=404, detail="Not found.")


def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    response = problem_response(status=401, detail="Sign in first: this endpoint needs an authenticated session.")
    response["WWW-Authenticate"] = WWW_AUTHENTICATE
    return response


def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return problem_response(status=exc.status_code, detail=str(exc))


def _permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return problem_response(status=403, detail="You may not do this.")


def _bad_request(request: HttpRequest, exc: Exception) -> HttpResponse:
    if isinstance(exc, SuspiciousOperation):
        # Logged where and as Django logs these (TooManyFieldsSent, DisallowedHost, ...), so alerts on them still fire.
        logging.getLogger(f"django.security.{type(exc).__name__}").error(
            str(exc), extra={"status_code": 400, "request": request}
        )
    return problem_response(status=400, detail="The request is not valid.")


def _server_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    # The exception's text can name records or people; it goes to the (redacted) log, never to the client.
    logger.exception("Unhandled error in API %s %s", request.method, request.path)
    return problem_response(status=500, detail="Something went wrong on our side; try again later.")


def install_problem_handlers(api: NinjaAPI) -> None:
    """Answer every error an endpoint raises as problem+json, mapping Django's exceptions as Django itself would."""
    api.add_exception_handler(ValidationError, _validation)  # type: ignore[arg-type]
    api.add_exception_handler(Http404, _not_found)  # type: ignore[arg-type]
    api.add_exception_handler(AuthenticationError, _unauthenticated)  # type: ignore[arg-type]
    api.add_exception_handler(HttpError, _http_error)  # type: ignore[arg-type]
    api.add_exception_handler(PermissionDenied, _permission_denied)  # type: ignore[arg-type]
    for bad_request in (SuspiciousOperation, BadRequest, MultiPartParserError):
        api.add_exception_handler(bad_request, _bad_request)  # type: ignore[arg-type]
    api.add_exception_handler(Exception, _server_error)  # type: ignore[arg-type]


def _unknown_path(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    return problem_response(status=404, detail="No API endpoint has this path.")


def _as_api_response(response: HttpResponseBase) -> HttpResponseBase:
    """``response`` never cached, and a plain-text 405 made problem+json.

    A HEAD request reaches the views as a GET (core.middleware.HeadAsGetMiddleware), so ``Allow`` names HEAD too.
    """
    if isinstance(response, HttpResponseNotAllowed):
        methods = [method.strip() for method in response["Allow"].split(",")]
        if "GET" in methods and "HEAD" not in methods:
            methods.insert(methods.index("GET") + 1, "HEAD")
        allowed = ", ".join(methods)
        response = problem_response(status=405, detail=f"This endpoint accepts {allowed}.")
        response["Allow"] = allowed
    response["Cache-Control"] = NO_STORE
    return response


def _api_view(view: Callable[..., Any]) -> Callable[..., Any]:
    """``view`` with ``_as_api_response`` applied to its answer, for sync and async views alike."""
    if iscoroutinefunction(view):

        async def async_view(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            return _as_api_response(await view(request, *args, **kwargs))

        return markcoroutinefunction(wraps(view)(async_view))

    def sync_view(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        return _as_api_response(view(request, *args, **kwargs))

    return wraps(view)(sync_view)


def problem_urls(api: NinjaAPI) -> tuple[list[URLPattern | URLResolver], str, str]:
    """``api.urls`` answering problem+json where django-ninja would not, and never cacheable.

    A method an endpoint does not take gets a hard-coded plain-text 405 (django-ninja 1.7 has no handler for it);
    the API root and a path matching no endpoint would be Django's HTML 404 page.
    """
    patterns, app_name, namespace = api.urls
    wrapped: list[URLPattern | URLResolver] = []
    for p in patterns:
        if isinstance(p, URLPattern):
            # django-ninja reverses "api-root" to find the API's prefix, so the route stays; only its answer changes.
            callback = _unknown_path if p.name == "api-root" else p.callback
            if p.name in ("openapi-json", "openapi-view"):
                # django-ninja serves the schema and its page to any method; they are only read, so GET alone.
                callback = require_GET(callback)
            wrapped.append(URLPattern(p.pattern, _api_view(callback), p.default_args, p.name))
        else:
            wrapped.append(p)
    # Last, so it only answers paths that no endpoint matched; [\s\S], not ".", because a path may hold a %0A.
    wrapped.append(re_path(r"^[\s\S]*$", _api_view(_unknown_path)))
    return wrapped, app_name, namespace
