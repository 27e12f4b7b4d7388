"""Staff pages for recovery check-ups: the engagement's schedule and record form, and the supervisors' re-links."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from peerway.accounts.models import User
from peerway.core.decorators import staff_view
from peerway.core.submissions import submitted_once
from peerway.recovery.models import (
    RECOVERY_CAPITAL_MAX,
    RECOVERY_CAPITAL_MIN,
    CheckupStatus,
    RelinkKind,
    Wellbeing,
)
from peerway.recovery.selectors.checkups import checkup_get_for_user, checkup_page_for_user, relinks_for_supervisor
from peerway.recovery.services.checkups import checkup_record


class CheckupRecordForm(forms.Form):
    reached = forms.TypedChoiceField(
        label=_("Did you reach the person?"),
        choices=[("yes", _("Yes, we talked")), ("no", _("No, not reached"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    wellbeing = forms.ChoiceField(
        label=_("How are they doing?"),
        choices=Wellbeing.choices,
        required=False,
        widget=forms.RadioSelect,
        help_text=_(
            "Struggling or wanting to re-connect re-links them with support now. In crisis alerts your supervisors."
        ),
    )
    relink_kind = forms.ChoiceField(
        label=_("How to re-link them"),
        choices=RelinkKind.choices,
        required=False,
        initial=RelinkKind.REQUEST,
        widget=forms.RadioSelect,
        help_text=_("Only when they are struggling or want to re-connect."),
    )
    recovery_capital = forms.IntegerField(
        label=_("Recovery capital score, if taken"),
        min_value=RECOVERY_CAPITAL_MIN,
        max_value=RECOVERY_CAPITAL_MAX,
        required=False,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    # As long as a progress note may be: a whole page pasted by mistake is an error at the field, not a record.
    next_steps = forms.CharField(
        label=_("Next steps"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def clean(self) -> dict[str, object]:
        cleaned = super().clean() or {}
        if cleaned.get("reached") is False:
            # A radio left over from a first choice is not an error: not reached records only next steps.
            cleaned["wellbeing"] = ""
            cleaned["relink_kind"] = ""
            cleaned["recovery_capital"] = None
        elif cleaned.get("wellbeing") not in (Wellbeing.STRUGGLING, Wellbeing.WANTS_RECONNECT):
            cleaned["relink_kind"] = ""
        return cleaned


def _page(
    request: HttpRequest,
    public_id: str,
    form: CheckupRecordForm | None,
    *,
    crisis: bool = False,
    overtaken: str | None = None,
) -> HttpResponse:
    """The check-ups page; ``overtaken``: the next steps typed for a check-up someone else recorded or that was
    cancelled while the page was open, shown apart from any form (the next check-up's form stays empty)."""
    page = checkup_page_for_user(request.user, public_id)  # type: ignore[arg-type]
    return render(
        request,
        "recovery/checkups.html",
        {"page": page, "form": form or CheckupRecordForm(), "crisis": crisis, "overtaken": overtaken},
    )


@staff_view
@require_http_methods(["GET"])
def checkup_list(request: HttpRequest, public_id: str) -> HttpResponse:
    return _page(request, public_id, None)


@staff_view
@require_http_methods(["POST"])
@submitted_once
def checkup_record_view(request: HttpRequest, public_id: str, checkup_id: str) -> HttpResponse:
    """Record the check-up; with errors the page comes back with them and what was typed."""
    user: User = request.user  # type: ignore[assignment]
    checkup = checkup_get_for_user(user, public_id, checkup_id)
    form = CheckupRecordForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            recorded = checkup_record(
                checkup=checkup,
                actor=user,
                reached=data["reached"],
                wellbeing=data["wellbeing"],
                recovery_capital=data["recovery_capital"],
                next_steps=data["next_steps"],
                relink_kind=data["relink_kind"],
            )
        except ValidationError as error:
            checkup.refresh_from_db(fields=["status"])
            if checkup.status != CheckupStatus.SCHEDULED:
                # Recorded by a colleague, or cancelled with the engagement, while this page was open: nothing from
                # this form is recorded, and what was typed is shown, not put in the next check-up's form.
                response = _page(request, public_id, None, overtaken=request.POST.get("next_steps", "").strip())
                response.status_code = 409
                return response
            for field, errors in error.message_dict.items():
                form.add_error(None if field == "__all__" else field, errors)
        else:
            if recorded.wellbeing == Wellbeing.IN_CRISIS:
                # Shown at once in this response: the crisis lines, and that the supervisors were alerted.
                return _page(request, public_id, None, crisis=True)
            if recorded.relink_request_id:
                messages.success(
                    request, _("Check-up recorded. A priority request went out, their previous peer first.")
                )
            elif recorded.relink_kind == RelinkKind.REQUEST:
                # A request from an earlier check-up still waits for a peer: it goes on, and no second one is made.
                messages.success(
                    request,
                    _(
                        "Check-up recorded. The priority request from an earlier check-up still waits for a peer; "
                        "it goes on."
                    ),
                )
            elif recorded.relink_kind == RelinkKind.TREATMENT_REFERRAL:
                # The referral itself is closed-loop: choose the treatment resource now, then follow it up.
                messages.success(request, _("Check-up recorded. Now choose the treatment resource to refer them to."))
                return redirect(reverse("recovery:engagement_referrals", args=[public_id]) + "?for=treatment")
            else:
                messages.success(request, _("Check-up recorded."))
            return redirect("recovery:checkup_list", public_id=public_id)
    response = _page(request, public_id, form)
    response.status_code = 400
    return response


@staff_view
@require_http_methods(["GET"])
def checkup_relinks(request: HttpRequest) -> HttpResponse:
    checkups = relinks_for_supervisor(request.user)  # type: ignore[arg-type]
    return render(request, "recovery/checkup_relinks.html", {"checkups": checkups})
