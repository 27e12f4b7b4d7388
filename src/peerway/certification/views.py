"""Certification pages: the applicant's (phone first), the board reviewer's, and public verification.

Views stay thin: selectors read (scoped; 404 outside one's reach), services change state.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from typing import Any

from axes.helpers import get_client_ip_address
from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from peerway.accounts.models import User
from peerway.certification import forms, services
from peerway.certification.models import (
    SAMHSA_TOPIC_LABELS,
    Application,
    CredentialType,
)
from peerway.certification.selectors import (
    ReviewFilters,
    application_checklist,
    application_get_for_applicant,
    application_get_for_reviewer,
    boards_for_reviewer,
    conflict_of_interest,
    credential_types_open,
    credentials_for_holder,
    credentials_verify,
    decision_letter_for_reader,
    evidence_open_for_reader,
    reciprocity_evaluate,
    renewal_ce_counted,
    review_queue_page,
)
from peerway.core.decorators import staff_view
from peerway.core.submissions import submitted_once

logger = logging.getLogger(__name__)


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


# ---------------------------------------------------------------- applicant


@staff_view
@require_http_methods(["GET", "POST"])
def my_certification(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    credentials = list(credentials_for_holder(user))
    form = forms.NewApplicationForm(request.POST or None, credentials=credentials)
    if request.method == "POST" and form.is_valid():
        try:
            application = services.application_create(
                applicant=user,
                credential_type=form.cleaned_data["credential_type"],
                kind=form.cleaned_data["kind"],
                held=form.cleaned_data["held_credential"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Your draft application is ready. Add your hours and files, then submit."))
            return redirect("certification:application", public_id=application.public_id)
    # Reciprocity: for each credential held, every credential at another board that accepts IC&RC reciprocity.
    targets = [t for t in credential_types_open() if t.spec.reciprocity.accepts_icrc]
    reciprocity = [
        (credential, target, reciprocity_evaluate(credential, target))
        for credential in credentials
        for target in targets
        if target.board_id != credential.credential_type.board_id
    ]
    return render(
        request,
        "certification/my.html",
        {
            "credentials": credentials,
            "applications": user.cert_applications.select_related("credential_type__board").order_by("-created_at"),
            "form": form,
            "reciprocity": reciprocity,
        },
    )


ENTRY_FORMS: dict[str, Any] = {
    "training": forms.TrainingForm,
    "experience": forms.ExperienceForm,
    "supervision": forms.SupervisionForm,
    "exam": forms.ExamForm,
    "attestations": forms.AttestationForm,
    "evidence": forms.EvidenceForm,
}


def _entry_forms(application: Application, bound: dict[str, Any] | None = None) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for kind, form_class in ENTRY_FORMS.items():
        if bound and kind in bound:
            result[kind] = bound[kind]
            continue
        kwargs: dict[str, Any] = {"prefix": kind}
        if kind == "training":
            kwargs["application"] = application
        if kind == "attestations":
            kwargs["initial"] = {
                "kinds": list(application.attestations.values_list("kind", flat=True)),
                "jurisdiction_share_percent": application.jurisdiction_share_percent,
            }
        result[kind] = form_class(**kwargs)
    return result


def _application_page(
    request: HttpRequest,
    application: Application,
    *,
    bound: dict[str, Any] | None = None,
    missing: Any = None,
    status: int = 200,
) -> HttpResponse:
    checklist = application_checklist(application)
    return render(
        request,
        "certification/application.html",
        {
            "application": application,
            "checklist": checklist,
            "forms": _entry_forms(application, bound),
            "missing": missing,
            "transitions": application.transitions.select_related("actor"),
            "spec": application.credential_type.spec,
        },
        status=status,
    )


@staff_view
@require_GET
def application_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    return _application_page(request, application_get_for_applicant(_user(request), public_id))


@staff_view
@require_POST
@submitted_once
def entry_add(request: HttpRequest, public_id: str, kind: str) -> HttpResponse:
    application = application_get_for_applicant(_user(request), public_id)
    if kind not in ENTRY_FORMS:
        raise Http404("No such entry kind.")
    kwargs: dict[str, Any] = {"prefix": kind, "data": request.POST, "files": request.FILES}
    if kind == "training":
        kwargs["application"] = application
    form = ENTRY_FORMS[kind](**kwargs)
    if form.is_valid():
        data = form.cleaned_data
        try:
            if kind == "training":
                services.training_add(application, **data)
            elif kind == "experience":
                services.experience_add(application, **data)
            elif kind == "supervision":
                services.supervision_add(application, **data)
            elif kind == "exam":
                services.exam_add(application, **data)
            elif kind == "attestations":
                services.attestations_set(
                    application, kinds=set(data["kinds"]), jurisdiction_share_percent=data["jurisdiction_share_percent"]
                )
            else:
                services.evidence_upload(
                    application, uploaded_by=_user(request), kind=data["kind"], upload=data["file"]
                )
        except ValidationError as error:
            _add_errors(form, error)
        except services.TransitionRefused as error:
            # Back at the form, not a redirect: what the applicant typed stays on the page under the reason.
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Saved."))
            return redirect(f"{request.path.rsplit('/add/', 1)[0]}/#{kind}")
    return _application_page(request, application, bound={kind: form}, status=400)


def _add_errors(form: Any, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


@staff_view
@require_POST
def entry_delete(request: HttpRequest, public_id: str) -> HttpResponse:
    application = application_get_for_applicant(_user(request), public_id)
    kind = request.POST.get("kind", "")
    try:
        if kind == "evidence":
            evidence = application.evidence.filter(public_id=request.POST.get("entry", "")).first()
            if evidence is not None:
                services.entry_delete(application, kind="evidence", entry_id=evidence.pk)
        else:
            services.entry_delete(application, kind=kind, entry_id=int(request.POST.get("entry", "0")))
    except (ValueError, ValidationError):
        raise Http404("No such entry.") from None
    except services.TransitionRefused as error:
        messages.error(request, str(error))
    return redirect("certification:application", public_id=application.public_id)


@staff_view
@require_POST
def application_submit(request: HttpRequest, public_id: str) -> HttpResponse:
    application = application_get_for_applicant(_user(request), public_id)
    try:
        services.application_submit(application, actor=_user(request))
    except services.SubmissionIncomplete as incomplete:
        return _application_page(request, application, missing=incomplete.gaps, status=400)
    except services.TransitionRefused as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Submitted. The board will review your application."))
    return redirect("certification:application", public_id=application.public_id)


@staff_view
@require_GET
def evidence_download(request: HttpRequest, public_id: str) -> HttpResponse:
    """The file, only to the applicant and the board's reviewers (404 for anyone else); logged as exported."""
    evidence, handle = evidence_open_for_reader(_user(request), public_id)
    response = FileResponse(handle, content_type=evidence.content_type)
    response["Content-Disposition"] = f'attachment; filename="evidence-{evidence.public_id}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@staff_view
