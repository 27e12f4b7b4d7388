"""A peer's credentials from the workforce side: status, continuing education, renewal, reminders, expiry.

``peer_credential_status`` is the one answer to "may this peer work as a credentialed peer today?"
(active / none / lapsed). The live queue, the matching report and the caseload page flag peers with it;
billing should use the same helper (see docs/credentialing.md).
"""

from __future__ import annotations

import calendar
import datetime as dt
import hashlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.http import Http404
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from peerway.accounts.models import User
from peerway.accounts.selectors import user_language
from peerway.certification import rules
from peerway.certification.models import (
    Application,
    ApplicationKind,
    Credential,
    CredentialStatus,
)
from peerway.certification.services import (
    MAGIC,
    MAX_EVIDENCE_BYTES,
    OPEN_APPLICATION_STATUSES,
    RENEWABLE_STATUSES,
    application_create,
    hours_errors,
)
from peerway.workforce.models import ContinuingEducation, CredentialReminder

REMINDER_DAYS = (90, 60, 30)

logger = logging.getLogger(__name__)


class CredentialState(StrEnum):
    ACTIVE = "active"  # holds at least one active, unexpired credential
    NONE = "none"  # has never held a credential
    LAPSED = "lapsed"  # held one, none is active today (expired, suspended or revoked)


def _active(credential: Credential, today: dt.date) -> bool:
    # One rule for every page: past its expiry date a credential is not active, even before the nightly job.
    return credential.is_active_on(today)


def peer_credential_statuses(user_ids: Iterable[int], *, today: dt.date | None = None) -> dict[int, CredentialState]:
    """The credential status of each user in ``user_ids`` (one query). Users without credentials are NONE.

    A credential past its ``expires_on`` counts as lapsed even before the nightly expiry job marks it.
    """
    today = today or timezone.localdate()
    ids = list(set(user_ids))
    result = dict.fromkeys(ids, CredentialState.NONE)
    for credential in Credential.objects.filter(holder_id__in=ids).only("holder_id", "status", "expires_on"):
        if _active(credential, today):
            result[credential.holder_id] = CredentialState.ACTIVE
        elif result[credential.holder_id] is CredentialState.NONE:
            result[credential.holder_id] = CredentialState.LAPSED
    return result


def peer_credential_status(user: User | int, *, today: dt.date | None = None) -> CredentialState:
    """active / none / lapsed for one person (a User or a user id)."""
    user_id = user if isinstance(user, int) else user.pk
    return peer_credential_statuses([user_id], today=today)[user_id]


# --- Continuing education ---------------------------------------------------------------------------------


def ce_errors(hours: Decimal | None, completed_on: dt.date | None) -> dict[str, str]:
    """Bad input for a CE entry: the certification app's checks (not negative, not in the future, at most 24 a day)."""
    errors = hours_errors(hours, completed_on)
    if "started_on" in errors:
        errors["completed_on"] = errors.pop("started_on")
    errors.pop("ended_on", None)
    return errors


def _sniff(head: bytes) -> str | None:
    return next((content_type for magic, content_type, _ext in MAGIC if head.startswith(magic)), None)


