"""Check-in pages: the person's private link (public), and the staff pages (list and chart, entry from a
call, creating and texting a link, FHIR export, loading an organization's licensed instrument)."""

from __future__ import annotations

import json

from csp.decorators import csp_update
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from peerway.accounts.models import User
from peerway.accounts.roles import Role
from peerway.accounts.selectors import memberships_for_user
from peerway.core.decorators import staff_view
from peerway.core.sms import SmsFailed, SmsNotConfigured
from peerway.organizations.models import Organization
from peerway.recovery.charts import participant_checkin_chart_svg
from peerway.recovery.forms.checkins import CheckInAnswersForm, CheckInLinkForm, InstrumentUploadForm, StaffCheckInForm
from peerway.recovery.instruments.fhir import FhirInvalid, Response, questionnaire_response_build
from peerway.recovery.models import CheckInLink, Engagement, EngagementStatus, Instrument, Participant
from peerway.recovery.selectors.checkins import (
    checkin_entry_participant_for_user,
    checkin_get_for_user,
    checkin_link_get_by_token,
    instrument_admin_organizations,
    instruments_for_organization,
    participant_checkins_for_user,
)
from peerway.recovery.services.checkins import (
    InstrumentExists,
    checkin_answer_by_link,
    checkin_link_create,
    checkin_link_opened,
    checkin_link_send,
    checkin_record_by_staff,
    instrument_import,
)

# Public: the person's private link --------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
def checkin_public(request: HttpRequest, token: str) -> HttpResponse:
    lookup = checkin_link_get_by_token(token)
    if lookup.link is None:
        return _checkin_link_gone(request, expired=lookup.expired)
    link = lookup.link
    # Nobody is signed in, so no zone is active: show the link's dates as the person's organization keeps them.
    with timezone.override(link.participant.organization.zone):
        return _checkin_public_page(request, token, link)


def _checkin_link_gone(request: HttpRequest, *, expired: bool) -> HttpResponse:
    template = "recovery/checkin_link_expired.html" if expired else "recovery/checkin_link_not_found.html"
    return render(request, template, status=410 if expired else 404)


def _checkin_public_page(request: HttpRequest, token: str, link: CheckInLink) -> HttpResponse:
    data = request.POST if request.method == "POST" else None
    form = CheckInAnswersForm(data, definition=link.instrument.definition, language=request.LANGUAGE_CODE)
    answered_before = hasattr(link, "checkin")
    if request.method == "POST" and form.is_valid():
        checkin_answer_by_link(link=link, answers=form.answers())
        return render(request, "recovery/checkin_public_done.html", {"token": token})
    checkin_link_opened(link=link)
    return _checkin_public_render(request, link, form, answered_before=answered_before)


def checkin_answers_resend(request: HttpRequest, token: str) -> HttpResponse:
    """The check-in page again with the answers the person chose, saying that they were not sent.

    For answers the CSRF check refused (peerway.errors): nothing is saved, and the person should not have to answer
    every question again. A link that has expired or does not exist gets its usual page.
    """
    lookup = checkin_link_get_by_token(token)
    if lookup.link is None:
        return _checkin_link_gone(request, expired=lookup.expired)
    link = lookup.link
    form = CheckInAnswersForm(request.POST, definition=link.instrument.definition, language=request.LANGUAGE_CODE)
    with timezone.override(link.participant.organization.zone):
        response = _checkin_public_render(
            request, link, form, answered_before=hasattr(link, "checkin"), refused=True, status=403
        )
    add_never_cache_headers(response)
    return response


def _checkin_public_render(
    request: HttpRequest,
    link: CheckInLink,
    form: CheckInAnswersForm,
    *,
    answered_before: bool,
    refused: bool = False,
    status: int = 200,
) -> HttpResponse:
    definition = link.instrument.definition
    language = request.LANGUAGE_CODE
    context = {
        "form": form,
        "title": definition.title.in_language(language),
        "description": definition.description.in_language(language),
        "answered_before": answered_before,
        "expires_at": link.expires_at,
        "refused": refused,
    }
    return render(request, "recovery/checkin_public.html", context, status=status)


def checkin_link_url(request: HttpRequest, token: str, language_code: str) -> str:
    """The absolute link in the person's language when Peerway has it (the page's switcher can change it)."""
    code = language_code if language_code in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
    with translation.override(code):
        path = reverse("checkins:answer", kwargs={"token": token})
    return request.build_absolute_uri(path)


# Staff ------------------------------------------------------------------------------------------------


@staff_view
@require_GET
def checkin_list(request: HttpRequest, public_id: str) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    participant, checkins = participant_checkins_for_user(user, public_id)
    context = {
        "participant": participant,
        "checkins": list(reversed(checkins)),
        # A merged record takes no new check-ins: they belong on the record that was kept.
        "can_enter": not participant.is_merged and _may_enter(user, participant.organization),
        "link_form": CheckInLinkForm(instruments=instruments_for_organization(participant.organization)),
    }
    return render(request, "recovery/checkin_list.html", context)


# The chart is an image: its own small style sheet is inside the SVG, and it holds no script.
@csp_update({"style-src": ["'unsafe-inline'"]})
@staff_view
@require_GET
def checkin_chart(request: HttpRequest, public_id: str) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    participant, checkins = participant_checkins_for_user(user, public_id, reason="check-in chart")
    return HttpResponse(participant_checkin_chart_svg(participant, checkins), content_type="image/svg+xml")


