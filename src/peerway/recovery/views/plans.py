"""Staff pages for a recovery plan: one page, its actions posted to it, and the printable PDF."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from peerway.accounts.links import participant_link_create, participant_links_revoke
from peerway.accounts.roles import PLAN_EDIT_ROLES
from peerway.core.decorators import staff_view
from peerway.core.forms import DateInput, KeepsOthersChangesForm
from peerway.core.submissions import submitted_once
from peerway.recovery.models import GoalStatus, LifeArea, PlanGoal, PlanStep, RecoveryPlan
from peerway.recovery.selectors.messages import message_engagement_ids, unread_message_count
from peerway.recovery.selectors.participants import participants_for_private_link
from peerway.recovery.selectors.plans import (
    engagement_get_for_user,
    plan_page_for_user,
    plan_pdf_for_user,
    plan_saved_for,
)
from peerway.recovery.services import plans as plan_services

DATE_WIDGET = DateInput()


class GoalForm(forms.Form):
    life_area = forms.ChoiceField(label=_("Life area"), choices=LifeArea.choices)
    description = forms.CharField(
        label=_("Goal, in the person's own words"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )
    target_date = forms.DateField(label=_("Target date"), required=False, widget=DATE_WIDGET)


class GoalUpdateForm(KeepsOthersChangesForm):
    """A goal's edit form: a colleague's change saved while the page was open (a goal marked met) is kept."""

    edited_fields = ("description", "status", "target_date")

    description = forms.CharField(
        label=_("Goal, in the person's own words"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )
    status = forms.ChoiceField(label=_("Status"), choices=GoalStatus.choices)
    target_date = forms.DateField(label=_("Target date"), required=False, widget=DATE_WIDGET)


class StepForm(forms.Form):
    description = forms.CharField(label=_("Step"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))
    who_helps = forms.CharField(
        label=_("Who helps"),
        required=False,
        max_length=500,
        help_text=_("People or resources, in the person's words."),
    )
    target_date = forms.DateField(label=_("Target date"), required=False, widget=DATE_WIDGET)


class NoteForm(forms.Form):
    noted_on = forms.DateField(label=_("Date"), widget=DATE_WIDGET)
    goal = forms.ChoiceField(label=_("About the goal"), required=False)
    text = forms.CharField(label=_("Progress note"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000)

    def __init__(self, *args: Any, goals: list[PlanGoal] = (), **kwargs: Any) -> None:  # type: ignore[assignment]
        super().__init__(*args, **kwargs)
        self.fields["goal"].choices = (
            [("", _("The plan as a whole"))]
            + [  # type: ignore[attr-defined]
                (str(goal.public_id), goal.description[:60]) for goal in goals
            ]
        )


class ProgramPlanForm(forms.Form):
    recorded = forms.BooleanField(label=_("The program's plan exists in the program's record"))
    plan_date = forms.DateField(label=_("Date of the program's plan"), widget=DATE_WIDGET)


def _plan_url(engagement_id: str, anchor: str = "") -> str:
    url = reverse("recovery:engagement_plan", args=[engagement_id])
    return f"{url}#{anchor}" if anchor else url


def _goal_values(goal: PlanGoal) -> dict[str, object]:
    return {"description": goal.description, "status": goal.status, "target_date": goal.target_date}


def _render_page(
    request: HttpRequest, engagement_id: str, bound: dict[str, Any] | None = None, status: int = 200
) -> HttpResponse:
    page = plan_page_for_user(request.user, engagement_id)  # type: ignore[arg-type]
    bound = bound or {}
    goal_forms = []
    for goal in page.goals:
        key = str(goal.public_id)
        goal_forms.append(
            {
                "goal": goal,
                "edit": bound.get(f"edit-{key}")
                or GoalUpdateForm(
                    prefix=f"edit-{key}",
                    initial={**_goal_values(goal), "drawn": GoalUpdateForm.drawn_of(_goal_values(goal))},
                ),
                "step": bound.get(f"step-{key}") or StepForm(prefix=f"step-{key}"),
                "open": f"edit-{key}" in bound or f"step-{key}" in bound,
            }
        )
    context = {
        "page": page,
        "engagement": page.engagement,
        "participant": page.engagement.participant,
        "plan": page.plan,
        "goal_forms": goal_forms,
        "goal_form": bound.get("goal") or GoalForm(prefix="goal"),
        "note_form": bound.get("note")
        or NoteForm(prefix="note", goals=page.goals, initial={"noted_on": timezone.localdate()}),
        "program_form": bound.get("program")
        or ProgramPlanForm(
            prefix="program",
            initial={"recorded": page.plan.program_plan_recorded, "plan_date": page.plan.program_plan_date},
        ),
        "plan_error": bound.get("plan_error"),
        "unread": unread_message_count(page.engagement),
        # The messages link follows the rule of the messages page (a peer opens only their own engagements').
        "can_message": bool(message_engagement_ids(request.user, [page.engagement])),  # type: ignore[arg-type]
    }
    return render(request, "recovery/plan_detail.html", context, status=status)


def _apply_errors(form: forms.Form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)


# What the plan page's forms send as "action". The first may be the first thing written to an engagement's plan; the
# second act on a goal or step already saved in it.
ACTIONS_THAT_MAY_START_THE_PLAN = frozenset({"goal_add", "note_add", "program_plan", "complete", "reopen"})
ACTIONS_ON_SAVED_ITEMS = frozenset({"goal_update", "step_add", "step_done", "step_undo"})


@staff_view
@submitted_once
def plan_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    if request.method != "POST":
        return _render_page(request, public_id)
    engagement = engagement_get_for_user(request.user, public_id, PLAN_EDIT_ROLES)  # type: ignore[arg-type]
    action = request.POST.get("action", "")
    user = request.user
    if action in ACTIONS_ON_SAVED_ITEMS:
        # A goal or step names something saved in the plan: with no plan saved yet there is none, and no empty plan
        # is created on the way to saying so.
        saved = plan_saved_for(engagement)
        if saved is None:
            raise Http404("No such goal or step.")
        plan: RecoveryPlan = saved
    elif action in ACTIONS_THAT_MAY_START_THE_PLAN:
        plan = plan_services.plan_get_or_create(engagement)
    else:
        return _render_page(request, public_id, {"plan_error": [_("Unknown action.")]}, status=400)
    if action == "goal_add":
        goal_form = GoalForm(request.POST, prefix="goal")
        if goal_form.is_valid():
            try:
                goal = plan_services.goal_add(plan=plan, actor=user, **goal_form.cleaned_data)  # type: ignore[arg-type]
                return redirect(_plan_url(public_id, f"goal-{goal.public_id}"))
            except ValidationError as error:
                _apply_errors(goal_form, error)
        return _render_page(request, public_id, {"goal": goal_form}, status=400)
    if action in {"goal_update", "step_add"}:
        goal = _goal_in(plan, request.POST.get("goal", ""))
        key = str(goal.public_id)
        if action == "goal_update":
            form: forms.Form = GoalUpdateForm(request.POST, prefix=f"edit-{key}")
            bound_key = f"edit-{key}"
        else:
            form = StepForm(request.POST, prefix=f"step-{key}")
            bound_key = f"step-{key}"
        if form.is_valid():
            try:
                if action == "goal_update":
                    assert isinstance(form, GoalUpdateForm)
                    fields = {name: form.cleaned_data[name] for name in GoalUpdateForm.edited_fields}
                    merged = form.merged_with(_goal_values(goal), fields)
                    if merged is None:
                        return _render_page(request, public_id, {bound_key: form}, status=400)
                    plan_services.goal_update(goal=goal, actor=user, **merged)  # type: ignore[arg-type]
                else:
                    plan_services.step_add(goal=goal, actor=user, **form.cleaned_data)  # type: ignore[arg-type]
                return redirect(_plan_url(public_id, f"goal-{key}"))
            except ValidationError as error:
                _apply_errors(form, error)
        return _render_page(request, public_id, {bound_key: form}, status=400)
    if action in {"step_done", "step_undo"}:
        step = PlanStep.objects.filter(goal__plan=plan, public_id=_uuid_or_404(request.POST.get("step", ""))).first()
        if step is None:
            raise Http404("No such step.")
        plan_services.step_set_done(step=step, actor=user, done=action == "step_done")  # type: ignore[arg-type]
        return redirect(_plan_url(public_id, f"goal-{step.goal.public_id}"))
    if action == "note_add":
        goals = list(plan.goals.all())
        note_form = NoteForm(request.POST, prefix="note", goals=goals)
        if note_form.is_valid():
            data = note_form.cleaned_data
            goal_or_none = _goal_in(plan, data["goal"]) if data["goal"] else None
            try:
                plan_services.progress_note_add(
                    plan=plan,
                    actor=user,
                    text=data["text"],
                    noted_on=data["noted_on"],
                    goal=goal_or_none,  # type: ignore[arg-type]
                )
                return redirect(_plan_url(public_id, "notes"))
            except ValidationError as error:
                _apply_errors(note_form, error)
        return _render_page(request, public_id, {"note": note_form}, status=400)
    if action == "program_plan":
        program_form = ProgramPlanForm(request.POST, prefix="program")
        if program_form.is_valid():
            try:
                plan_services.plan_program_plan_record(
                    plan=plan,
                    actor=user,
                    plan_date=program_form.cleaned_data["plan_date"],  # type: ignore[arg-type]
                )
                return redirect(_plan_url(public_id))
            except ValidationError as error:
                _apply_errors(program_form, error)
        return _render_page(request, public_id, {"program": program_form}, status=400)
    if action in {"complete", "reopen"}:
        try:
            if action == "complete":
                plan_services.plan_complete(plan=plan, actor=user)  # type: ignore[arg-type]
            else:
                plan_services.plan_reopen(plan=plan, actor=user)  # type: ignore[arg-type]
        except ValidationError as error:
            return _render_page(request, public_id, {"plan_error": error.messages}, status=400)
        return redirect(_plan_url(public_id))
    raise AssertionError(f"plan action {action!r} is listed but not handled")


def _uuid_or_404(value: object) -> str:
    try:
        return str(uuid.UUID(str(value)))
    except (ValueError, TypeError):
        raise Http404("No such item.") from None


def _goal_in(plan: RecoveryPlan, public_id: str) -> PlanGoal:
    goal = plan.goals.filter(public_id=_uuid_or_404(public_id)).first()
    if goal is None:
        raise Http404("No such goal.")
    return goal


@staff_view
def plan_pdf(request: HttpRequest, public_id: str) -> HttpResponse:
    _engagement, data = plan_pdf_for_user(request.user, public_id)  # type: ignore[arg-type]
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = 'inline; filename="recovery-plan.pdf"'
    return response


@staff_view
@require_POST
def participant_space_link(request: HttpRequest, public_id: str) -> HttpResponse:
    """Create (or resend, which makes a new one) or revoke a participant's private link."""
    # A merged record's links moved to the record that was kept; it gets no new one.
    allowed = participants_for_private_link(request.user)  # type: ignore[arg-type]
    participant = allowed.select_related("organization", "language").filter(public_id=_uuid_or_404(public_id)).first()
    if participant is None:
        raise Http404("No such participant.")
    if request.POST.get("action") == "revoke":
        revoked = participant_links_revoke(participant=participant, actor=request.user)  # type: ignore[arg-type]
        context = {"participant": participant, "revoked": True, "none_live": revoked == 0}
        return render(request, "space/staff_link_done.html", context)
    created = participant_link_create(participant=participant, actor=request.user)  # type: ignore[arg-type]
    return render(request, "space/staff_link_done.html", {"participant": participant, "created": created})
