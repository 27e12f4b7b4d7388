"""The "credentials" seed stage: every workflow state, credentials active, expiring and lapsed, CE and supervision."""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path
from typing import Any

import pytest

from peerway.certification.models import (
    Application,
    ApplicationKind,
    ApplicationStatus,
    ApplicationTransition,
    Board,
    Credential,
    CredentialStatus,
)
from peerway.core.seed import seed_run
from peerway.workforce.models import ContinuingEducation, SupervisionSession

TODAY = dt.date(2026, 11, 23)


@pytest.fixture
def var_dir(settings: Any, tmp_path: Path) -> Path:
    settings.VAR_DIR = tmp_path
    return tmp_path


@pytest.mark.django_db
def test_the_small_seed_has_every_credentialing_case(var_dir: Path) -> None:
    seed_run(scale="small", seed=42, today=TODAY, progress=False)
    assert set(Application.objects.values_list("status", flat=True)) == set(ApplicationStatus.values)
    assert Application.objects.filter(kind=ApplicationKind.RENEWAL).exists()
    for application in Application.objects.exclude(status=ApplicationStatus.DRAFT):
        steps = list(application.transitions.values_list("source", "target"))
        assert steps[0][0] == ApplicationStatus.DRAFT and steps[-1][1] == application.status
        assert all(left[1] == right[0] for left, right in itertools.pairwise(steps))
    assert not ApplicationTransition.objects.filter(application__status=ApplicationStatus.DRAFT).exists()
    soon = TODAY + dt.timedelta(days=90)
    active = Credential.objects.filter(status=CredentialStatus.ACTIVE)
    assert active.filter(expires_on__gt=soon).exists()
    assert active.filter(expires_on__gte=TODAY, expires_on__lte=soon).exists()
    assert Credential.objects.filter(status=CredentialStatus.EXPIRED, expires_on__lt=TODAY).exists()
    assert Credential.objects.filter(application__status=ApplicationStatus.APPROVED).exists()
    assert Credential.objects.get(holder__username="riverbend-peer").expires_on <= soon  # type: ignore[operator]
    assert ContinuingEducation.objects.filter(ethics=True).exists()
    assert SupervisionSession.objects.exists()
    assert not SupervisionSession.objects.filter(held_on__gt=TODAY).exists()
    assert Board.objects.get(slug="mn-mcb").organization is not None
