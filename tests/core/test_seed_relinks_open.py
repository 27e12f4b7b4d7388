"""Re-links the seed leaves open at --today (core/seed/relinks.py): waiting as the worker would leave them.

At the small scale few re-links fall in the last days before --today, so this test widens that window to a year
to have many of them; what it checks holds whatever the window.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from peerway.core.seed import relinks as relinks_module
from peerway.core.seed import seed_run
from peerway.intake.models import HelpRequest, OfferStatus, RequestSource, RequestStatus
from peerway.intake.services import OFFER_ROUND_SIZES
from peerway.workforce.models import PeerProfile, PeerStatus

TODAY = dt.date(2026, 11, 23)
ANCHOR = dt.datetime(2026, 11, 23, 6, 0, tzinfo=dt.UTC)


@pytest.mark.django_db
def test_open_relinks_are_offered_only_to_on_shift_peers_of_the_persons_organization(
    settings: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.VAR_DIR = tmp_path
    monkeypatch.setattr(relinks_module, "OPEN_WITHIN", dt.timedelta(days=365))
    seed_run(scale="small", seed=42, today=TODAY, progress=False)
    waiting = list(
        HelpRequest.objects.filter(
            source=RequestSource.RELINK, status__in=[RequestStatus.RECEIVED, RequestStatus.OFFERED]
        ).select_related("relinked_checkup__engagement")
    )
    assert len(waiting) >= 3
    demo = PeerProfile.objects.get(user__username="riverbend-peer")
    for request in waiting:
        organization_id = request.relinked_checkup.engagement.organization_id
        assert request.accepted_by_id is None and request.organization_id is None and request.closed_at is None
        offers = list(request.offers.select_related("peer"))
        for offer in offers:
            # Held only by peers of the person's organization who are on shift now (requests_route_waiting lapses
            # the others' offers every minute), never the demo peer (their queue keeps its two offers).
            assert offer.status == OfferStatus.OFFERED
            assert offer.peer.organization_id == organization_id
            assert offer.peer.on_shift and offer.peer.status == PeerStatus.ACTIVE
            assert offer.peer_id != demo.pk
            assert request.created_at <= offer.offered_at <= ANCHOR
        first_round = [offer for offer in offers if offer.round == 0]
        if any(offer.peer_id == request.preferred_peer_id for offer in first_round):
            assert len(first_round) == 1
        assert len(first_round) <= OFFER_ROUND_SIZES[0]
        alerts = list(request.alerts.all())
        if request.status == RequestStatus.OFFERED:
            assert first_round and request.created_at <= request.last_offered_at <= ANCHOR
            # Escalated as far as the worker would have by --today: widened, then the supervisors alerted.
            assert [alert.organization_id for alert in alerts] == (
                [organization_id] if request.escalation_level == 2 else []
            )
            assert all(alert.resolved_at is None for alert in alerts)
        else:
            # Nobody of the organization can take them now: waiting with the engine's reason.
            assert not offers and not alerts and request.escalation_level == 0
            assert request.routing_note.get("code") and "next_shift_at" in request.routing_note
    assert any(request.status == RequestStatus.OFFERED for request in waiting)
