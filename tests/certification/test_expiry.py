"""A credential past its ``expires_on`` is expired, even before the nightly ``credentials_expire`` job marks it:
public verification says so, and it opens no reciprocity application."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from peerway.certification import services
from peerway.certification.models import CredentialStatus
from peerway.certification.selectors import reciprocity_evaluate
from peerway.workforce.credentials import CredentialState, peer_credential_status
from tests.certification.conftest import Boards, held_credential
from tests.helpers import Cast


def _status_shown(number: str) -> tuple[str, str]:
    """The status the JSON API gives, and the label the /verify/ page shows, for one credential number."""
    [result] = Client().get("/api/v1/verify", {"number": number}).json()["results"]
    page = Client().get(reverse("certification:verify"), {"number": number}).content.decode()
    [label] = [line.split(">")[-1] for line in page.split("</strong>") if 'class="credential-status"' in line]
    return result["status"], label


def test_verify_does_not_show_a_credential_past_its_expiry_date_as_active(cast: Cast, boards: Boards) -> None:
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    credential = held_credential(cast.alice, boards.cprs, expires_on=yesterday)
    body = Client().get("/api/v1/verify", {"number": credential.number}).json()
    assert body["results"][0]["status"] != "active"
    page = Client().get(reverse("certification:verify"), {"number": credential.number}).content.decode()
    assert '<strong class="credential-status">Active</strong>' not in page
    # What the nightly job would have written, and the stored row is left for the job to change.
    assert _status_shown(credential.number) == ("expired", "Expired")
    credential.refresh_from_db()
    assert credential.status == CredentialStatus.ACTIVE


@pytest.mark.parametrize("days", [0, 1, 365])
def test_verify_shows_a_credential_expiring_today_or_later_as_active(cast: Cast, boards: Boards, days: int) -> None:
    credential = held_credential(cast.alice, boards.cprs, expires_on=timezone.localdate() + dt.timedelta(days=days))
    assert _status_shown(credential.number) == ("active", "Active")


def test_verify_shows_a_suspended_credential_as_suspended_whatever_its_dates(cast: Cast, boards: Boards) -> None:
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    credential = held_credential(cast.alice, boards.cprs, expires_on=yesterday, status=CredentialStatus.SUSPENDED)
    assert _status_shown(credential.number) == ("suspended", "Suspended")


@pytest.mark.parametrize(
    ("status", "days", "expected"),
    [
        (CredentialStatus.ACTIVE, None, CredentialStatus.ACTIVE),
        (CredentialStatus.ACTIVE, 0, CredentialStatus.ACTIVE),
        (CredentialStatus.ACTIVE, -1, CredentialStatus.EXPIRED),
        (CredentialStatus.EXPIRED, -1, CredentialStatus.EXPIRED),
        (CredentialStatus.REVOKED, 10, CredentialStatus.REVOKED),
    ],
)
def test_status_on_agrees_with_the_workforce_credential_status(
    cast: Cast, boards: Boards, status: str, days: int | None, expected: str
) -> None:
    today = timezone.localdate()
    expires_on = None if days is None else today + dt.timedelta(days=days)
    credential = held_credential(cast.alice, boards.cprs, status=status, expires_on=expires_on)
    assert credential.status_on(today) == expected
    # The same rule as peer_credential_status (docs/credentialing.md), so the two never disagree.
    assert credential.is_active_on(today) == (peer_credential_status(cast.alice, today=today) is CredentialState.ACTIVE)


def test_reciprocity_refused_for_a_credential_past_its_expiry_date(cast: Cast, boards: Boards) -> None:
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    held = held_credential(cast.alice, boards.de_cprs, expires_on=yesterday)
    result = reciprocity_evaluate(held, boards.cprsr)
    assert not result.eligible
    assert any("is not active" in reason for reason in result.reasons)
    with pytest.raises(Exception, match="is not active"):
        services.application_create(applicant=cast.alice, credential_type=boards.cprsr, kind="reciprocity", held=held)


@pytest.mark.parametrize("days", [0, 30])
def test_reciprocity_open_for_a_credential_expiring_today_or_later(cast: Cast, boards: Boards, days: int) -> None:
    held = held_credential(cast.alice, boards.de_cprs, expires_on=timezone.localdate() + dt.timedelta(days=days))
    assert reciprocity_evaluate(held, boards.cprsr).eligible
    application = services.application_create(
        applicant=cast.alice, credential_type=boards.cprsr, kind="reciprocity", held=held
    )
    assert application.held_credential == held
