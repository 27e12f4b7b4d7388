"""Staff pages for contacts: quick entry, the versions of one contact, corrections, co-signing."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from peerway.accounts.models import User
from peerway.core.decorators import staff_view
from peerway.core.submissions import submitted_once
from peerway.recovery.forms.contacts import ContactCorrectionForm, ContactForm
from peerway.recovery.selectors import (
    contact_for_action,
    contact_get_for_user,
    contacts_awaiting_cosign_for_user,
    engagement_for_action,
)
from peerway.recovery.selectors.contacts import CORRECT_ROLES, COSIGN_ROLES, contact_allows, plan_goals_for_engagement
from peerway.recovery.selectors.engagements import engagement_get_for_user, engagement_view_record
from peerway.recovery.selectors.scope import record_organization_ids
from peerway.recovery.services import (
    ActionRefused,
    contact_correct,
    contact_cosign,
    contact_cosign_own_work,
    contact_may_correct,
    contact_record,
)
from peerway.recovery.views.engagements import contact_form_initial, engagement_page_context


def _add_service_errors(form: Form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


@staff_view
@submitted_once
def contact_create(request: HttpRequest, public_id: str) -> HttpResponse:
    """Quick entry. GET shows the form on its own page; POST comes from it or from the engagement page."""
    engagement = engagement_for_action(request.user, public_id)  # type: ignore[arg-type]
    goals = plan_goals_for_engagement(engagement.pk)
    form = ContactForm(request.POST or None, initial=contact_form_initial(engagement), goals=goals)
    if request.method == "POST" and form.is_valid():
        try:
            contact_record(engagement=engagement, actor=request.user, **form.cleaned_data)  # type: ignore[arg-type]
        except ActionRefused as refusal:
            form.add_error(None, refusal.message)
        except ValidationError as error:
            _add_service_errors(form, error)
        else:
            messages.success(request, _("The contact is recorded."))
            return redirect("recovery:engagement_detail", public_id=engagement.public_id)
    if request.method == "POST" and request.POST.get("from") == "engagement":
        # Re-render the engagement page with the typed values and the errors next to their fields.
        full = engagement_get_for_user(request.user, public_id, reason="engagement page")  # type: ignore[arg-type]
        context = engagement_page_context(request, full)
        context["contact_form"] = form
        return render(request, "recovery/engagement_detail.html", context, status=400)
    status = 400 if request.method == "POST" else 200
    # The form lists the plan's goals in the person's own words: showing it is a view of their record. Requests
    # are not atomic, and the access event must be written inside a transaction.
    with transaction.atomic():
        engagement_view_record(request.user, engagement, reason="contact form")  # type: ignore[arg-type]
    return render(request, "recovery/contact_form.html", {"engagement": engagement, "form": form}, status=status)


@staff_view
def contact_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    contact = contact_get_for_user(user, public_id, reason="contact page")
    # Offered by the rules that guard the correction page and the co-sign action.
    can = {
        "correct": contact_allows(user, contact, CORRECT_ROLES) and contact_may_correct(contact, user),
        "cosign": contact_allows(user, contact, COSIGN_ROLES) and contact_cosign_own_work(contact, user) is None,
    }
    return render(
        request,
        "recovery/contact_detail.html",
        {"contact": contact, "versions": list(contact.versions.all()), "can": can},
    )


@staff_view
def contact_correct_page(request: HttpRequest, public_id: str) -> HttpResponse:
    # A peer of the organization reads the contact but corrects only their own: another's correction page does not
    # open for them (nor is it offered), rather than taking a whole form and then refusing it.
    if not contact_may_correct(contact_for_action(request.user, public_id, CORRECT_ROLES), request.user):  # type: ignore[arg-type]
        raise Http404("Only the peer who recorded the contact or a supervisor corrects it.")
    contact = contact_get_for_user(request.user, public_id, roles=CORRECT_ROLES, reason="correcting a contact")  # type: ignore[arg-type]
    current = contact.current_version
    assert current is not None
    initial = {
        "occurred_on": current.occurred_on,
        "started_at": current.started_at,
        "duration_minutes": current.duration_minutes,
        "modality": current.modality,
        "kind": current.kind,
        "note": current.note,
        "place": current.place,
        "person_present": current.person_present,
        "goals": list(current.goals.all()),
    }
    form = ContactCorrectionForm(
        request.POST or None, initial=initial, goals=plan_goals_for_engagement(contact.engagement_id)
    )
    if request.method == "POST" and form.is_valid():
        try:
            contact_correct(contact=contact, actor=request.user, **form.cleaned_data)  # type: ignore[arg-type]
        except ActionRefused as refusal:
            form.add_error(None, refusal.message)
        except ValidationError as error:
            _add_service_errors(form, error)
        else:
            messages.success(request, _("The correction is saved as a new version."))
            return redirect("recovery:contact_detail", public_id=contact.public_id)
    status = 400 if request.method == "POST" else 200
    return render(request, "recovery/contact_correct.html", {"contact": contact, "form": form}, status=status)


@staff_view
@require_POST
def contact_cosign_action(request: HttpRequest, public_id: str) -> HttpResponse:
    contact = contact_for_action(request.user, public_id, COSIGN_ROLES)  # type: ignore[arg-type]
    try:
        # The version the page showed; a form without it (an older page) is refused, as a version unseen would be.
        version = int(request.POST.get("version", ""))
    except ValueError:
        version = 0
    try:
        contact_cosign(contact=contact, actor=request.user, version=version)  # type: ignore[arg-type]
    except ActionRefused as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(request, _("Co-signed."))
    if request.POST.get("next") == "queue":
        return redirect("recovery:contact_cosign_queue")
    return redirect("recovery:contact_detail", public_id=contact.public_id)


@staff_view
def contact_cosign_queue(request: HttpRequest) -> HttpResponse:
    if not record_organization_ids(request.user, COSIGN_ROLES).exists():  # type: ignore[arg-type]
        raise Http404("No such page.")
    contacts = contacts_awaiting_cosign_for_user(request.user)  # type: ignore[arg-type]
    return render(request, "recovery/contact_cosign_queue.html", {"contacts": contacts})
