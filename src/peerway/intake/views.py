"""The first call for help: the public request form, the private status page, and staff entry of a call.

No account: the status page and its actions are reached only through the unguessable link given on
submit. Nothing here logs what the person entered, their address or their link.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import logging
import secrets
import uuid
from typing import Any

from axes.helpers import get_client_ip_address
from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.db import DatabaseError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_fsm import ConcurrentTransition, TransitionNotAllowed

from peerway.accounts.models import User
from peerway.accounts.roles import SERVICE_ORG_KINDS
from peerway.accounts.selectors import memberships_for_user, staff_links
from peerway.core.decorators import staff_view
from peerway.core.submissions import submission_secret
from peerway.intake.forms import PublicHelpRequestForm, StaffHelpRequestForm
from peerway.intake.models import OPEN_STATUSES, HelpRequest, RequestStatus
from peerway.intake.selectors import nobody_on_shift_for, request_began_a_record, request_status_page
from peerway.intake.services import (
    STAFF_ENTRY_ROLES,
    STATUS_LINK_LIFETIME,
    AlreadySent,
    OfferNotAvailable,
    request_choose_for_me,
    request_choose_peer,
    request_erase,
    request_get_by_token,
    request_rematch,
    request_submit,
    request_submit_by_staff,
    request_withdraw,
)
from peerway.organizations.models import Organization

logger = logging.getLogger(__name__)

# A public form needs a limit that stops floods without a third-party CAPTCHA: a person asks once or
# twice, so five requests in ten minutes from one address is generous for people and tight for scripts.
SUBMISSIONS_PER_WINDOW = 5
WINDOW_SECONDS = 10 * 60
# The status page's actions (choose a peer, let Peerway choose, ask for a different peer) change the request and
# may queue its routing, in the queue every person's first match waits in. A person presses a few of them; twenty
# per link in ten minutes is generous for a person and tight for a script. Several people may share one address (a
# shelter's Wi-Fi), each with their own link, so the address gets a wider limit of its own.
STATUS_ACTIONS_PER_LINK = 20
STATUS_ACTIONS_PER_ADDRESS = 60
# How often the status page asks for news while something may change; slower while the person chooses,
# because only they or a peer's shift can change that list and each poll ranks every peer on shift.
POLL_SECONDS = 5
POLL_SECONDS_CHOOSING = 30
# The status page's box for why a different peer would suit the person better holds this many characters.
REMATCH_REASON_LENGTH = 180
# The cookie that lets the browser that erased a request be told so if it sends the erasure again.
ERASED_COOKIE = "peerway_erased"
ERASED_COOKIE_SECONDS = 5 * 60
# Why a form comes back with what was typed in it although nothing in it was wrong (nothing was saved).
SAVE_FAILED_NOTICE = gettext_lazy(
    "We could not send your request just now. Your answers are still here: please try again in a minute."
)
EXPIRED_FORM_NOTICE = gettext_lazy(
    "Your request was not sent: the page was open for a long time, or your browser blocks cookies. Your answers "
    "are still here: please send them again."
)
REMATCH_NOT_SENT_NOTICE = gettext_lazy(
    "We did not ask for a different peer: the page was open for a long time, or your browser blocks cookies. What "
    "you wrote is still here: please send it again."
)
STAFF_SAVE_FAILED_NOTICE = gettext_lazy(
    "The request could not be saved just now. What you entered is still here: please try again in a minute."
)


def _keyed_digest(value: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), value.encode(), hashlib.sha256).hexdigest()[:32]


def _rate_limit_key(request: HttpRequest, *, prefix: str = "intake:submissions") -> str:
    # The client address comes from axes' helper, so one setting (PEERWAY_PROXY_COUNT behind a proxy, see
    # core/client_ip.py) tells both the sign-in lockout and this limit where to read it. Only a keyed hash
    # of it is kept.
    address = get_client_ip_address(request) or "unknown"
    return f"{prefix}:{_keyed_digest(address)}"


# The counter lives in Django's cache. By default (PEERWAY_CACHE=local) that is a per-process LocMemCache, so each
# gunicorn worker counts on its own and the limit is per worker (N workers allow N x 5); PEERWAY_CACHE=database
# makes it one limit for every process. It is not a
# model because a counter that expires on its own is exactly what a cache is, and it keeps the person's
# address out of the database and its backups. See docs/operations.md.
def _rate_limited(key: str, limit: int = SUBMISSIONS_PER_WINDOW) -> bool:
    return int(cache.get(key, 0)) >= limit


def _count_submission(key: str) -> None:
    # add() starts the window only if none is running; incr() keeps the window's original expiry.
    cache.add(key, 0, WINDOW_SECONDS)
    try:
        cache.incr(key)
    except ValueError:  # the window ended between add() and incr()
        cache.set(key, 1, WINDOW_SECONDS)


@never_cache
@require_http_methods(["GET", "POST"])
def help_form(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        form = PublicHelpRequestForm(language_code=request.LANGUAGE_CODE)
        return render(request, "intake/help.html", {"form": form})
    rate_limit_key = _rate_limit_key(request)
    if _rate_limited(rate_limit_key):
        logger.info("Help request refused: too many from one address.")
        # People behind one address (a shelter, a clinic's wifi) keep what they typed for when the wait is over.
        form = PublicHelpRequestForm(request.POST, language_code=request.LANGUAGE_CODE)
        response = render(request, "intake/rate_limited.html", {"form": form}, status=429)
        response["Retry-After"] = str(WINDOW_SECONDS)
        return response
    form = PublicHelpRequestForm(request.POST, language_code=request.LANGUAGE_CODE)
    if form.is_bot():
        _count_submission(rate_limit_key)
        logger.info("Help request discarded: the honeypot field was filled in.")
        # Answer exactly as for a real request, with a link that leads nowhere, so the sender learns nothing.
        return redirect("intake:status", token=secrets.token_urlsafe(24))
    if not form.is_valid():
        # The form again, each error next to its field and every answer kept; 400 says nothing was sent.
        return render(request, "intake/help.html", {"form": form}, status=400)
    try:
        _, token = request_submit(data=form.to_input(), token=submission_secret(request, purpose="intake.status"))
    except AlreadySent as sent:
        # The same form sent again (a double tap on Send, a browser's retry): the browser shows only this answer,
        # so it leads to the request the first sending made. Nothing new was saved, so nothing is counted.
        return redirect("intake:status", token=sent.token)
    except DatabaseError as error:
        # Nothing was stored (one statement, or one transaction); the person keeps what they typed and is told
        # plainly. Not counted against their limit: trying again should work the moment the database is back.
        # Only the error's kind is logged: a database's message can quote the row, and so what the person wrote.
        logger.error("Help request not saved: %s from the database.", type(error).__name__)
        return help_form_resend(request, notice=SAVE_FAILED_NOTICE, status=503)
    _count_submission(rate_limit_key)
    return redirect("intake:status", token=token)


def help_form_resend(request: HttpRequest, *, notice: str, status: int) -> HttpResponse:
    """The request form again with what the person typed and ``notice`` saying why it was not sent.

    For a submission that could not be stored, and for one the CSRF check refused (peerway.errors): either way
    nothing was saved, and the person should not have to type it all again.
    """
    form = PublicHelpRequestForm(request.POST, language_code=request.LANGUAGE_CODE)
    response = render(request, "intake/help.html", {"form": form, "notice": notice}, status=status)
    if status == 503:
        response["Retry-After"] = "60"
    return response


def _link_not_found(request: HttpRequest) -> HttpResponse:
    return render(request, "intake/link_not_found.html", status=404)


def _status_action_refused(request: HttpRequest, token: str, help_request: HelpRequest) -> HttpResponse | None:
    """A kind 429 when this link or this address sent too many status-page actions in the window; otherwise None,
    and this action is counted.

    Only a keyed hash of the link is kept, as of the address: the cache may be a database table.
    """
    limits = (
        (f"intake:status-actions:link:{_keyed_digest(token)}", STATUS_ACTIONS_PER_LINK),
        (_rate_limit_key(request, prefix="intake:status-actions:address"), STATUS_ACTIONS_PER_ADDRESS),
    )
    if any(_rate_limited(key, limit) for key, limit in limits):
        logger.info("Status page action refused: too many from one link or address.")
        ended = help_request.status in (RequestStatus.CLOSED, RequestStatus.WITHDRAWN)
        context = {"token": token, "ended": ended}
        response = render(request, "intake/status_rate_limited.html", context, status=429)
        response["Retry-After"] = str(WINDOW_SECONDS)
        return response
    for key, _limit in limits:
        _count_submission(key)
    return None


def _status_context(help_request: HelpRequest, token: str) -> dict[str, Any]:
    page = request_status_page(request=help_request)
    return {"page": page, "token": token, "poll_seconds": POLL_SECONDS_CHOOSING if page.choosing else POLL_SECONDS}


@never_cache
@require_GET
def status(request: HttpRequest, token: str) -> HttpResponse:
    help_request = request_get_by_token(token)
    if help_request is None:
        return _link_not_found(request)
    context = _status_context(help_request, token)
    page = context["page"]
    if request.htmx:  # type: ignore[attr-defined]
        # Polls say which version they show; unchanged means 204, so htmx leaves the page (and any
        # half-typed reason, and a screen reader's place) alone.
        if request.GET.get("seen") == page.fingerprint:
            return HttpResponse(status=204)
        return render(request, "intake/status.html#status_update", context)
    return render(request, "intake/status.html", context)


def status_rematch_resend(request: HttpRequest, token: str) -> HttpResponse:
    """The status page again with the reason the person wrote for a different peer, saying it was not sent.

    For an ask the CSRF check refused (peerway.errors): nothing was changed, the status link is the person's one
    way back, and they should not have to write the reason again. The new page carries a fresh token.
    """
    help_request = request_get_by_token(token)
    if help_request is None:
        return _link_not_found(request)
    context = {
        **_status_context(help_request, token),
        "notice": REMATCH_NOT_SENT_NOTICE,
        "rematch_refused": True,
        "rematch_reason": request.POST.get("reason", "")[:REMATCH_REASON_LENGTH],
    }
    response = render(request, "intake/status.html", context, status=403)
    add_never_cache_headers(response)
    return response


@never_cache
@require_POST
def status_choose(request: HttpRequest, token: str) -> HttpResponse:
    help_request = request_get_by_token(token)
    if help_request is None:
        return _link_not_found(request)
    if refused := _status_action_refused(request, token, help_request):
        return refused
    try:
        peer_public_id = uuid.UUID(request.POST.get("peer", ""))
        request_choose_peer(request=help_request, peer_public_id=peer_public_id)
    except (ValueError, OfferNotAvailable):
        _choice_not_made(request, help_request)
    return redirect("intake:status", token=token)


def _choice_not_made(request: HttpRequest, help_request: HelpRequest) -> None:
    """Tell the person why the peer they chose was not asked, by what their request has become since their page
    showed the list: only while it is still open is there another peer to choose."""
    help_request.refresh_from_db(fields=["status"])
    if help_request.status in OPEN_STATUSES:
        messages.warning(request, _("That peer is no longer free. Please choose another."))
    elif help_request.status in (RequestStatus.ACCEPTED, RequestStatus.CONNECTED):
        messages.info(request, _("A peer has already said yes to your request, so there is no need to choose."))
    else:
        messages.warning(request, _("This request has ended, so we did not ask that peer."))


@never_cache
@require_POST
def status_choose_for_me(request: HttpRequest, token: str) -> HttpResponse:
    help_request = request_get_by_token(token)
    if help_request is None:
        return _link_not_found(request)
    if refused := _status_action_refused(request, token, help_request):
        return refused
    # The request may have been taken or closed meanwhile; the status page then says which.
    with contextlib.suppress(OfferNotAvailable):
        request_choose_for_me(request=help_request)
    return redirect("intake:status", token=token)


@never_cache
@require_POST
def status_rematch(request: HttpRequest, token: str) -> HttpResponse:
    help_request = request_get_by_token(token)
    if help_request is None:
        return _link_not_found(request)
    if refused := _status_action_refused(request, token, help_request):
        return refused
    try:
        request_rematch(
            request=help_request,
            reason=request.POST.get("reason", "").strip()[:REMATCH_REASON_LENGTH],
            peer=request.POST.get("peer", "").strip(),
        )
    except OfferNotAvailable:
        _rematch_not_done(request, help_request)
    else:
        messages.success(request, _("We are looking for a different peer for you."))
    return redirect("intake:status", token=token)


def _rematch_not_done(request: HttpRequest, help_request: HelpRequest) -> None:
    """Tell the person why asking for a different peer changed nothing, by what their request has become since
    their page showed the form, and what they can do instead: what they typed was not used."""
    help_request.refresh_from_db(fields=["status"])
    if help_request.status in OPEN_STATUSES:
        # Asked twice (a double click, two open tabs): the first one is already looking.
        messages.info(request, _("We are looking for a different peer for you."))
    elif help_request.status == RequestStatus.ACCEPTED:
        # Their page showed a peer they no longer have (a page left open while another peer took them on).
        messages.info(
            request,
            _("Your page was out of date, so nothing changed. It now shows your peer; you can still ask for another."),
        )
    elif help_request.status == RequestStatus.CONNECTED:
        messages.warning(
            request,
            _(
                "You are already connected with your peer, so we did not look for a different one. You can tell "
                "your peer what would suit you better, or stop this request and ask for a peer again."
            ),
        )
    else:
        messages.warning(request, _("This request has ended, so we did not look for a different peer."))


@never_cache
@require_POST
def status_withdraw(request: HttpRequest, token: str) -> HttpResponse:
    help_request = request_get_by_token(token)
    if help_request is None:
        return _link_not_found(request)
    # Withdrawing a request that is already closed or withdrawn changes nothing.
    with contextlib.suppress(TransitionNotAllowed, ConcurrentTransition):
        request_withdraw(request=help_request)
    return redirect("intake:status", token=token)


@never_cache
@require_http_methods(["GET", "POST"])
def status_delete(request: HttpRequest, token: str) -> HttpResponse:
    help_request = request_get_by_token(token)
    if help_request is None:
        if request.method == "POST" and request.COOKIES.get(ERASED_COOKIE) == _keyed_digest(token):
            # "Yes, delete it" pressed twice (or a browser's retry): the first erased the request and its link, and
            # this browser, which shows only this answer, is told so rather than that the link does not work.
            return redirect("intake:deleted")
        return _link_not_found(request)
    if request.method == "POST":
        try:
            request_erase(request=help_request)
        except ConcurrentTransition:
            # A peer's accept changed the request between reading and erasing it: erase what it is now.
            request_erase(request=help_request)
        response = redirect("intake:deleted")
        # Only this browser, for a few minutes, and only a keyed hash of the link: anyone else who finds the link
        # still learns nothing, not even that a request was made.
        response.set_cookie(
            ERASED_COOKIE,
            _keyed_digest(token),
            max_age=ERASED_COOKIE_SECONDS,
            path=reverse("intake:erase", kwargs={"token": token}),
            secure=settings.SESSION_COOKIE_SECURE,
            httponly=True,
            samesite="Strict",
        )
        return response
    context = {"token": token, "kept_by_an_organization": request_began_a_record(help_request)}
    return render(request, "intake/delete_confirm.html", context)


@require_GET
def deleted(request: HttpRequest) -> HttpResponse:
    return render(request, "intake/deleted.html")


def _staff_entry_organizations(user: User) -> list[Organization]:
    """The service organizations in which the user may enter a request: as peer, supervisor or administrator."""
    organization_ids = memberships_for_user(user).filter(
        role__in=[str(role) for role in STAFF_ENTRY_ROLES], organization__kind__in=SERVICE_ORG_KINDS
    )
    return list(Organization.objects.filter(pk__in=organization_ids.values("organization_id")).order_by("name"))


def _status_link(request: HttpRequest, token: str, language_code: str) -> str:
    # The link opens the status page in the language the person asked to talk in, when Peerway has it.
    code = language_code if language_code in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
    with translation.override(code):
        path = reverse("intake:status", kwargs={"token": token})
    return request.build_absolute_uri(path)


@staff_view
@require_http_methods(["GET", "POST"])
def staff_entry(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    organizations = _staff_entry_organizations(user)
    if not organizations:
        raise Http404("No organization in which you may enter a request.")
    data = request.POST if request.method == "POST" else None
    form = StaffHelpRequestForm(data, organizations=organizations, language_code=request.LANGUAGE_CODE)
    if request.method != "POST":
        return render(request, "intake/staff_entry.html", {"form": form})
    if not form.is_valid():
        return render(request, "intake/staff_entry.html", {"form": form}, status=400)
    try:
        help_request, token = request_submit_by_staff(
            data=form.to_input(),
            source=form.cleaned_data["source"],
            actor=user,
            organization=form.entered_for(),
            token=submission_secret(request, purpose=f"intake.status.staff.{user.pk}"),
        )
    except AlreadySent as sent:
        # A double click on Send: the browser shows this answer, so it gives the link of the one request again.
        messages.info(request, _("This was sent more than once; it is saved once."))
        help_request, token = sent.request, sent.token
    except DatabaseError as error:
        # One transaction: nothing was stored. The person may still be on the line; keep what was typed.
        logger.error("Staff-entered request not saved: %s from the database.", type(error).__name__)
        response = render(
            request, "intake/staff_entry.html", {"form": form, "notice": STAFF_SAVE_FAILED_NOTICE}, status=503
        )
        response["Retry-After"] = "60"
        return response
    # Rendered in the POST's response, not after a redirect: only the token's hash is kept, so this is the one
    # moment the link exists in full, and it is never written to the session or the database to show it later.
    context = {
        "help_request": help_request,
        "status_link": _status_link(request, token, help_request.language.slug),
        "link_days": STATUS_LINK_LIFETIME.days,
        "can": staff_links(memberships_for_user(user)),
        "nobody_on_shift": nobody_on_shift_for(help_request),
    }
    return render(request, "intake/staff_entry_done.html", context)
