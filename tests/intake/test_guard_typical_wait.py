"""Boundaries of the typical wait that mutation testing showed no test pinned: a request made exactly 7 days
ago is still in the window, and exactly half of the people having had a yes is enough for a figure. Synthetic
requests only."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.utils import timezone

from peerway.intake.models import HelpRequest
from peerway.intake.selectors import WAIT_WINDOW, typical_wait
from tests.factories import OrganizationFactory, peer_profile

Submit = Callable[..., tuple[HelpRequest, str]]


def _accepted(submit: Submit, peer: object, *, created_at: dt.datetime, accepted_at: dt.datetime) -> None:
    request, _ = submit()
    HelpRequest.objects.filter(pk=request.pk).update(accepted_by=peer, created_at=created_at, accepted_at=accepted_at)


def test_a_request_made_exactly_seven_days_ago_still_counts(submit: Submit) -> None:
    assert dt.timedelta(days=7) == WAIT_WINDOW
    peer = peer_profile(OrganizationFactory(), name="Amina")
    now = timezone.now()
    for minutes in (2, 4, 6, 8):
        _accepted(submit, peer, created_at=now - dt.timedelta(minutes=minutes), accepted_at=now)
    edge = now - dt.timedelta(days=7)
    _accepted(submit, peer, created_at=edge, accepted_at=edge + dt.timedelta(minutes=10))
    # Five asked in the window (the fifth exactly 7 days ago): enough for a figure, the 3rd shortest of 2-10.
    assert typical_wait(now=now).enough_asked is True
    assert typical_wait(now=now).minutes == 6


def test_exactly_half_with_a_yes_gives_a_figure(submit: Submit) -> None:
    peer = peer_profile(OrganizationFactory(), name="Amina")
    now = timezone.now()
    for minutes in (2, 4, 6):
        _accepted(submit, peer, created_at=now - dt.timedelta(minutes=minutes), accepted_at=now)
    for _ in range(3):
        request, _ = submit()
        HelpRequest.objects.filter(pk=request.pk).update(created_at=now - dt.timedelta(minutes=1))
    # Six asked, three had a yes within 6 minutes: half of them.
    wait = typical_wait(now=now)
    assert (wait.minutes, wait.enough_asked) == (6, True)