@transaction.atomic
def ce_add(
    *,
    peer: User,
    provider: str,
    topic: str,
    completed_on: dt.date,
    hours: Decimal,
    ethics: bool = False,
    certificate: UploadedFile | None = None,
) -> ContinuingEducation:
    """Record one CE course. A certificate is checked like certification evidence (PDF/PNG/JPEG by content, size)."""
    errors = ce_errors(hours, completed_on)
    if errors:
        raise ValidationError(errors)
    entry = ContinuingEducation(
        peer=peer, provider=provider, topic=topic, completed_on=completed_on, hours=hours, ethics=ethics
    )
    if certificate is not None:
        size = certificate.size or 0
        if size > MAX_EVIDENCE_BYTES:
            raise ValidationError(
                {
                    "certificate": _("The file is larger than %(limit)s MB.")
                    % {"limit": MAX_EVIDENCE_BYTES // (1024 * 1024)}
                }
            )
        if size == 0:
            raise ValidationError({"certificate": _("The file is empty.")})
        certificate.seek(0)
        content_type = _sniff(certificate.read(16))
        if content_type is None:
            raise ValidationError({"certificate": _("Upload a PDF, PNG or JPEG file.")})
        certificate.seek(0)
        digest = hashlib.sha256()
        for chunk in certificate.chunks():
            digest.update(chunk)
        certificate.seek(0)
        entry.certificate_content_type = content_type
        entry.certificate_sha256 = digest.hexdigest()
        entry.certificate.save("certificate", certificate, save=False)
    try:
        entry.save()
    except Exception:
        if entry.certificate:
            entry.certificate.delete(save=False)
        raise
    return entry


def ce_entries_for_peer(user: User) -> list[ContinuingEducation]:
    return list(ContinuingEducation.objects.filter(peer=user))


def ce_get_for_peer(user: User, public_id: str) -> ContinuingEducation:
    entry = ContinuingEducation.objects.filter(peer=user, public_id=public_id).first()
    if entry is None or not entry.certificate:
        raise Http404("No such certificate.")
    return entry


# --- Renewal ----------------------------------------------------------------------------------------------


def _months_before(day: dt.date, months: int) -> dt.date:
    month_index = day.year * 12 + day.month - 1 - months
    year, month = divmod(month_index, 12)
    month += 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class Renewal:
    credential: Credential
    rule: rules.RenewalRule | None
    period_start: dt.date | None
    period_end: dt.date | None
    checklist: rules.Checklist | None
    days_left: int | None
    open_application: Application | None

    @property
    def state(self) -> str:
        return "active" if _active(self.credential, timezone.localdate()) else "lapsed"

    @property
    def can_start(self) -> bool:
        return self.rule is not None and self.open_application is None and self.credential.status in RENEWABLE_STATUSES


def renewal_evaluate(
    credential: Credential, entries: Iterable[ContinuingEducation], *, today: dt.date | None = None
) -> Renewal:
    """The credential's renewal rule applied to the CE entries completed in its current period.

    The period is the rule's ``period_months`` ending on ``expires_on``: it starts the day after the date
    ``period_months`` earlier (the previous period's last day), so consecutive periods share no day and a course
    counts toward one renewal only. A first period, when the credential was issued on or after that date,
    starts on the issue date.
    """
    today = today or timezone.localdate()
    rule = credential.credential_type.spec.renewal
    # The open statuses for which certification's service refuses a second renewal: the button and server agree.
    open_application = (
        Application.objects.filter(
            held_credential=credential, kind=ApplicationKind.RENEWAL, status__in=OPEN_APPLICATION_STATUSES
        )
        .order_by("-created_at")
        .first()
    )
    if rule is None or credential.expires_on is None:
        return Renewal(credential, rule, None, None, None, None, open_application)
    end = credential.expires_on
    previous_end = _months_before(end, rule.period_months)
    start = credential.issued_on if credential.issued_on >= previous_end else previous_end + dt.timedelta(days=1)
    checklist = rules.evaluate_renewal(
        rule, [rules.CeEntry(e.completed_on, e.hours, e.ethics) for e in entries], start, end
    )
    return Renewal(credential, rule, start, end, checklist, (end - today).days, open_application)


def renewals_for_peer(user: User) -> list[Renewal]:
    entries = ce_entries_for_peer(user)
    credentials = Credential.objects.filter(holder=user).select_related("credential_type__board")
    return [renewal_evaluate(credential, entries) for credential in credentials]


def renewal_start(*, user: User, credential_public_id: str) -> Application:
    """Open a renewal application for an active or expired credential the user holds (certification's service
    creates it, and refuses with a ValidationError a suspended or revoked credential, or one whose renewal is
    already open: a second click or a resent form opens no second application)."""
    credential = Credential.objects.filter(holder=user, public_id=credential_public_id).first()
    if credential is None:
        raise Http404("No such credential.")
    return application_create(
        applicant=user, credential_type=credential.credential_type, kind=ApplicationKind.RENEWAL, held=credential
    )


# --- Reminders and expiry (daily jobs in workforce/tasks.py) ------------------------------------------------


def reminder_due(days_left: int) -> int | None:
    """The reminder threshold a credential with ``days_left`` is in (90, 60 or 30), or None."""
    if days_left < 0:
        return None
    due = [threshold for threshold in REMINDER_DAYS if days_left <= threshold]
    return min(due) if due else None


def _reminder_send(credential: Credential, days_before: int, now: dt.datetime, *, days_left: int) -> bool:
    """Send the ``days_before`` reminder. The message states ``days_left``, not the threshold: a reminder first
    due late (a credential entered 3 days before it expires) must not say "about 30 days"."""
    try:
        # The reminder's own transaction (a savepoint inside another): a failed send rolls back its row.
        with transaction.atomic():
            CredentialReminder.objects.create(
                credential=credential, expires_on=credential.expires_on, days_before=days_before, sent_at=now
            )
            if credential.holder.email:
                # No personal details in the body: no name, no credential number, no board. In the holder's language:
                # the worker that sends it has none of its own.
                with translation.override(user_language(credential.holder)):
                    subject = _("A credential renewal is coming up")
                    message = _(
                        "A credential on your Peerway account expires in about %(days)s days. "
                        "Sign in to see what your renewal still needs: %(url)s"
                    ) % {"days": days_left, "url": settings.SITE_URL.rstrip("/") + reverse("career:renewal")}
                send_mail(subject=subject, message=message, from_email=None, recipient_list=[credential.holder.email])
    except IntegrityError:
        return False
    return True


def credential_reminders_send(*, today: dt.date | None = None) -> int:
    """Send each due reminder (90, 60, 30 days before expiry) once; return how many were sent.

    Only the latest threshold reached is sent: a credential first seen 45 days before expiry gets the 60-day
    reminder, not the 90-day one as well. Each (credential, expiry date, threshold) is recorded, so a
    renewed credential with a new expiry date is reminded again. A reminder that cannot be sent (a mailbox the
    mail server refuses) is logged without its address, not recorded, so the next run tries again, and the job
    goes on with the others.
    """
    today = today or timezone.localdate()
    now = timezone.now()
    sent = 0
    candidates = Credential.objects.filter(
        status=CredentialStatus.ACTIVE,
        # A deactivated account cannot sign in to see what the renewal needs, which is all the reminder says.
        holder__is_active=True,
        expires_on__gte=today,
        expires_on__lte=today + dt.timedelta(days=max(REMINDER_DAYS)),
    ).select_related("holder")
    for credential in candidates:
        assert credential.expires_on is not None
        threshold = reminder_due((credential.expires_on - today).days)
        if threshold is None:
            continue
        if CredentialReminder.objects.filter(
            credential=credential, expires_on=credential.expires_on, days_before=threshold
        ).exists():
            continue
        try:
            sent += int(_reminder_send(credential, threshold, now, days_left=(credential.expires_on - today).days))
        except Exception as error:
            # One refused mailbox must not hold up every later reminder of the day. The log names the credential
            # by its public id and the error by its class only: an SMTP refusal carries the address.
            logger.warning(
                "Credential reminder for %s failed (%s); it is retried on the next run",
                credential.public_id,
                type(error).__name__,
            )
    return sent


@transaction.atomic
def credentials_expire(*, today: dt.date | None = None) -> int:
    """Mark active credentials whose ``expires_on`` has passed as expired (saved one by one, for their history)."""
    today = today or timezone.localdate()
    expired = 0
    for credential in Credential.objects.select_for_update().filter(
        status=CredentialStatus.ACTIVE, expires_on__lt=today
    ):
        credential.status = CredentialStatus.EXPIRED
        credential.save(update_fields=["status", "updated_at"])
        expired += 1
    return expired


def peer_credential_summary(
    *, today: dt.date | None = None, organization_ids: Iterable[int] | None = None
) -> dict[str, int]:
    """How many peers in service are in each credential status (aggregate: for reports); a person counts once.

    ``organization_ids``: only the peers of these organizations (a supervisor's own); None: every organization's.
    """
    from peerway.workforce.models import PeerProfile

    profiles = PeerProfile.objects.in_service()
    if organization_ids is not None:
        profiles = profiles.filter(organization_id__in=list(organization_ids))
    user_ids = sorted(set(profiles.values_list("user_id", flat=True)))
    states = peer_credential_statuses(user_ids, today=today)
    summary = {str(state): 0 for state in CredentialState}
    for user_id in user_ids:
        summary[str(states[user_id])] += 1
    return summary
