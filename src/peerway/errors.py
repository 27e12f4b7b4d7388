"""The page shown when Django's CSRF check refuses a form: in the visitor's language, and for the forms a person
fills in without an account (the public request form, a check-in link, a message from their own space, the reason
for a different peer on a request's status page), with what they wrote still filled in (settings.CSRF_FAILURE_VIEW).

The check fails when the form's token and the browser's cookie do not match: the page was open for a very long
time, the browser blocks or cleared cookies, or the post is forged. Nothing was saved in any of these cases.

The other error pages (400, 403, 404, 500) are the templates of the same names, rendered by Django's own views
(the ``handler`` settings of peerway.urls). Under ``/api/`` the same errors are problem+json instead: the API's
own handlers (peerway.api.problems) answer what an endpoint raises, and these answer what goes wrong before an
endpoint runs, in the middleware (a host name the site does not serve, a database gone while loading the session).
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views import defaults

from peerway.api.problems import problem_response
from peerway.intake.views import EXPIRED_FORM_NOTICE, help_form_resend, status_rematch_resend
from peerway.recovery.views.checkins import checkin_answers_resend
from peerway.recovery.views.space import message_send_refused

API_PREFIX = "/api/"


def _for_api(request: HttpRequest) -> bool:
    return request.path_info.startswith(API_PREFIX)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _for_api(request):
        return problem_response(status=400, detail="The request is not valid.")
    return defaults.bad_request(request, exception)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _for_api(request):
        return problem_response(status=403, detail="You may not do this.")
    return defaults.permission_denied(request, exception)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _for_api(request):
        return problem_response(status=404, detail="Not found.")
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    # Django has already logged the exception (the django.request logger, redacted like every log line).
    if _for_api(request):
        return problem_response(status=500, detail="Something went wrong on our side; try again later.")
    return defaults.server_error(request)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    if _for_api(request):
        # The API's own endpoints check CSRF themselves; this answers a POST to an /api/ path that has none.
        return problem_response(status=403, detail="The CSRF check failed.")
    # The reason is Django's technical wording for developers; the visitor gets plain words instead.
    match = request.resolver_match
    if request.method == "POST" and match is not None:
        # What the person wrote in a long public form is shown back to the same browser that sent it, as after any
        # refused submission; the new page carries a fresh token, so sending it again works.
        if match.view_name == "intake:help":
            return help_form_resend(request, notice=EXPIRED_FORM_NOTICE, status=403)
        if match.view_name == "intake:rematch":
            return status_rematch_resend(request, match.kwargs["token"])
        if match.view_name == "checkins:answer":
            return checkin_answers_resend(request, match.kwargs["token"])
        if match.view_name == "space:message_send":
            page = message_send_refused(request, match.kwargs["token"])
            if page is not None:
                return page
    return render(request, "403_csrf.html", status=403)
