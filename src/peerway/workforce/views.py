from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from peerway.core.decorators import staff_view
from peerway.intake.selectors import engagement_begun_by
from peerway.intake.services import (
    CaseloadFull,
    OfferNotAvailable,
    request_accept,
    request_connect,
    request_decline,
)
from peerway.workforce.forms import PeerProfileForm, WeeklyShiftFormSet
from peerway.workforce.selectors import (
    engagement_of_peer_for_user,
    offer_get_for_user_or_gone,
    peer_organizations_for_user,
    peer_profile_for_user,
    queue_for_user,
)
from peerway.workforce.services import peer_profile_update, peer_shift_set


@staff_view
def queue(request: HttpRequest) -> HttpResponse:
    live_queue = queue_for_user(request.user)  # type: ignore[arg-type]
    if request.htmx:  # type: ignore[attr-defined]
        # Polls say which version they show; unchanged means 204, so htmx leaves the block alone and a peer who
        # moved the focus to "Accept" (keyboard, switch access, screen reader) keeps it there.
        if request.GET.get("seen") == live_queue.fingerprint:
            return HttpResponse(status=204)
        # What came in since the page's version is announced to screen readers; a queue that changed only by its
        # ages ("asked 4 minutes ago") announces nothing.
        new_offers, new_alerts = live_queue.new_since(request.GET.get("shown", ""))
        context = {"queue": live_queue, "new_offers": new_offers, "new_alerts": new_alerts}
        return render(request, "workforce/queue.html#queue", context)
    return render(request, "workforce/queue.html", {"queue": live_queue})


@staff_view
@require_POST
def shift_toggle(request: HttpRequest) -> HttpResponse:
    # A shift starts from the queue, which offers it once the profile exists (made on the profile page). A peer
    # in several organizations has a shift in each: the form names the organization.
    profile = peer_profile_for_user(
        request.user,  # type: ignore[arg-type]
        organization_slug=request.POST.get("organization") or None,
        create=False,
    )
    peer_shift_set(profile=profile, on_shift=request.POST.get("on_shift") == "1")
    return redirect("workforce:queue")


@staff_view
@require_POST
def offer_accept(request: HttpRequest, public_id: str) -> HttpResponse:
    offer = offer_get_for_user_or_gone(request.user, public_id)  # type: ignore[arg-type]
    if offer is None:
        messages.warning(request, _("Another peer took this request a moment ago, or it was withdrawn."))
        return redirect("workforce:queue")
    try:
        engagement = request_accept(request=offer.request, peer=offer.peer)
    except CaseloadFull:
        messages.warning(
            request,
            _(
                "Your caseload is full, so you cannot take this person now. Decline the offer so that another peer"
                " gets it, or ask your supervisor to raise your caseload limit."
            ),
        )
        return redirect("workforce:queue")
    except OfferNotAvailable:
        engagement = engagement_begun_by(offer)
        if engagement is None:
            messages.warning(request, _("Another peer took this request a moment ago, or it was withdrawn."))
            return redirect("workforce:queue")
        # Accept pressed twice: the first took the request, and the browser shows this answer.
    messages.success(request, _("You accepted. Reach out now: the person is waiting to hear from you."))
    return redirect("recovery:participant_detail", public_id=engagement.participant.public_id)


@staff_view
@require_POST
def offer_decline(request: HttpRequest, public_id: str) -> HttpResponse:
    offer = offer_get_for_user_or_gone(request.user, public_id)  # type: ignore[arg-type]
    if offer is None:
        messages.info(request, _("This request is no longer waiting for you."))
        return redirect("workforce:queue")
    try:
        request_decline(request=offer.request, peer=offer.peer, reason=request.POST.get("reason", ""))
    except OfferNotAvailable:
        messages.info(request, _("This request is no longer waiting for you."))
    return redirect("workforce:queue")


@staff_view
def profile_edit(request: HttpRequest) -> HttpResponse:
    # The organization is in the query string for the page and for its form's POST, so a save edits the
    # profile the peer was looking at.
    profile = peer_profile_for_user(
        request.user,  # type: ignore[arg-type]
        organization_slug=request.GET.get("organization") or None,
    )
    form = PeerProfileForm(request.POST or None, instance=profile)
    # A POST without the shift rows (a page from before they were on it) leaves the shifts as they are.
    shifts_sent = f"{WeeklyShiftFormSet.get_default_prefix()}-TOTAL_FORMS" in request.POST
    shifts = WeeklyShiftFormSet(request.POST if shifts_sent else None, instance=profile)
    # Both are checked before anything is saved, so every error on the page shows at once and nothing half-saves.
    if request.method == "POST" and all([form.is_valid(), not shifts_sent or shifts.is_valid()]):
        peer_profile_update(profile=profile, form=form, shifts=shifts if shifts_sent else None)
        messages.success(request, _("Your profile is saved."))
        return redirect(f"{reverse('workforce:profile_edit')}?{urlencode({'organization': profile.organization.slug})}")
    # A peer in several organizations has a profile in each; the page links to the others.
    organizations = peer_organizations_for_user(request.user)  # type: ignore[arg-type]
    others = [organization for organization in organizations if organization.pk != profile.organization_id]
    return render(
        request,
        "workforce/profile_edit.html",
        {"form": form, "shifts": shifts, "profile": profile, "other_organizations": others},
        status=400 if request.method == "POST" else 200,
    )


@staff_view
@require_POST
def request_connected(request: HttpRequest, public_id: str) -> HttpResponse:
    engagement = engagement_of_peer_for_user(request.user, public_id)  # type: ignore[arg-type]
    if engagement.help_request is not None:
        try:
            request_connect(request=engagement.help_request, peer=engagement.peer)
            messages.success(request, _("Marked as connected. Their status page now says you are in touch."))
        except OfferNotAvailable:
            messages.info(request, _("This request is no longer waiting for a first contact."))
    return redirect("recovery:participant_detail", public_id=engagement.participant.public_id)
