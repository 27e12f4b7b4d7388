"""Building blocks for the engagement and contact tests: Alice's peer profile and a ready engagement."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import timezone

from peerway.accounts.models import User
from peerway.recovery.models import Contact, Engagement, PeerAttestation
from peerway.recovery.services import contact_record
from peerway.workforce.models import PeerProfile
from tests.factories import ParticipantFactory
from tests.helpers import Cast


def peer_of(user: User, cast: Cast, name: str | None = None) -> PeerProfile:
    profile, _created = PeerProfile.objects.get_or_create(
        user=user,
        defaults={"organization": cast.org, "display_name": name or user.username.title(), "modalities": ["phone"]},
    )
    return profile


def ready_engagement(cast: Cast, *, notice: bool = True, attested: bool = True, **fields: Any) -> Engagement:
    """An active engagement of Alice's with the written notice recorded and her attestation, unless told."""
    alice = peer_of(cast.alice, cast)
    engagement = Engagement.objects.create(
        participant=fields.pop("participant", None) or ParticipantFactory(organization=cast.org),
        organization=cast.org,
        peer=alice,
        program=fields.pop("program", "rco"),
        started_at=timezone.now() - dt.timedelta(days=30),
        voluntary_notice_at=timezone.now() - dt.timedelta(days=30) if notice else None,
        voluntary_notice_by=cast.alice if notice else None,
        **fields,
    )
    if attested:
        PeerAttestation.objects.create(engagement=engagement, peer=alice)
    return engagement


def contact_fields(**overrides: Any) -> dict[str, Any]:
    """A valid contact that took place yesterday afternoon in Minnesota."""
    yesterday = (timezone.now().astimezone(ZoneInfo("America/Chicago")) - dt.timedelta(days=1)).date()
    fields: dict[str, Any] = {
        "occurred_on": yesterday,
        "started_at": dt.time(14, 0),
        "duration_minutes": 45,
        "modality": "phone",
        "kind": "recovery_support",
        "note": "Talked through the housing goal.",
        "place": "",
        "person_present": True,
    }
    fields.update(overrides)
    return fields


def record(engagement: Engagement, user: User, **overrides: Any) -> Contact:
    """A contact recorded by ``user``. Without a start time, each further contact of the engagement starts two hours
    after the one before (14:00, 16:00, …): two sessions with one person may not overlap."""
    if "started_at" not in overrides:
        earlier = Contact.objects.filter(engagement=engagement).count()
        overrides["started_at"] = dt.time((14 + 2 * earlier) % 24, 0)
    return contact_record(engagement=engagement, actor=user, **contact_fields(**overrides))
