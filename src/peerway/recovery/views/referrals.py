"""Staff pages for referrals: an engagement's referrals (read, refer, move along) and the follow-up list."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from peerway.core.decorators import staff_view
from peerway.core.forms import DateInput
from peerway.core.submissions import submitted_once
from peerway.recovery.models import Engagement, Referral
from peerway.recovery.selectors.referrals import (
    engagement_for_referral_change,
    engagement_referrals_for_user,
    organization_serves_counties,
    referral_for_change,
    referrals_due_for_user,
    resources_for_engagement,
)
from peerway.recovery.services.referrals import ReferralRefused, referral_create, referral_transition
from peerway.resources.models import ResourceCategory


def _not_in_the_past(value: dt.date | None) -> None:
    if value is not None and value < timezone.localdate():
        raise forms.ValidationError(_("The follow-up date cannot be in the past."))


TREATMENT_CATEGORIES = (ResourceCategory.MOUD, ResourceCategory.WITHDRAWAL_MANAGEMENT)


class ReferralForm(forms.Form):
    resource = forms.ModelChoiceField(queryset=None, to_field_name="public_id", label=gettext_lazy("Resource"))  # type: ignore[arg-type]
    note = forms.CharField(
        label=gettext_lazy("Why this referral (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    follow_up_on = forms.DateField(
        label=gettext_lazy("Follow up on"),
        required=False,
        validators=[_not_in_the_past],
        widget=DateInput(),
        help_text=gettext_lazy("You get one email on this day if the referral is still open."),
    )

    def __init__(
        self, *args: Any, engagement: Engagement, treatment: bool = False, everywhere: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["resource"]
        assert isinstance(field, forms.ModelChoiceField)
        # Near the person by default (statewide ones and the organization's counties); every county when asked.
        resources = resources_for_engagement(engagement, nearby=not everywhere).select_related("county")
        if treatment:  # a check-up's re-link to treatment: only treatment resources are offered
            resources = resources.filter(category__in=TREATMENT_CATEGORIES)
        field.queryset = resources
        field.label_from_instance = lambda resource: (  # type: ignore[method-assign]
            f"{resource.name} · {resource.get_category_display()}"
            + (f" · {resource.county.name}" if resource.county else "")
        )


class ReferralTransitionForm(forms.Form):
    action = forms.ChoiceField(
        choices=[
            ("acknowledge", gettext_lazy("Acknowledged by the resource")),
            ("complete", gettext_lazy("Completed")),
            ("decline", gettext_lazy("Declined")),
        ],
        label=gettext_lazy("What happened"),
    )
    outcome_note = forms.CharField(
        label=gettext_lazy("Outcome (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    follow_up_on = forms.DateField(
        label=gettext_lazy("Next follow-up (optional)"),
        required=False,
        validators=[_not_in_the_past],
        widget=DateInput(),
    )


def _transition_form(referral: Referral, data: Any = None) -> ReferralTransitionForm:
    # Each open referral on the page has its own form: the referral's public id keeps their ids apart.
    return ReferralTransitionForm(data, auto_id=f"%s-{referral.public_id}")


def _page(
    request: HttpRequest,
    public_id: str,
    form: ReferralForm | None,
    status: int = 200,
    *,
    transition: tuple[Referral, ReferralTransitionForm] | None = None,
) -> HttpResponse:
    """The engagement's referrals page (an audited read). ``form`` is the referral form as posted, if it was;
    ``transition`` a referral whose "what happened" form was posted and refused, shown with its errors and
    what was typed (even if the referral has closed meanwhile, so the outcome note is not lost)."""
    engagement, referrals = engagement_referrals_for_user(request.user, public_id)  # type: ignore[arg-type]
    everywhere = _everywhere(request)
    if form is None:
        initial = {"resource": request.GET.get("resource")} if request.GET.get("resource") else {}
        form = ReferralForm(
            engagement=engagement,
            initial=initial,
            treatment=request.GET.get("for") == "treatment",
            everywhere=everywhere,
        )
    rows: list[tuple[Referral, ReferralTransitionForm | None]] = []
    for referral in referrals:
        if transition is not None and referral.pk == transition[0].pk:
            rows.append((referral, transition[1]))
        else:
            rows.append((referral, _transition_form(referral) if referral.is_open else None))
    return render(
        request,
        "recovery/referral_list.html",
        {
            "engagement": engagement,
            "rows": rows,
            "form": form,
            "today": timezone.localdate(),
            "everywhere": everywhere,
            "narrowed": organization_serves_counties(engagement.organization_id),
            "scope_query": _scope_query(request),
        },
        status=status,
    )


def _everywhere(request: HttpRequest) -> bool:
    # A resource named in the link (a check-up's re-link to treatment) is offered wherever it is.
    return request.GET.get("everywhere") == "1" or bool(request.GET.get("resource"))


def _scope_query(request: HttpRequest) -> dict[str, str]:
    """The query strings of the page narrowed to nearby resources and of the page with every county, keeping
    what else the link said (``for=treatment``)."""
    kept = {key: value for key, value in request.GET.items() if key == "for"}
    return {"nearby": urlencode(kept), "everywhere": urlencode({**kept, "everywhere": "1"})}


@staff_view
@submitted_once
def engagement_referrals(request: HttpRequest, public_id: str) -> HttpResponse:
    if request.method != "POST":
        return _page(request, public_id, None)
    engagement = engagement_for_referral_change(request.user, public_id)  # type: ignore[arg-type]
    form = ReferralForm(request.POST, engagement=engagement, everywhere=_everywhere(request))
    if form.is_valid():
        try:
            referral_create(
                engagement=engagement,
                resource=form.cleaned_data["resource"],
                actor=request.user,  # type: ignore[arg-type]
                note=form.cleaned_data["note"],
                follow_up_on=form.cleaned_data["follow_up_on"],
            )
        except ReferralRefused as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, _("Referral sent."))
            return redirect("recovery:engagement_referrals", public_id=engagement.public_id)
    return _page(request, public_id, form, status=400)


@staff_view
@require_POST
@submitted_once
def referral_transition_view(request: HttpRequest, public_id: str) -> HttpResponse:
    referral: Referral = referral_for_change(request.user, public_id)  # type: ignore[arg-type]
    form = _transition_form(referral, request.POST)
    if form.is_valid():
        try:
            referral_transition(
                referral=referral,
                action=form.cleaned_data["action"],
                actor=request.user,  # type: ignore[arg-type]
                outcome_note=form.cleaned_data["outcome_note"],
                follow_up_on=form.cleaned_data["follow_up_on"],
            )
        except ReferralRefused as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, _("Referral updated."))
            return redirect("recovery:engagement_referrals", public_id=referral.engagement.public_id)
    return _page(request, referral.engagement.public_id, None, status=400, transition=(referral, form))


@staff_view
def referrals_due(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    referrals = referrals_due_for_user(request.user, today=today)  # type: ignore[arg-type]
    return render(request, "recovery/referral_due.html", {"referrals": referrals, "today": today})