def _may_enter(user: User, organization: Organization) -> bool:
    return (
        memberships_for_user(user)
        .filter(organization=organization, role__in=[Role.PEER, Role.SUPERVISOR, Role.ORG_ADMIN])
        .exists()
    )


def _current_engagement(participant: Participant, organization: Organization) -> Engagement | None:
    """The engagement a new check-in belongs to: the person's latest open one in this organization."""
    return (
        participant.engagements.filter(organization=organization)
        .exclude(status=EngagementStatus.CLOSED)
        .order_by("-started_at")
        .first()
    )


def _instrument_from_request(request: HttpRequest, organization: Organization) -> Instrument:
    instruments = instruments_for_organization(organization)
    wanted = request.GET.get("instrument") or request.POST.get("instrument_id")
    try:
        instrument = instruments.get(public_id=wanted) if wanted else instruments.filter(organization=None).first()
    except (Instrument.DoesNotExist, ValueError, ValidationError):
        raise Http404("No such instrument.") from None
    if instrument is None:
        raise Http404("No instrument is loaded.")
    return instrument


@staff_view
@require_http_methods(["GET", "POST"])
def checkin_entry(request: HttpRequest, public_id: str) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    participant = checkin_entry_participant_for_user(user, public_id)
    instrument = _instrument_from_request(request, participant.organization)
    data = request.POST if request.method == "POST" else None
    form = StaffCheckInForm(data, definition=instrument.definition, language=request.LANGUAGE_CODE)
    if request.method == "POST" and form.is_valid():
        checkin = checkin_record_by_staff(
            participant=participant,
            instrument=instrument,
            answers=form.answers(),
            actor=user,
            answered_at=form.cleaned_data["answered_at"],
            engagement=_current_engagement(participant, participant.organization),
        )
        messages.success(request, _("Check-in saved: score %(score)s.") % {"score": checkin.score})
        return redirect("recovery:checkin_list", public_id=participant.public_id)
    context = {"participant": participant, "instrument": instrument, "form": form}
    return render(request, "recovery/checkin_entry.html", context)


@staff_view
@require_POST
def checkin_link_new(request: HttpRequest, public_id: str) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    participant = checkin_entry_participant_for_user(user, public_id)
    form = CheckInLinkForm(request.POST, instruments=instruments_for_organization(participant.organization))
    if not form.is_valid():
        messages.error(request, _("Choose a check-in."))
        return redirect("recovery:checkin_list", public_id=participant.public_id)
    link, token = checkin_link_create(
        participant=participant,
        instrument=form.cleaned_data["instrument"],
        actor=user,
        engagement=_current_engagement(participant, participant.organization),
    )
    language = participant.language.slug if participant.language else settings.LANGUAGE_CODE
    url = checkin_link_url(request, token, language)
    sent = False
    problem = ""
    if form.cleaned_data["send_text"]:
        try:
            checkin_link_send(link=link, url=url, actor=user, language=language)
            sent = True
        except ValueError:
            problem = _("The person has no phone number: give them the link another way.")
        except SmsNotConfigured:
            problem = _("Text messages are not set up here: give them the link another way.")
        except SmsFailed:
            problem = _("The text could not be sent (the text service refused it): give them the link another way.")
    context = {"participant": participant, "link": link, "url": url, "sent": sent, "problem": problem}
    return render(request, "recovery/checkin_link.html", context)


@staff_view
@require_GET
def checkin_fhir(request: HttpRequest, public_id: str) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    checkin = checkin_get_for_user(user, public_id)
    definition = checkin.instrument.definition
    response = Response(
        instrument_url=definition.url,
        instrument_version=definition.version,
        authored=checkin.answered_at,
        answers=checkin.answers,
        identifier=f"urn:uuid:{checkin.public_id}",
    )
    body = questionnaire_response_build(definition, response)
    result = JsonResponse(body, content_type="application/fhir+json", json_dumps_params={"ensure_ascii": False})
    result["Content-Disposition"] = f'attachment; filename="questionnaire-response-{checkin.public_id}.json"'
    return result


@staff_view
@require_http_methods(["GET", "POST"])
def instrument_list(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    organizations = instrument_admin_organizations(user)
    if not organizations:
        raise Http404("You administer no organization.")
    form = InstrumentUploadForm(
        request.POST if request.method == "POST" else None, request.FILES or None, organizations=organizations
    )
    problems: list[str] = []
    if request.method == "POST" and form.is_valid():
        try:
            raw = form.cleaned_data["file"].read()
            instrument = instrument_import(raw, organization=form.cleaned_data["organization"], actor=user)
        except FhirInvalid as error:
            problems = [str(problem) for problem in error.problems]
        except InstrumentExists as error:
            problems = [str(error)]
        else:
            messages.success(request, _("Loaded %(title)s.") % {"title": instrument.title})
            return redirect("recovery:instrument_list")
    instruments = Instrument.objects.filter(Q(organization=None) | Q(organization__in=organizations)).select_related(
        "organization"
    )
    return render(
        request,
        "recovery/instrument_list.html",
        {"form": form, "problems": problems, "instruments": instruments, "json": json},
    )
