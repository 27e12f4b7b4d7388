"""Staff pages for engagements: the engagement page, its status actions, the 254B.052 records, hand-off."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from peerway.core.decorators import staff_view
from peerway.core.submissions import submitted_once
from peerway.recovery.forms.contacts import DEFAULT_MINUTES, ContactForm, quick_entry_start
from peerway.recovery.forms.engagements import HandoffForm
from peerway.recovery.models import Engagement, PlanKind, RecoveryPlan
from peerway.recovery.selectors import engagement_for_action, engagement_get_for_user
from peerway.recovery.selectors.contacts import peer_last_contact_defaults, plan_goals_for_engagement
from peerway.recovery.selectors.engagements import LEAD_ROLES
from peerway.recovery.services import (
    ActionRefused,
    engagement_attest,
    engagement_handoff,
    engagement_transition,
    engagement_voluntary_notice_record,
)
from peerway.recovery.services.engagements import user_leads
from peerway.workforce.models import PeerProfile


def contact_form_initial(engagement: Engagement) -> dict[str, object]:
    """Quick-entry defaults: a session of the usual length that just ended, the peer's last modality and kind."""
    local_now = timezone.now().astimezone(engagement.organization.zone)
    start = quick_entry_start(local_now)
    initial: dict[str, object] = {
        "occurred_on": start.date(),
        "started_at": start.time(),
        "duration_minutes": DEFAULT_MINUTES,
        "person_present": True,
        "modality": "phone",
        "kind": "recovery_support",
    }
    initial.update(peer_last_contact_defaults(engagement.peer_id))
    return initial


def engagement_page_context(request: HttpRequest, engagement: Engagement) -> dict[str, object]:
    try:
        plan: RecoveryPlan | None = engagement.plan
    except RecoveryPlan.DoesNotExist:
        plan = None
    user = request.user
    attested_peer_ids = {a.peer_id for a in engagement.attestations.all()}
    # Only a peer working for the organization now may attest (the service refuses the others): no button otherwise.
    own_peer = (
        PeerProfile.objects.in_service().filter(user_id=user.pk, organization_id=engagement.organization_id).first()
    )
    is_peer = engagement.peer.user_id == user.pk
    leads = user_leads(user, engagement.organization_id)  # type: ignore[arg-type]
    return {
        "engagement": engagement,
        "participant": engagement.participant,
        "plan": plan,
        "required_plan_label": PlanKind(engagement.required_plan_kind).label,
        "contacts": list(engagement.contacts.all()),
        "handoffs": list(engagement.handoffs.all()),
        "attestations": list(engagement.attestations.all()),
        "peer_attested": engagement.peer_id in attested_peer_ids,
        "can_attest": own_peer is not None and own_peer.pk not in attested_peer_ids,
        "can_act": is_peer or leads,
        "leads": leads,
        "is_peer": is_peer,
        "contact_form": ContactForm(
            initial=contact_form_initial(engagement), goals=plan_goals_for_engagement(engagement.pk)
        ),
    }


@staff_view
def engagement_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    engagement = engagement_get_for_user(request.user, public_id, reason="engagement page")  # type: ignore[arg-type]
    return render(request, "recovery/engagement_detail.html", engagement_page_context(request, engagement))


def _run(request: HttpRequest, engagement: Engagement, action: object, done: str) -> HttpResponse:
    try:
        action()  # type: ignore[operator]
    except ActionRefused as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(request, done)
    return redirect("recovery:engagement_detail", public_id=engagement.public_id)


@staff_view
@require_POST
def engagement_status(request: HttpRequest, public_id: str) -> HttpResponse:
    engagement = engagement_for_action(request.user, public_id)  # type: ignore[arg-type]
    action = request.POST.get("action", "")
    return _run(
        request,
        engagement,
        lambda: engagement_transition(engagement=engagement, action=action, actor=request.user),
        str(_("The engagement's status changed.")),
    )


@staff_view
@require_POST
def engagement_notice(request: HttpRequest, public_id: str) -> HttpResponse:
    engagement = engagement_for_action(request.user, public_id)  # type: ignore[arg-type]
    return _run(
        request,
        engagement,
        lambda: engagement_voluntary_notice_record(engagement=engagement, actor=request.user),
        str(_("The written notice is recorded.")),
    )


@staff_view
@require_POST
def engagement_attestation(request: HttpRequest, public_id: str) -> HttpResponse:
    engagement = engagement_for_action(request.user, public_id)  # type: ignore[arg-type]
    return _run(
        request,
        engagement,
        lambda: engagement_attest(engagement=engagement, actor=request.user),
        str(_("Your attestation is recorded.")),
    )


@staff_view
@submitted_once
def engagement_handoff_page(request: HttpRequest, public_id: str) -> HttpResponse:
    engagement = engagement_for_action(request.user, public_id, LEAD_ROLES)  # type: ignore[arg-type]
    # Only peers who work in the organization now: one who left cannot open the person's record. Each option's
    # label (PeerProfile.__str__) names the organization: joined here, not read once per peer.
    peers = (
        PeerProfile.objects.in_service()
        .filter(organization_id=engagement.organization_id)
        .exclude(pk=engagement.peer_id)
        .select_related("organization")
    )
    form = HandoffForm(request.POST or None, peers=peers.order_by("display_name"))
    if request.method == "POST" and form.is_valid():
        try:
            engagement_handoff(
                engagement=engagement,
                to_peer=form.cleaned_data["to_peer"],
                reason=form.cleaned_data["reason"],
                actor=request.user,  # type: ignore[arg-type]
            )
        except ActionRefused as refusal:
            form.add_error(None, refusal.message)
        else:
            messages.success(request, str(_("The engagement has a new peer.")))
            return redirect("recovery:engagement_detail", public_id=engagement.public_id)
    return render(
        request,
        "recovery/engagement_handoff.html",
        {"engagement": engagement, "form": form},
        status=400 if request.method == "POST" else 200,
    )