@require_GET
def decision_letter(request: HttpRequest, public_id: str) -> HttpResponse:
    """The decision as a PDF, in the applicant's language (their preference, else English); logged as exported."""
    application, pdf = decision_letter_for_reader(_user(request), public_id)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="decision-{application.public_id}.pdf"'
    return response


# ---------------------------------------------------------------- reviewer


def _require_reviewer(user: User) -> None:
    if not boards_for_reviewer(user).exists():
        raise Http404("Not a board reviewer.")


@staff_view
@require_http_methods(["GET", "POST"])
def review_queue(request: HttpRequest) -> HttpResponse:
    """The applications a reviewer's boards have to act on, filtered.

    An applicant's name is personal, so the filters are POSTed (never in a URL, a browser's history or a proxy's
    log) and so are the pages of filtered results; a plain GET shows the unfiltered queue, a page at a time.
    """
    user = _user(request)
    _require_reviewer(user)
    data = request.POST if request.method == "POST" else None
    form = forms.ReviewFilterForm(data)
    filters = ReviewFilters()
    if form.is_valid():
        filters = ReviewFilters(**{key: value or "" for key, value in form.cleaned_data.items()})
    source = request.POST if request.method == "POST" else request.GET
    page = review_queue_page(user, filters, source.get("page", 1))
    filtered = {
        key: value for key, value in (form.cleaned_data.items() if form.is_bound and form.is_valid() else ()) if value
    }
    return render(request, "certification/review_queue.html", {"form": form, "page": page, "filtered": filtered})


