"""Engagements for the plan, space and message tests: alice (peer in cast.org) supports one person."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

from django.utils import timezone

from peerway.core.models import Language
from peerway.recovery.models import Engagement
from peerway.workforce.models import PeerProfile
from tests.factories import ParticipantFactory
from tests.helpers import Cast

# pytest-django's ``django_capture_on_commit_callbacks`` fixture: yields the callbacks registered inside it, and
# runs them on leaving when ``execute=True`` (message notices go out on commit).
CaptureOnCommit = Callable[..., AbstractContextManager[list[Callable[[], object]]]]


def alice_profile(cast: Cast) -> PeerProfile:
    profile, _ = PeerProfile.objects.get_or_create(
        user=cast.alice, defaults={"organization": cast.org, "display_name": "Alice", "modalities": ["phone"]}
    )
    return profile


def engagement_for(cast: Cast, *, program: str = "rco", language: str = "en", **participant: Any) -> Engagement:
    person = ParticipantFactory(organization=cast.org, language=Language.objects.get(slug=language), **participant)
    return Engagement.objects.create(
        participant=person, organization=cast.org, peer=alice_profile(cast), program=program, started_at=timezone.now()
    )
