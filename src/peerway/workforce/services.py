"""Changes a peer makes to their own availability and profile."""

from __future__ import annotations

from django.db import transaction
from django.forms import BaseInlineFormSet
from django.utils import timezone

from peerway.accounts.models import User
from peerway.organizations.geography import place_for_county
from peerway.organizations.models import Organization
from peerway.workforce.forms import PeerProfileForm
from peerway.workforce.models import DISPLAY_NAME_MAX_LENGTH, PeerProfile, PeerStatus


@transaction.atomic
def peer_profile_get_or_create(*, user: User, organization: Organization) -> PeerProfile:
    """The peer's own profile in ``organization``, made the first time they need it (a peer added in the admin
    has none yet).

    A new profile shares nothing but a first name and is off shift, with no way of meeting chosen, so nobody is
    offered to the peer until they say in their profile how they meet people and start a shift. Two first
    visits at once make one profile: the second finds the row the first made (one per user and organization).
    The caller checks that the user holds an active peer role in ``organization``.
    """
    name = (user.first_name.strip() or user.username)[:DISPLAY_NAME_MAX_LENGTH]
    profile: PeerProfile
    profile, _created = PeerProfile.objects.select_related("organization").get_or_create(
        user=user, organization=organization, defaults={"display_name": name, "on_shift": False}
    )
    return profile


@transaction.atomic
def peer_shift_set(*, profile: PeerProfile, on_shift: bool) -> PeerProfile:
    """Start or end taking new requests now. Starting a shift routes waiting requests on the worker.

    Ending a shift withdraws the peer's open offers (they lapse, so the peer may be offered the request again
    on a later shift) and routes each of those requests again on the worker, so nobody waits out the
    escalation window on a peer who has gone off shift. All in the same transaction as the switch.
    """
    fresh = PeerProfile.objects.select_for_update().get(pk=profile.pk)
    if fresh.on_shift == on_shift:
        return fresh
    if on_shift and fresh.status != PeerStatus.ACTIVE:
        # A peer on leave or inactive is never offered a request: a shift would only tell them they could be.
        return fresh
    fresh.on_shift = on_shift
    fresh.on_shift_since = timezone.now() if on_shift else None
    fresh.save(update_fields=["on_shift", "on_shift_since", "updated_at"])
    from peerway.intake.tasks import request_route_task, requests_route_waiting_task

    if on_shift:
        requests_route_waiting_task.enqueue()
        return fresh
    for request_id in _offers_withdraw(peer=fresh):
        request_route_task.enqueue(request_id)
    return fresh


def _offers_withdraw(*, peer: PeerProfile) -> list[int]:
    """Lapse the peer's open offers; returns the ids of the requests they were for, in id order."""
    from peerway.intake.models import Offer, OfferStatus

    # Only the offers read here lapse, so every request whose offer lapsed is the caller's to route again.
    held = list(
        Offer.objects.select_for_update().filter(peer=peer, status=OfferStatus.OFFERED).values_list("pk", "request_id")
    )
    Offer.objects.filter(pk__in=[pk for pk, _ in held]).update(status=OfferStatus.LAPSED, responded_at=timezone.now())
    return sorted({request_id for _, request_id in held})


@transaction.atomic
@transaction.atomic
def peer_profile_update(
    *, profile: PeerProfile, form: PeerProfileForm, shifts: BaseInlineFormSet | None = None
) -> PeerProfile:
    """Save what the peer chose to share, and their weekly shifts (``shifts``, a valid WeeklyShiftFormSet), all
    together or not at all.

    The peer's home point, from which their travel radius is measured, is the centre of the first county they
    serve; with no county served it is cleared, so the peer is no longer offered anyone in person. Matching
    also counts every county they serve as theirs (``peerway.matching.service.peer_spec``).
    """
    updated = form.save(commit=False)
    counties = list(form.cleaned_data.get("service_counties") or [])
    place = place_for_county(counties[0].name, counties[0].state) if counties else None
    updated.latitude, updated.longitude = (place.latitude, place.longitude) if place else (None, None)
    updated.full_clean()
    updated.save()
    form.save_m2m()
    if shifts is not None:
        shifts.instance = updated
        shifts.save()
    return updated
