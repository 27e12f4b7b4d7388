"""Changes a peer makes to their own availability and profile."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from peerway.accounts.models import User
from peerway.organizations.geography import place_for_county
from peerway.organizations.models import Organization
from peerway.workforce.forms import PeerProfileForm
from peerway.workforce.models import DISPLAY_NAME_MAX_LENGTH, PeerProfile


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
    """Start or end taking new requests now. Starting a shift routes waiting requests on the worker."""
    fresh = PeerProfile.objects.select_for_update().get(pk=profile.pk)
    if fresh.on_shift == on_shift:
        return fresh
    fresh.on_shift = on_shift
    fresh.on_shift_since = timezone.now() if on_shift else None
    fresh.save(update_fields=["on_shift", "on_shift_since", "updated_at"])
    if on_shift:
        from peerway.intake.tasks import requests_route_waiting_task

        requests_route_waiting_task.enqueue()
    return fresh


@transaction.atomic
def peer_profile_update(*, profile: PeerProfile, form: PeerProfileForm) -> PeerProfile:
    """Save what the peer chose to share; a home location follows from the first county they serve."""
    updated = form.save(commit=False)
    counties = list(form.cleaned_data.get("service_counties") or [])
    if counties:
        place = place_for_county(counties[0].name, counties[0].state)
        if place is not None:
            updated.latitude, updated.longitude = place.latitude, place.longitude
    updated.full_clean()
    updated.save()
    form.save_m2m()
    return updated
