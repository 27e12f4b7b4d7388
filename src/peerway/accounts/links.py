"""Participants' private links and their one-time codes. One transaction each.

- A link is an unguessable token (``secrets.token_urlsafe``); only its SHA-256 is stored. It expires after
  ``LINK_LIFETIME`` and is revoked by staff or by creating a new one (a participant has one live link).
- When the person gave a phone and texts can be sent (or else an email), opening the link needs a 6-digit code
  sent there. It expires after ``CODE_LIFETIME``, allows ``CODE_ATTEMPTS`` wrong tries, is compared in constant
  time, and at most ``CODES_PER_WINDOW`` codes are sent per link per ``CODE_WINDOW`` (counted in the cache, as
  intake's form limit). After ``LINK_CODE_FAILURES`` wrong codes in all, the link is revoked.
- When there is nowhere to send a code (no email, and no phone or no text carrier), the link alone opens the
  space (docs/plans-and-personal-space.md says so).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import hmac
import logging
import secrets
import unicodedata
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from peerway.accounts.models import User
from peerway.accounts.participant_links import ParticipantLink
from peerway.accounts.roles import PLAN_EDIT_ROLES
from peerway.core import sms
from peerway.core.access import access_events_record, acting_role
from peerway.core.models import AccessAction

logger = logging.getLogger(__name__)

LINK_LIFETIME = dt.timedelta(days=90)
CODE_LIFETIME = dt.timedelta(minutes=10)
CODE_ATTEMPTS = 5
CODES_PER_WINDOW = 3
CODE_WINDOW = dt.timedelta(minutes=15)
# Each new code allows CODE_ATTEMPTS tries, so without a cap over the link's whole life a stolen link could be
# guessed at about 1,400 times a day for 90 days. After this many wrong codes in all, the link is revoked.
LINK_CODE_FAILURES = 30


class CodeError(Exception):
    """Base of the reasons a code cannot be sent or checked; ``str()`` is safe to show the person."""


class CodeRateLimited(CodeError):
    pass


class CodeExpired(CodeError):
    pass


class CodeLocked(CodeError):
    pass


class NoWayToSendCode(CodeError):
    pass


class LinkStopped(CodeError):
    """Too many wrong codes in all: the link was revoked and the person needs a new one."""


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _code_hash(link: ParticipantLink, code: str) -> str:
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"space-code:{link.public_id}:{code}".encode(), hashlib.sha256).hexdigest()


def participant_language(participant: object) -> str:
    """The participant's language code when Peerway has that language, else English."""
    language = getattr(participant, "language", None)
    code = getattr(language, "slug", "") or ""
    return code if code in {code for code, _name in settings.LANGUAGES} else "en"


def link_url(token: str, language: str) -> str:
    """The absolute URL of a private link, in the person's language."""
    with translation.override(language):
        return settings.SITE_URL.rstrip("/") + reverse("space:enter", args=[token])


def texts_can_be_sent() -> bool:
    """False while no text carrier is configured (``SMS_BACKEND`` is core/sms.py's DisabledBackend, the production
    default): a phone then cannot receive the link or a code."""
    return not issubclass(import_string(settings.SMS_BACKEND), sms.DisabledBackend)


def code_channel(participant: object) -> str:
    """Where the link and its codes go: "phone" (when texts can be sent), else "email", else "" (nowhere to send
    a code: the link alone opens the space)."""
    if getattr(participant, "phone", None) and texts_can_be_sent():
        return "phone"
    if getattr(participant, "email", None):
        return "email"
    return ""


@dataclass(frozen=True)
class CreatedLink:
    link: ParticipantLink
    token: str
    url: str
    sent_by: str  # "phone", "email" or "" when staff must hand the link over themselves
    # The person gave a phone, but no text carrier is configured, so nothing can reach it.
    phone_unreachable: bool = False
    # There was somewhere to send it, but the mail server or text carrier refused.
    send_failed: bool = False