def _review_page(
    request: HttpRequest, application: Application, *, form: Any = None, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "certification/review.html",
        {
            "application": application,
            "checklist": application_checklist(application),
            "conflict": conflict_of_interest(_user(request), application),
            "form": form or forms.ReviewActionForm(),
            "transitions": application.transitions.select_related("actor"),
            "entries": application,
            "ce_counted": renewal_ce_counted(application),
        },
        status=status,
    )


@staff_view
@require_GET
def review_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    return _review_page(request, application_get_for_reviewer(_user(request), public_id))


REVIEW_ACTIONS = {"start", "more_info", "approve", "deny"}


@staff_view
@require_POST
def review_action(request: HttpRequest, public_id: str, action: str) -> HttpResponse:
    user = _user(request)
    # Before the application is read: an unknown action records no access (nor its text in the access log).
    if action not in REVIEW_ACTIONS:
        raise Http404("No such action.")
    application = application_get_for_reviewer(user, public_id, reason=f"review:{action}")
    form = forms.ReviewActionForm(request.POST)
    if not form.is_valid():
        # The decision is not made on a message the form refused: the page comes back with its error and the text.
        application.refresh_from_db(fields=["updated_at"])
        return _review_page(request, application, form=form, status=400)
    message = form.cleaned_data.get("message", "")
    try:
        if action == "start":
            services.review_start(application, reviewer=user)
        elif action == "more_info":
            services.review_ask_for_more_info(application, reviewer=user, message=message)
        elif action == "approve":
            credential = services.review_approve(application, reviewer=user, reason=message)
            messages.success(request, _("Approved: credential %(number)s issued.") % {"number": credential.number})
        else:
            services.review_deny(application, reviewer=user, reason=message)
    except ValidationError as error:
        _add_errors(form, error)
    except services.TransitionRefused as error:
        # Back at the form, not a redirect: the message the reviewer typed stays on the page under the reason.
        form.add_error(None, str(error))
    else:
        if action != "approve":
            messages.success(request, _("Done."))
        return redirect("certification:review", public_id=application.public_id)
    application.refresh_from_db(fields=["updated_at"])
    return _review_page(request, application, form=form, status=400)


# ---------------------------------------------------------------- public

VERIFY_PER_WINDOW = 30
VERIFY_WINDOW_SECONDS = 10 * 60


def _verify_key(request: HttpRequest) -> str:
    address = get_client_ip_address(request) or "unknown"
    digest = hmac.new(settings.SECRET_KEY.encode(), address.encode(), hashlib.sha256).hexdigest()[:32]
    return f"certification:verify:{digest}"


def verify_rate_limited(request: HttpRequest) -> bool:
    """Count one search from this address; True when it is over the limit (30 in 10 minutes)."""
    key = _verify_key(request)
    cache.add(key, 0, VERIFY_WINDOW_SECONDS)
    try:
        count = cache.incr(key)
    except ValueError:
        cache.set(key, 1, VERIFY_WINDOW_SECONDS)
        count = 1
    return int(count) > VERIFY_PER_WINDOW


@never_cache
@require_GET
def verify(request: HttpRequest) -> HttpResponse:
    form = forms.VerifyForm(request.GET or None)
    results, more = None, False
    if request.GET and form.is_valid():
        if verify_rate_limited(request):
            response = render(request, "certification/verify.html", {"form": form, "limited": True}, status=429)
            response["Retry-After"] = str(VERIFY_WINDOW_SECONDS)
            return response
        verified = credentials_verify(name=form.cleaned_data["name"], number=form.cleaned_data["number"])
        results, more = verified.credentials, verified.more
    return render(request, "certification/verify.html", {"form": form, "results": results, "more": more})


@require_GET
def standards(request: HttpRequest) -> HttpResponse:
    """Each credential type against the SAMHSA 2023 model standards' topic areas."""
    types = list(CredentialType.objects.select_related("board").order_by("board__name", "level", "code", "-version"))
    rows = [
        (label, [credential_type.samhsa.get(topic, "") for credential_type in types])
        for topic, label in SAMHSA_TOPIC_LABELS.items()
    ]
    return render(request, "certification/standards.html", {"types": types, "rows": rows})
