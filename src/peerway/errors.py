"""The page shown when Django's CSRF check refuses a form: in the visitor's language, and for the public request
form, with what the person typed still filled in (settings.CSRF_FAILURE_VIEW).

The check fails when the form's token and the browser's cookie do not match: the page was open for a very long
time, the browser blocks or cleared cookies, or the post is forged. Nothing was saved in any of these cases.
The other error pages (400, 403, 404, 500) are the templates of the same names, which Django finds on its own.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from peerway.intake.views import EXPIRED_FORM_NOTICE, help_form_resend


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    # The reason is Django's technical wording for developers; the visitor gets plain words instead.
    match = request.resolver_match
    if request.method == "POST" and match is not None and match.view_name == "intake:help":
        # The answers are shown back to the same browser that sent them, as after any refused submission; the
        # new page carries a fresh token, so sending it again works.
        return help_form_resend(request, notice=EXPIRED_FORM_NOTICE, status=403)
    return render(request, "403_csrf.html", status=403)