@transaction.atomic
def participant_link_create(*, participant: object, actor: User | None, send: bool = True) -> CreatedLink:
    """A new private link for ``participant``; older live links are revoked. Sends it to the person's phone or
    email when ``send`` and they gave one (the message names no one)."""
    from peerway.recovery.models import Participant

    assert isinstance(participant, Participant)
    now = timezone.now()
    ParticipantLink.objects.filter(participant=participant, revoked_at__isnull=True).update(revoked_at=now)
    token = secrets.token_urlsafe(32)
    link = ParticipantLink.objects.create(
        participant=participant,
        token_hash=token_hash(token),
        created_by=actor,
        created_at=now,
        expires_at=now + LINK_LIFETIME,
    )
    language = participant_language(participant)
    url = link_url(token, language)
    sent_by = ""
    channel = code_channel(participant)
    if send:
        with translation.override(language):
            body = _("Your private Peerway link: %(url)s") % {"url": url}
            sent_by = _deliver(participant, subject=_("Your private Peerway link"), body=body)
    _log_link_change(participant, actor=actor, reason="private link created")
    return CreatedLink(
        link=link,
        token=token,
        url=url,
        sent_by=sent_by,
        phone_unreachable=bool(participant.phone) and not texts_can_be_sent(),
        send_failed=send and bool(channel) and not sent_by,
    )


def _deliver(participant: object, *, subject: str, body: str) -> str:
    """Send to the ``code_channel``; returns the channel used, or "" when there was none or it refused.

    A mail server or text carrier that refuses (a mistyped address, a server down) is the same to the caller as no
    channel: the person's page says the message could not be sent, never a server error. Only the error's kind is
    logged: an SMTP refusal quotes the address.
    """
    channel = code_channel(participant)
    if channel == "phone":
        try:
            sms.send_text(getattr(participant, "phone", ""), body)
            return "phone"
        except sms.SmsNotConfigured:
            # A carrier class that refuses after all: fall back to email as if texts were off.
            channel = "email" if getattr(participant, "email", None) else ""
        except sms.SmsFailed as error:
            logger.warning("A text to a participant could not be sent (%s).", error)
            return ""
    if channel == "email":
        try:
            send_mail(subject, body, None, [getattr(participant, "email", "")])
        except Exception as error:  # SMTPException, OSError, or whatever the configured email backend raises.
            logger.warning("An email to a participant could not be sent (%s).", type(error).__name__)
            return ""
        return "email"
    return ""


def _log_link_change(participant: Any, *, actor: User | None, reason: str) -> None:
    """The AccessEvent of a change to the participant's private link; runs inside the caller's transaction."""
    from peerway.recovery.models import SUBJECT_PARTICIPANT

    access_events_record(
        actor=actor,
        role=acting_role(actor, participant.organization, PLAN_EDIT_ROLES),
        organization=participant.organization,
        subject_type=SUBJECT_PARTICIPANT,
        subject_ids=[participant.public_id],
        action=AccessAction.CHANGED,
        reason=reason,
    )


def _link_revoke(link: ParticipantLink, *, actor: User | None, reason: str) -> None:
    """Revoke ``link`` and write the AccessEvent; runs inside the caller's transaction."""
    link.revoked_at = timezone.now()
    link.save(update_fields=["revoked_at"])
    _log_link_change(link.participant, actor=actor, reason=reason)


@transaction.atomic
def participant_link_revoke(*, link: ParticipantLink, actor: User | None) -> ParticipantLink:
    if link.revoked_at is None:
        _link_revoke(link, actor=actor, reason="private link revoked")
    return link


@transaction.atomic
def participant_links_revoke(*, participant: Any, actor: User | None) -> int:
    """Revoke every live private link of ``participant``; returns how many there were.

    The staff member's request is recorded even when no link was live (an old page, a second click), so the
    record's history shows each time someone acted on the person's link.
    """
    links = list(ParticipantLink.objects.select_for_update().filter(participant=participant, revoked_at__isnull=True))
    for link in links:
        _link_revoke(link, actor=actor, reason="private link revoked")
    if not links:
        _log_link_change(participant, actor=actor, reason="private link revoke asked: no link was live")
    return len(links)


def participant_link_get_by_token(token: str) -> ParticipantLink | None:
    """The live (unexpired, unrevoked) link with this token, or None."""
    return (
        ParticipantLink.objects.select_related("participant", "participant__language", "participant__organization")
        .filter(token_hash=token_hash(token), revoked_at__isnull=True, expires_at__gt=timezone.now())
        .first()
    )


