"""Staff forms that save something are saved once, however many times they are sent.

A double click, a browser's retry after a slow answer, or the back button and "send again" would otherwise record
the same contact, message, referral or hours twice: two billable sessions, two texts to the person, hours counted
twice toward a credential. Each such form carries a one-time token (``{% submit_once %}`` from the
``peerway_forms`` template library, next to ``{% csrf_token %}``), and its view is wrapped in ``submitted_once``:

- the first sending saves as usual; the token's hash and the page it was sent on to are recorded in the same
  transaction (``FormSubmission``), so they exist exactly when what the form saved does;
- the same token sent again with the same fields (even at the same instant: the second waits on the first's row)
  saves nothing and is sent on to the same page, told that it was already saved; the same token with other
  fields (a form a browser brought back with its spent token, filled in again) is a new sending and is saved;
- a sending that saved nothing (the form came back with its errors, or an error) keeps no record, so the
  corrected form can be sent.

A form sent without the token (an older page, a script) is handled as before. The same record can back an API's
``Idempotency-Key`` later.

A form whose answer is a secret link, such as a request for a peer with its private status link, cannot be sent on
to "the page it went to the first time": that link is kept only as a hash. Its view asks ``submission_secret``
for the link's token instead: the same for every sending of one drawing of the form filled in the same way, so a
second sending makes the same token, finds it taken, and is sent on to the same link (intake.services).
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from peerway.core.models import FormSubmission

SUBMISSION_FIELD = "submission"
# Tokens are made by token_urlsafe(24) (32 characters); anything much longer is not one of ours.
MAX_TOKEN_LENGTH = 64


def submission_token() -> str:
    """A new one-time token for a form."""
    return secrets.token_urlsafe(24)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _content_hash(request: HttpRequest) -> str:
    """A keyed digest of what the form carried (keyed: the fields hold names and notes), without the tokens."""
    fields = sorted(
        (key, request.POST.getlist(key)) for key in request.POST if key not in (SUBMISSION_FIELD, "csrfmiddlewaretoken")
    )
    files = sorted((key, upload.name, upload.size) for key, upload in request.FILES.items())
    content = json.dumps([fields, files], default=str)
    return salted_hmac("peerway.core.submissions", content, algorithm="sha256").hexdigest()


def submission_secret(request: HttpRequest, *, purpose: str) -> str | None:
    """A secret token the same for every sending of this drawing of the form with these fields, or None when the
    POST carries no one-time token.

    Keyed with the secret key and ``purpose`` (name the signed-in user in it for a staff form): as unguessable
    as a random ``submission_token``, and different for every drawing of the form and every other answer in it.
    """
    token = request.POST.get(SUBMISSION_FIELD, "")
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    digest = salted_hmac(f"peerway.core.submissions.{purpose}", f"{token}:{_content_hash(request)}", algorithm="sha256")
    return base64.urlsafe_b64encode(digest.digest()[:24]).decode()


def submitted_once(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """``view``, saving what a POST carrying a form's one-time token saves only the first time that token is sent.

    The view runs inside one transaction with the token's record, so both are kept or neither is.
    """

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        token = request.POST.get(SUBMISSION_FIELD, "") if request.method == "POST" else ""
        if not token or len(token) > MAX_TOKEN_LENGTH or not request.user.is_authenticated:
            return view(request, *args, **kwargs)
        key = {"user": request.user, "token_hash": _token_hash(token), "content_hash": _content_hash(request)}
        with transaction.atomic():
            try:
                # A savepoint: a second sending of the same form waits here for the first to finish, then finds
                # its record.
                with transaction.atomic():
                    submission = FormSubmission.objects.create(**key)
            except IntegrityError:
                return _already_saved(request, key)
            response = view(request, *args, **kwargs)
            location = response.get("Location", "") if isinstance(response, HttpResponseRedirect) else ""
            if location and len(location) <= FormSubmission._meta.get_field("location").max_length:  # type: ignore[attr-defined]
                submission.location = location
                submission.save(update_fields=["location"])
            else:
                # Nothing was saved (the form came back with its errors): the corrected form may be sent again.
                submission.delete()
        return response

    return wrapped


def _already_saved(request: HttpRequest, key: dict[str, Any]) -> HttpResponse:
    earlier = FormSubmission.objects.filter(**key).first()
    messages.info(request, _("This was sent more than once; it is saved once."))
    return HttpResponseRedirect(earlier.location if earlier and earlier.location else request.path)
