"""Every change to certification records. One transaction each; the only place application status moves."""

from __future__ import annotations

import calendar
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_fsm import can_proceed

from peerway.accounts.models import User
from peerway.certification import rules
from peerway.certification.models import (
    Application,
    ApplicationKind,
    ApplicationStatus,
    ApplicationTransition,
    Attestation,
    Credential,
    CredentialStatus,
    CredentialType,
    Evidence,
    ExamResult,
    ExperienceEntry,
    SupervisionEntry,
    TrainingEntry,
)
from peerway.certification.selectors import (
    application_checklist,
    checklist_line_text,
    conflict_of_interest,
    reciprocity_evaluate,
)

MAX_EVIDENCE_BYTES = getattr(settings, "PEERWAY_EVIDENCE_MAX_BYTES", 5 * 1024 * 1024)
# Content types by their first bytes: the name and the browser's claimed type are not trusted.
MAGIC = (
    (b"%PDF-", "application/pdf", "pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
)


class TransitionRefused(Exception):
    """A status change that is not allowed from the application's status, or by this person."""


@dataclass
class SubmissionIncomplete(Exception):
    gaps: tuple[rules.Line, ...]

    def __str__(self) -> str:
        return "; ".join(checklist_line_text(line) for line in self.gaps)


def _editable(application: Application) -> None:
    if not application.editable:
        raise TransitionRefused(
            _("This application is %(status)s: it can be changed only as a draft or when more information is asked.")
            % {"status": application.get_status_display()}
        )


# The furthest back, in years, a date of training, experience, supervision, an exam or CE may lie: far enough for
# any credential's history, near enough that a typo in the year (0001, 1026) is caught.
HOURS_MAX_YEARS = 30


def hours_errors(hours: Decimal | None, started_on: date | None, ended_on: date | None = None) -> dict[str, str]:
    """Bad input for hours over dates: negative or zero, more than 24 a day, in the future, more than
    ``HOURS_MAX_YEARS`` years ago (a typo in the year would stretch the 24-hours-a-day check over centuries),
    ends before start."""
    errors: dict[str, str] = {}
    ended_on = ended_on or started_on
    today = timezone.localdate()
    earliest = today.replace(year=today.year - HOURS_MAX_YEARS, day=1)
    if started_on and started_on > today:
        errors["started_on"] = _("The date cannot be in the future.")
    elif started_on and started_on < earliest:
        errors["started_on"] = _("The date is more than %(years)s years ago; check the year.") % {
            "years": HOURS_MAX_YEARS
        }
    if ended_on and ended_on > today:
        errors["ended_on"] = _("The date cannot be in the future.")
    if started_on and ended_on and ended_on < started_on:
        errors["ended_on"] = _("The end date is before the start date.")
    if hours is not None:
        if hours <= 0:
            errors["hours"] = _("Hours must be more than zero.")
        elif started_on and ended_on and ended_on >= started_on:
            days = (ended_on - started_on).days + 1
            if hours > 24 * days:
                errors["hours"] = _("%(hours)s hours in %(days)s day(s) is more than 24 hours a day.") % {
                    "hours": hours,
                    "days": days,
                }
    return errors


def _check_hours(
    hours: Decimal, started_on: date, ended_on: date | None = None, *, start_field: str = "started_on"
) -> None:
    errors = hours_errors(hours, started_on, ended_on)
    if "started_on" in errors and start_field != "started_on":
        errors[start_field] = errors.pop("started_on")
    if errors:
        raise ValidationError(errors)


# A suspended or revoked credential is the board's decision; a renewal must not undo it.
RENEWABLE_STATUSES = (CredentialStatus.ACTIVE, CredentialStatus.EXPIRED)
# An application not yet decided: a credential has at most one renewal in these at a time.
OPEN_APPLICATION_STATUSES = (
    ApplicationStatus.DRAFT,
    ApplicationStatus.SUBMITTED,
    ApplicationStatus.UNDER_REVIEW,
    ApplicationStatus.MORE_INFO_NEEDED,
)


def renewal_refusal(held: Credential, credential_type: CredentialType) -> str | None:
    """Why ``held`` cannot be renewed by an application for ``credential_type``, or None when it can."""
    if held.credential_type_id != credential_type.pk:
        return _("A renewal must be for the credential held (%(held)s), not for another credential.") % {
            "held": held.credential_type
        }
    if held.status not in RENEWABLE_STATUSES:
        return _("This credential is %(status)s: only an active or expired credential can be renewed.") % {
            "status": held.get_status_display()
        }
    return None


@transaction.atomic
def application_create(
    *,
    applicant: User,
    credential_type: CredentialType,
    kind: str = ApplicationKind.INITIAL,
    held: Credential | None = None,
) -> Application:
    """Open a draft application; refusals raise a ValidationError with the reason.

    A renewal is for an active or expired credential the applicant holds, by its own type, and only when no
    renewal of it is open: the held credential's row lock makes a second request for the same renewal (a double
    click, a resent form) wait, then find the first one's application and be refused.
    """
    if credential_type.reference_standard:
        raise ValidationError(_("A reference standard is not a credential one can apply for."))
    if kind in (ApplicationKind.RECIPROCITY, ApplicationKind.RENEWAL) and (
        held is None or held.holder_id != applicant.pk
    ):
        raise ValidationError(_("Choose a credential you hold."))
    if kind == ApplicationKind.RENEWAL:
        assert held is not None
        held = Credential.objects.select_for_update().get(pk=held.pk)
        refusal = renewal_refusal(held, credential_type)
        if refusal:
            raise ValidationError(refusal)
        if Application.objects.filter(
            held_credential=held, kind=ApplicationKind.RENEWAL, status__in=OPEN_APPLICATION_STATUSES
        ).exists():
            raise ValidationError(_("A renewal of this credential is already open: continue that application."))
    if kind != ApplicationKind.RENEWAL and (already := held_already(applicant, credential_type)) is not None:
        if already.status == CredentialStatus.SUSPENDED:
            raise ValidationError(
                _("Your %(code)s credential (number %(number)s) is suspended: a new application cannot replace it.")
                % {"code": credential_type.code, "number": already.number}
            )
        raise ValidationError(
            _("You already hold this credential (number %(number)s): renew it instead of applying again.")
            % {"number": already.number}
        )
    if kind == ApplicationKind.RECIPROCITY:
        assert held is not None
        result = reciprocity_evaluate(held, credential_type)
        if not result.eligible:
            raise ValidationError(" ".join(result.reasons))
    return Application.objects.create(
        applicant=applicant, credential_type=credential_type, kind=kind, held_credential=held
    )


def held_already(applicant: User, credential_type: CredentialType) -> Credential | None:
    """The applicant's active or suspended credential of this kind (same board and code, any version of its rules),
    if any: they renew it, or the board decides on it; a second one is never issued."""
    return (
        Credential.objects.filter(
            holder=applicant,
            credential_type__board_id=credential_type.board_id,
            credential_type__code=credential_type.code,
            status__in=[CredentialStatus.ACTIVE, CredentialStatus.SUSPENDED],
        )
        .order_by("-issued_on", "-pk")
        .first()
    )


@transaction.atomic
def training_add(
    application: Application, *, domain: str, provider: str, completed_on: date, hours: Decimal, course: str = ""
) -> TrainingEntry:
    # Under the application's row lock: a submit from another tab that committed first is seen, not overwritten.
    application = _locked(application)
    _editable(application)
    if application.credential_type.spec.domain(domain) is None:
        raise ValidationError({"domain": _("This credential has no such training domain.")})
    _check_hours(hours, completed_on, start_field="completed_on")
    return TrainingEntry.objects.create(
        application=application, domain=domain, provider=provider, course=course, completed_on=completed_on, hours=hours
    )


@transaction.atomic
def experience_add(
    application: Application, *, setting: str, started_on: date, ended_on: date, hours: Decimal
) -> ExperienceEntry:
    # Under the application's row lock: a submit from another tab that committed first is seen, not overwritten.
    application = _locked(application)
    _editable(application)
    _check_hours(hours, started_on, ended_on)
    return ExperienceEntry.objects.create(
        application=application, setting=setting, started_on=started_on, ended_on=ended_on, hours=hours
    )


@transaction.atomic
def supervision_add(
    application: Application, *, supervisor_name: str, started_on: date, ended_on: date, hours: Decimal
) -> SupervisionEntry:
    # Under the application's row lock: a submit from another tab that committed first is seen, not overwritten.
    application = _locked(application)
    _editable(application)
    _check_hours(hours, started_on, ended_on)
    return SupervisionEntry.objects.create(
        application=application, supervisor_name=supervisor_name, started_on=started_on, ended_on=ended_on, hours=hours
    )


@transaction.atomic
def exam_add(
    application: Application, *, exam: str, taken_on: date, passed: bool, score: int | None = None
) -> ExamResult:
    # Under the application's row lock: a submit from another tab that committed first is seen, not overwritten.
    application = _locked(application)
    _editable(application)
    if taken_on > timezone.localdate():
        raise ValidationError({"taken_on": _("The date cannot be in the future.")})
    return ExamResult.objects.create(application=application, exam=exam, taken_on=taken_on, passed=passed, score=score)


@transaction.atomic
def attestations_set(application: Application, *, kinds: set[str], jurisdiction_share_percent: int) -> None:
    """Sign the attestations in ``kinds``; unchecked ones are withdrawn.

    The application's row lock makes a second save at the same instant (a double click) wait, then find the
    first one's attestations and add none twice.
    """
    _editable(_locked(application))
    if not 0 <= jurisdiction_share_percent <= 100:
        raise ValidationError({"jurisdiction_share_percent": _("A percentage from 0 to 100.")})
    valid = {choice.value for choice in Attestation.Kind}
    application.attestations.exclude(kind__in=kinds).delete()
    existing = set(application.attestations.values_list("kind", flat=True))
    now = timezone.now()
    Attestation.objects.bulk_create(
        [Attestation(application=application, kind=kind, signed_at=now) for kind in sorted(kinds & valid - existing)]
    )
    application.jurisdiction_share_percent = jurisdiction_share_percent
    application.save(update_fields=["jurisdiction_share_percent", "updated_at"])


def _sniff(head: bytes) -> tuple[str, str] | None:
    for magic, content_type, extension in MAGIC:
        if head.startswith(magic):
            return content_type, extension
    return None


@transaction.atomic
def evidence_upload(application: Application, *, uploaded_by: User, kind: str, upload: UploadedFile) -> Evidence:
    """Store one file privately, after checking its real type (first bytes) and its size; otherwise store nothing."""
    # Under the application's row lock: a submit from another tab that committed first is seen, not overwritten.
    application = _locked(application)
    _editable(application)
    size = upload.size or 0
    if size > MAX_EVIDENCE_BYTES:
        raise ValidationError(
            {"file": _("The file is larger than %(limit)s MB.") % {"limit": MAX_EVIDENCE_BYTES // (1024 * 1024)}}
        )
    if size == 0:
        raise ValidationError({"file": _("The file is empty.")})
    upload.seek(0)
    sniffed = _sniff(upload.read(16))
    if sniffed is None:
        raise ValidationError({"file": _("Upload a PDF, PNG or JPEG file.")})
    upload.seek(0)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    content_type, _extension = sniffed
    evidence = Evidence(
        application=application,
        kind=kind,
        original_name=(upload.name or "upload")[:200],
        content_type=content_type,
        size=size,
        sha256=digest.hexdigest(),
        uploaded_by=uploaded_by,
    )
    evidence.file.save("evidence", upload, save=False)
    try:
        evidence.save()
    except Exception:
        evidence.file.delete(save=False)
        raise
    return evidence


@transaction.atomic
def entry_delete(application: Application, *, kind: str, entry_id: int) -> None:
    # Under the application's row lock: a submit from another tab that committed first is seen, not overwritten.
    application = _locked(application)
    _editable(application)
    managers = {
        "training": application.training,
        "experience": application.experience,
        "supervision": application.supervision,
        "exam": application.exams,
    }
    if kind == "evidence":
        evidence = application.evidence.filter(pk=entry_id).first()
        if evidence is not None:
            evidence.file.delete(save=False)
            evidence.delete()
        return
    if kind in managers:
        managers[kind].filter(pk=entry_id).delete()


def _transition(application: Application, method: Callable[[], None], actor: User, reason: str = "") -> None:
    name = method.__name__
    if not can_proceed(method):
        refusal = TRANSITION_REFUSALS.get(name, TRANSITION_REFUSED)
        raise TransitionRefused(str(refusal) % {"status": application.get_status_display()})
    source = application.status
    method()
    application.save()
    ApplicationTransition.objects.create(
        application=application, actor=actor, at=timezone.now(), source=source, target=application.status, reason=reason
    )


# One whole sentence per action, so that each language words the verb its own way.
TRANSITION_REFUSALS = {
    "submit": gettext_lazy("Cannot submit: the application is %(status)s."),
    "start_review": gettext_lazy("Cannot start the review: the application is %(status)s."),
    "ask_for_more_info": gettext_lazy("Cannot ask for more information: the application is %(status)s."),
    "approve": gettext_lazy("Cannot approve: the application is %(status)s."),
    "deny": gettext_lazy("Cannot deny: the application is %(status)s."),
}
TRANSITION_REFUSED = gettext_lazy("This cannot be done now: the application is %(status)s.")


def _locked(application: Application) -> Application:
    return Application.objects.select_for_update().select_related("credential_type__board").get(pk=application.pk)


# Requirement lines that must be met before an application can be submitted at all.
SUBMIT_BLOCKERS = ("evidence:", "attestation:")


@transaction.atomic
def application_submit(application: Application, *, actor: User) -> Application:
    """Submit, when every required file and attestation is there (``SubmissionIncomplete`` lists what is not).

    Hours short of a requirement do not block submission: the reviewer sees them as gaps on the computed
    checklist and can ask for more information; approval needs every requirement met.
    """
    application = _locked(application)
    if actor.pk != application.applicant_id:
        raise TransitionRefused(_("Only the applicant can submit the application."))
    if not can_proceed(application.submit):
        _transition(application, application.submit, actor)  # raises with the clear message
    blockers = tuple(line for line in application_checklist(application).gaps if line.key.startswith(SUBMIT_BLOCKERS))
    if blockers:
        raise SubmissionIncomplete(blockers)
    _transition(application, application.submit, actor)
    application.submitted_at = timezone.now()
    application.save(update_fields=["submitted_at", "updated_at"])
    return application


def _reviewer_may_act(reviewer: User, application: Application) -> None:
    reason = conflict_of_interest(reviewer, application)
    if reason:
        raise TransitionRefused(_("Conflict of interest: %(reason)s") % {"reason": reason})


@transaction.atomic
def review_start(application: Application, *, reviewer: User) -> Application:
    application = _locked(application)
    _reviewer_may_act(reviewer, application)
    _transition(application, application.start_review, reviewer)
    application.reviewer = reviewer
    application.save(update_fields=["reviewer", "updated_at"])
    return application


@transaction.atomic
def review_ask_for_more_info(application: Application, *, reviewer: User, message: str) -> Application:
    application = _locked(application)
    _reviewer_may_act(reviewer, application)
    if not message.strip():
        raise ValidationError({"message": _("Tell the applicant what is needed.")})
    _transition(application, application.ask_for_more_info, reviewer, message.strip())
    application.info_request = message.strip()
    application.save(update_fields=["info_request", "updated_at"])
    return application


def _add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@transaction.atomic
def review_approve(application: Application, *, reviewer: User, reason: str = "") -> Credential:
    """Approve and issue the credential (a renewal extends the credential held, if it is still renewable)."""
    application = _locked(application)
    _reviewer_may_act(reviewer, application)
    held = None
    if application.kind == ApplicationKind.RENEWAL and application.held_credential_id is not None:
        held = Credential.objects.select_for_update().get(pk=application.held_credential_id)
        # The board may have suspended or revoked the credential since the renewal was filed.
        refusal = renewal_refusal(held, application.credential_type)
        if refusal:
            raise TransitionRefused(_("Cannot approve: %(reason)s") % {"reason": refusal})
    if can_proceed(application.approve):
        if application.kind != ApplicationKind.RENEWAL and (
            already := held_already(application.applicant, application.credential_type)
        ):
            # Filed before the first credential was issued, or before it was reinstated: one holder, one credential.
            raise TransitionRefused(
                _("Cannot approve: the applicant already holds this credential (number %(number)s).")
                % {"number": already.number}
            )
        gaps = application_checklist(application).gaps
        if gaps:
            raise TransitionRefused(
                _("Cannot approve: requirements not met: %(gaps)s. Ask the applicant for more information.")
                % {"gaps": "; ".join(checklist_line_text(line) for line in gaps)}
            )
    _transition(application, application.approve, reviewer, reason)
    application.decided_at = timezone.now()
    application.decision_reason = reason
    application.save(update_fields=["decided_at", "decision_reason", "updated_at"])
    today = timezone.localdate()
    renewal = application.credential_type.spec.renewal
    expires_on = _add_months(today, renewal.period_months) if renewal else None
    if held is not None:
        base = max(held.expires_on or today, today)
        held.expires_on = _add_months(base, renewal.period_months) if renewal else None
        held.status = CredentialStatus.ACTIVE
        held.save()
        issued = held
    else:
        issued = Credential.objects.create(
            holder=application.applicant,
            credential_type=application.credential_type,
            issued_on=today,
            expires_on=expires_on,
            application=application,
        )
    application.decided_expires_on = issued.expires_on
    application.save(update_fields=["decided_expires_on", "updated_at"])
    return issued


@transaction.atomic
def review_deny(application: Application, *, reviewer: User, reason: str) -> Application:
    application = _locked(application)
    _reviewer_may_act(reviewer, application)
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason for the denial.")})
    _transition(application, application.deny, reviewer, reason.strip())
    application.decided_at = timezone.now()
    application.decision_reason = reason.strip()
    application.save(update_fields=["decided_at", "decision_reason", "updated_at"])
    return application


__all__ = [
    "ApplicationStatus",
    "SubmissionIncomplete",
    "TransitionRefused",
    "application_create",
    "application_submit",
    "attestations_set",
    "entry_delete",
    "evidence_upload",
    "exam_add",
    "experience_add",
    "hours_errors",
    "renewal_refusal",
    "review_approve",
    "review_ask_for_more_info",
    "review_deny",
    "review_start",
    "supervision_add",
    "training_add",
]