def _rate_key(link: ParticipantLink) -> str:
    return f"space-code-sent:{link.public_id}"


@transaction.atomic
def link_code_send(*, link: ParticipantLink) -> str:
    """Send a new 6-digit code to the ``code_channel``; returns the channel used. The previous code stops
    working. Raises CodeRateLimited, or NoWayToSendCode when there is no channel (or nothing could send)."""
    participant = link.participant
    if not code_channel(participant):
        raise NoWayToSendCode(_("This link does not need a code."))
    key = _rate_key(link)
    window = int(CODE_WINDOW.total_seconds())
    cache.add(key, 0, window)
    if int(cache.get(key, 0)) >= CODES_PER_WINDOW:
        raise CodeRateLimited(_("Too many codes were sent. Please wait 15 minutes and try again."))
    try:
        cache.incr(key)
    except ValueError:
        cache.set(key, 1, window)
    code = f"{secrets.randbelow(1_000_000):06d}"
    link = ParticipantLink.objects.select_for_update().get(pk=link.pk)
    link.code_hash = _code_hash(link, code)
    link.code_expires_at = timezone.now() + CODE_LIFETIME
    link.code_attempts = 0
    link.save(update_fields=["code_hash", "code_expires_at", "code_attempts"])
    with translation.override(participant_language(participant)):
        body = _("Your Peerway code is %(code)s. It expires in 10 minutes. Nobody from Peerway will ask for it.") % {
            "code": code
        }
        channel = _deliver(participant, subject=_("Your Peerway code"), body=body)
    if not channel:
        # Nothing went, so nothing counts against the person's codes (the cache does not roll back with the code).
        with contextlib.suppress(ValueError):  # the window ran out meanwhile: nothing left to count down
            cache.decr(key)
        raise NoWayToSendCode(_("The code could not be sent. Please ask your peer for help."))
    return channel


def link_code_verify(*, link: ParticipantLink, code: str) -> bool:
    """True when ``code`` is the outstanding code (which is then used up); False for a wrong code, which
    counts as an attempt. Raises CodeExpired when there is no live code, CodeLocked after too many tries on
    this code, and LinkStopped when the wrong code was the link's ``LINK_CODE_FAILURES``-th (the link is then
    revoked, with an AccessEvent)."""
    # The revocation must be committed before LinkStopped is raised, so the transaction is the inner block.
    with transaction.atomic():
        link = ParticipantLink.objects.select_for_update().get(pk=link.pk)
        if not link.code_hash or link.code_expires_at is None or link.code_expires_at <= timezone.now():
            raise CodeExpired(_("This code has expired. Ask for a new one."))
        if link.code_attempts >= CODE_ATTEMPTS:
            raise CodeLocked(_("Too many wrong codes. Ask for a new one."))
        # A phone's keyboard may type its own digits (Arabic-Indic, full-width): the same code, in ASCII.
        candidate = "".join(str(unicodedata.decimal(ch)) for ch in code if ch.isdecimal())
        if hmac.compare_digest(_code_hash(link, candidate), link.code_hash):
            link.code_hash = ""
            link.code_expires_at = None
            link.last_opened_at = timezone.now()
            link.save(update_fields=["code_hash", "code_expires_at", "last_opened_at"])
            return True
        link.code_attempts += 1
        link.code_failures += 1
        link.save(update_fields=["code_attempts", "code_failures"])
        if link.code_failures < LINK_CODE_FAILURES:
            return False
        _link_revoke(link, actor=None, reason="private link stopped after too many wrong codes")
    raise LinkStopped(
        _("Too many wrong codes were tried, so this link has stopped working. Ask your peer to send you a new link.")
    )


@transaction.atomic
def link_opened_without_code(*, link: ParticipantLink) -> None:
    """Record that a link with nowhere to send a code (see ``code_channel``) was opened."""
    if code_channel(link.participant):
        raise CodeError(_("This link needs a code."))
    link.last_opened_at = timezone.now()
    link.save(update_fields=["last_opened_at"])
