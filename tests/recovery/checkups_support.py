"""Builders shared by the check-up tests and the staff URL registry. Every name and number is synthetic."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from peerway.accounts.models import User
from peerway.organizations.models import Organization
from peerway.recovery.models import Engagement, EngagementStatus, Program
from peerway.workforce.models import PeerProfile
from tests.factories import ParticipantFactory, peer_profile


def peer_for(user: User, organization: Organization, *, on_shift: bool = True) -> PeerProfile:
    return PeerProfile.objects.create(
        user=user,
        organization=organization,
        display_name=user.first_name or user.username,
        modalities=["phone", "text"],
        on_shift=on_shift,
    )


def engagement_for(
    organization: Organization,
    *,
    peer: PeerProfile | None = None,
    started_at: dt.datetime | None = None,
    status: str = EngagementStatus.CHECKUP,
    **participant: object,
) -> Engagement:
    """An engagement in ``organization`` with a new participant (phone and email unless overridden)."""
    return Engagement.objects.create(
        participant=ParticipantFactory(organization=organization, **participant),
        organization=organization,
        peer=peer or peer_profile(organization, name=f"Peer{Engagement.objects.count()}"),
        program=Program.RCO,
        status=status,
        started_at=started_at or timezone.now(),
    )
