"""The person's own space, behind their private link: no account, no password.

Opening the link asks for a one-time code sent to the phone or email they gave (when they gave one); a
session flag then keeps them in for ``SPACE_SESSION`` (tied to that one link, checked again on every page,
so revoking the link ends it). Pages work without JavaScript.

Nobody is signed in here, so the time zone middleware activates none: once the link is known, each page is
rendered in the zone of the person's organization (their times, their "today"), as their peer sees it.

The forms' addresses (code, verify, messages, leave) answer a GET, such as the language switcher sending the person
back to the page they were on, by going to the space's entry page. A message sent after the session ran out is
not lost: the code page shows it and carries it along in the page itself (never in the session, the database, a
log or a URL), and once the code is accepted it is back in the message box, sent only when the person presses
"Send" again.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from functools import wraps
from typing import Any

from csp.decorators import csp_update
from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from peerway.accounts.links import (
    CodeError,
    CodeRateLimited,
    LinkStopped,
    code_channel,
    link_code_send,
    link_code_verify,
    link_opened_without_code,
    participant_link_get_by_token,
)
from peerway.accounts.participant_links import ParticipantLink
from peerway.recovery.models import MessageSender
from peerway.recovery.selectors.messages import peer_answers_messages
from peerway.recovery.selectors.space import (
    current_engagement,
    own_checkin_chart_svg,
    own_plan_pdf,
    own_record_export,
    space_page,
)
from peerway.recovery.services.messages import MAX_MESSAGE_LENGTH, message_send_from_participant, messages_mark_read

SPACE_SESSION = dt.timedelta(minutes=30)
# The token is in the URL: never send it to another site. "same-origin" rather than "no-referrer", because with
# no referrer at all Chromium posts forms with "Origin: null" and Django's CSRF check refuses them.
REFERRER_POLICY = "same-origin"
SESSION_KEY = "peerway_space"


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code"),
        max_length=12,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )


class SpaceMessageForm(forms.Form):
    body = forms.CharField(
        label=gettext_lazy("Message to your peer"),
        max_length=MAX_MESSAGE_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args: Any, to_team: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if to_team:
            self.fields["body"].label = gettext_lazy("Message to the team")


def _signed_in(request: HttpRequest, link: ParticipantLink) -> bool:
    flag = request.session.get(SESSION_KEY)
    if not isinstance(flag, dict) or flag.get("link") != str(link.public_id):
        return False
    try:
        until = dt.datetime.fromisoformat(flag["until"])
    except (KeyError, TypeError, ValueError):
        return False
    return until > timezone.now()


def _sign_in(request: HttpRequest, link: ParticipantLink) -> None:
    request.session.cycle_key()
    request.session[SESSION_KEY] = {"link": str(link.public_id), "until": (timezone.now() + SPACE_SESSION).isoformat()}


def _not_found(request: HttpRequest, *, reason: str = "", status: int = 404) -> HttpResponse:
    return render(request, "space/link_not_found.html", {"reason": reason}, status=status)


def _masked(link: ParticipantLink, channel: str) -> str:
    """Where the code goes, without giving away the whole phone number or email address."""
    participant = link.participant
    if channel == "phone":
        digits = "".join(ch for ch in participant.phone or "" if ch.isdigit())
        return _("your phone ending in %(digits)s") % {"digits": digits[-2:]}
    email = participant.email or ""
    return _("your email at %(domain)s") % {"domain": email.rpartition("@")[2]}


def _draft(request: HttpRequest, field: str) -> str:
    """A message the person typed but could not send yet, as posted in ``field``; blank when there is none."""
    if request.method != "POST":
        return ""
    text = request.POST.get(field, "")
    return text if text.strip() else ""


def _code_page(
    request: HttpRequest,
    token: str,
    link: ParticipantLink,
    *,
    form: CodeForm | None = None,
    sent: bool = False,
    error: str = "",
    status: int = 200,
    channel: str = "",
    draft: str = "",
) -> HttpResponse:
    # The channel a code was just sent by; otherwise the one the next code will use.
    where = _masked(link, channel or code_channel(link.participant))
    context = {"token": token, "form": form or CodeForm(), "sent": sent, "error": error, "where": where, "draft": draft}
    response = render(request, "space/code.html", context, status=status)
    response["Referrer-Policy"] = REFERRER_POLICY
    return response


def post_or_back_to_space(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The address a form of the space posts to: a GET goes to the space's entry page, in the URL's language.

    The page shown after a POST keeps the form's address, so the language switcher (and a reload, or a bookmark)
    comes back to it with a GET; a 405 there would strand the person on an empty error page.
    """

    @never_cache
    @wraps(view)
    def wrapped(request: HttpRequest, token: str, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method == "POST":
            return view(request, token, *args, **kwargs)
        if request.method in ("GET", "HEAD"):
            response = redirect("space:enter", token=token)
            response["Referrer-Policy"] = REFERRER_POLICY
            return response
        return HttpResponseNotAllowed(["GET", "HEAD", "POST"])

    return wrapped


def space_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A page of the space: the link must be live and this browser signed in to it."""

    @never_cache
    @wraps(view)
    def wrapped(request: HttpRequest, token: str, *args: Any, **kwargs: Any) -> HttpResponse:
        link = participant_link_get_by_token(token)
        if link is None:
            return _not_found(request)
        if not _signed_in(request, link):
            draft = _draft(request, "body")
            if draft:
                # The session ran out while the person was writing: ask for the code on this very page and carry
                # what they wrote along in it, so nothing they typed is lost and nothing is sent unseen.
                with timezone.override(link.participant.organization.zone):
                    return _home(request, token, link, draft=draft)
            return redirect("space:enter", token=token)
        with timezone.override(link.participant.organization.zone):
            response = view(request, token, link, *args, **kwargs)
        response["Cache-Control"] = "no-store, private"
        response["Referrer-Policy"] = REFERRER_POLICY
        return response

    return wrapped


@never_cache
@require_GET
def enter(request: HttpRequest, token: str) -> HttpResponse:
    link = participant_link_get_by_token(token)
    if link is None:
        return _not_found(request)
    with timezone.override(link.participant.organization.zone):
        return _home(request, token, link)


def _home(
    request: HttpRequest, token: str, link: ParticipantLink, *, draft: str = "", status: int = 200
) -> HttpResponse:
    """The space itself once signed in (signing in by the link alone when there is nowhere to send a code).

    ``draft`` is a message that could not be sent (the session ran out, or the CSRF check refused it): it is put
    back in the message box, unsent, for the person to check and send.
    """
    if not _signed_in(request, link):
        if code_channel(link.participant):
            return _code_page(request, token, link, draft=draft, status=status)
        link_opened_without_code(link=link)
        _sign_in(request, link)
    page = space_page(link)
    if page.engagement is not None:
        messages_mark_read(engagement=page.engagement, reader=MessageSender.PARTICIPANT)
    initial = {"body": draft} if draft else None
    message_form = SpaceMessageForm(initial=initial, to_team=page.messages_to_team)
    context = {"token": token, "page": page, "message_form": message_form, "draft": bool(draft)}
    response = render(request, "space/home.html", context, status=status)
    response["Cache-Control"] = "no-store, private"
    response["Referrer-Policy"] = REFERRER_POLICY
    return response


@post_or_back_to_space
def code_send(request: HttpRequest, token: str) -> HttpResponse:
    link = participant_link_get_by_token(token)
    if link is None:
        return _not_found(request)
    draft = _draft(request, "draft")
    try:
        channel = link_code_send(link=link)
    except CodeRateLimited as error:
        return _code_page(request, token, link, error=str(error), status=429, draft=draft)
    except CodeError as error:
        return _code_page(request, token, link, error=str(error), status=400, draft=draft)
    return _code_page(request, token, link, sent=True, channel=channel, draft=draft)


@post_or_back_to_space
def code_verify(request: HttpRequest, token: str) -> HttpResponse:
    link = participant_link_get_by_token(token)
    if link is None:
        return _not_found(request)
    draft = _draft(request, "draft")
    if _signed_in(request, link):
        # Already in: the page this form led to was reloaded. There is no code to check, and none to count as wrong.
        return _entered(request, token, link, draft=draft)
    form = CodeForm(request.POST)
    if not form.is_valid():
        return _code_page(request, token, link, form=form, sent=True, status=400, draft=draft)
    try:
        ok = link_code_verify(link=link, code=form.cleaned_data["code"])
    except LinkStopped as error:
        return _not_found(request, reason=str(error), status=403)
    except CodeError as error:
        form.add_error("code", str(error))
        return _code_page(request, token, link, form=form, sent=True, status=400, draft=draft)
    if not ok:
        form.add_error("code", _("That code is not right. Check it and try again."))
        return _code_page(request, token, link, form=form, sent=True, status=400, draft=draft)
    _sign_in(request, link)
    return _entered(request, token, link, draft=draft)


def _entered(request: HttpRequest, token: str, link: ParticipantLink, *, draft: str) -> HttpResponse:
    if not draft:
        return redirect("space:enter", token=token)
    # Shown rather than redirected to: the unsent message exists only in this request, and a redirect would have
    # to put it in the session (kept in the database) or in the URL.
    with timezone.override(link.participant.organization.zone):
        return _home(request, token, link, draft=draft)


@post_or_back_to_space
@space_required
def message_send(request: HttpRequest, token: str, link: ParticipantLink) -> HttpResponse:
    engagement = current_engagement(link.participant)
    to_team = engagement is not None and not peer_answers_messages(engagement)
    form = SpaceMessageForm(request.POST, to_team=to_team)
    if engagement is not None and form.is_valid():
        try:
            message_send_from_participant(engagement=engagement, body=form.cleaned_data["body"])
            return redirect(reverse("space:enter", args=[token]) + "#messages")
        except ValidationError as error:
            form.add_error("body", error.messages)
    page = space_page(link)
    return render(request, "space/home.html", {"token": token, "page": page, "message_form": form}, status=400)


def message_send_refused(request: HttpRequest, token: str) -> HttpResponse | None:
    """The space again with the message the CSRF check refused (peerway.errors) back in the box, unsent; None when
    the message was blank, so there is nothing to give back.

    It takes the path of a message sent after the session ran out: a browser not signed in to the space is asked
    for the code first, and sees nothing of the space without it.
    """
    draft = _draft(request, "body")
    if not draft:
        return None
    link = participant_link_get_by_token(token)
    if link is None:
        return _not_found(request)
    with timezone.override(link.participant.organization.zone):
        response = _home(request, token, link, draft=draft, status=403)
    add_never_cache_headers(response)
    return response


@require_GET
@space_required
def record_download(request: HttpRequest, token: str, link: ParticipantLink) -> HttpResponse:
    data = own_record_export(link)
    response = HttpResponse(json.dumps(data, indent=2, ensure_ascii=False), content_type="application/json")
    response["Content-Disposition"] = 'attachment; filename="my-peerway-record.json"'
    return response


# The chart is an image with its own small style sheet inside, as the staff chart (views/checkins.py); no script.
@csp_update({"style-src": ["'unsafe-inline'"]})
@require_GET
@space_required
def checkin_chart(request: HttpRequest, token: str, link: ParticipantLink) -> HttpResponse:
    return HttpResponse(own_checkin_chart_svg(link), content_type="image/svg+xml")


@require_GET
@space_required
def plan_download(request: HttpRequest, token: str, link: ParticipantLink) -> HttpResponse:
    data = own_plan_pdf(link)
    if data is None:
        return _not_found(request)
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = 'attachment; filename="my-recovery-plan.pdf"'
    return response


@post_or_back_to_space
def leave(request: HttpRequest, token: str) -> HttpResponse:
    request.session.pop(SESSION_KEY, None)
    request.session.cycle_key()
    return render(request, "space/left.html")
