"""Review of the workforce's credentialing side: renewal reminders, supervision sessions, the career pathway when
a board publishes a new version of a credential's rules, and the admin's peer profile page. Synthetic data only."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.urls import reverse

from peerway.certification.models import CredentialType
from peerway.intake.models import Offer, OfferStatus
from peerway.intake.services import request_route
from peerway.workforce import credentials as service
from peerway.workforce.models import PeerProfile, PeerStatus, SupervisionSession
from peerway.workforce.pathway import pathway_for_peer
from peerway.workforce.supervision import supervisee_totals, supervisees_for_user
from tests.factories import UserFactory
from tests.helpers import Cast
from tests.workforce.credentials_helpers import credential, credential_type
from tests.workforce.test_queue import _submit

TODAY = dt.date(2026, 11, 23)


@pytest.fixture(autouse=True)
def _today() -> Iterator[time_machine.Traveller]:
    # 15:00 UTC is the same calendar day in Minnesota.
    with time_machine.travel(dt.datetime(2026, 11, 23, 15, 0, tzinfo=dt.UTC), tick=False) as traveller:
        yield traveller


def _client(user: object) -> Client:
    client = Client()
    client.force_login(user)  # type: ignore[arg-type]
    return client


# --- Renewal reminders ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("days_left", "threshold"), [(3, 30), (45, 60)])
def test_a_reminder_first_sent_after_its_threshold_states_the_days_left(
    cast: Cast, days_left: int, threshold: int
) -> None:
    # First due a reminder late (issued late in the cycle, an expiry date corrected by the board, the job down for a
    # while): only the latest threshold reached is sent, and the peer must not be told they have longer than they do.
    cast.alice.email = "alice@example.test"
    cast.alice.save()
    credential(cast.alice, expires_on=TODAY + dt.timedelta(days=days_left))
    assert service.credential_reminders_send() == 1
    [message] = mail.outbox
    assert f"{threshold} days" not in message.body
    assert f" {days_left} days" in message.body


# --- Supervision ----------------------------------------------------------------------------------------------


def test_a_supervision_session_with_a_typo_in_the_year_is_refused_at_its_date(cast: Cast) -> None:
    key = supervisees_for_user(cast.sam)[0].key
    response = _client(cast.sam).post(
        reverse("career:supervision"),
        {"supervisee": key, "held_on": "1926-11-20", "minutes": "600", "format": "individual", "notes": "kept"},
    )
    assert response.status_code == 400
    assert response.context["form"].errors.get("held_on")
    assert SupervisionSession.objects.count() == 0


def test_a_continuing_education_course_with_a_typo_in_the_year_is_refused(cast: Cast) -> None:
    # What the supervision form above is compared with: the CE log refuses the same typo at its date.
    response = _client(cast.alice).post(
        reverse("career:renewal"),
        {"provider": "Sample CE Co", "topic": "Ethics", "completed_on": "1926-11-20", "hours": "3"},
    )
    assert response.status_code == 400
    assert response.context["form"].errors.get("completed_on")
    assert "Sample CE Co" in response.content.decode()  # what was typed is kept


# --- Career pathway with a new version of a credential's rules --------------------------------------------------


def _new_cprsr_version() -> CredentialType:
    """The board publishes CPRSR version 2 (more supervision) from 2026-07-01; version 1 ends the day before.
    As the fixture loader links it: reciprocal of CPRS (version 1, the only one)."""
    old = credential_type("CPRSR")
    old.effective_to = dt.date(2026, 6, 30)
    old.save()
    requirements = dict(old.requirements) | {"supervision_hours": 30}
    return CredentialType.objects.create(
        board=old.board,
        code="CPRSR",
        name=old.name,
        level=old.level,
        version=2,
        effective_from=dt.date(2026, 7, 1),
        reciprocal_of=credential_type("CPRS"),
        requirements=requirements,
    )


def test_the_reciprocal_level_is_one_step_by_the_rules_in_effect_after_a_new_version(cast: Cast) -> None:
    new = _new_cprsr_version()
    credential(cast.alice, expires_on=dt.date(2099, 1, 1))  # CPRS held: CPRSR is its reciprocal level
    steps = [step for step in pathway_for_peer(cast.alice) if step.credential_type.code == "CPRSR"]
    assert [step.credential_type.pk for step in steps] == [new.pk]


def test_a_credential_held_under_an_earlier_version_of_its_rules_is_not_a_step(cast: Cast) -> None:
    _new_cprsr_version()
    credential(cast.alice, expires_on=dt.date(2099, 1, 1), issued_on=dt.date(2025, 1, 10), code="CPRSR")
    codes = [step.credential_type.code for step in pathway_for_peer(cast.alice)]
    assert "CPRSR" not in codes
    page = " ".join(_client(cast.alice).get(reverse("career:pathway")).content.decode().split())
    assert "Certified Peer Recovery Specialist Reciprocal (CPRSR)" not in page


def test_supervision_totals_name_the_reciprocal_levels_requirement_once_after_a_new_version(cast: Cast) -> None:
    new = _new_cprsr_version()
    credential(cast.alice, expires_on=dt.date(2099, 1, 1))  # CPRS held (no supervision asked); CPRSR asks some
    [totals] = supervisee_totals(cast.sam, dt.date(2026, 11, 1), dt.date(2026, 11, 30))
    lines = [line for line in totals.lines if line.key.startswith("credential:")]
    assert [(line.key, line.need) for line in lines] == [(f"credential:{new.pk}", 30)]


# --- Admin: putting a peer on leave ----------------------------------------------------------------------------


def test_a_peer_put_on_leave_in_the_admin_is_off_shift_and_their_open_offer_lapses(amina: PeerProfile) -> None:
    request = _submit()  # a Somali speaker who needs her language: Amina, alone
    [offer] = request_route(request_id=request.pk)
    assert offer.peer == amina
    admin = _client(UserFactory(username="root", is_staff=True, is_superuser=True))
    url = reverse("admin:workforce_peerprofile_change", args=[amina.pk])
    shifts = {"shifts-TOTAL_FORMS": "0", "shifts-INITIAL_FORMS": "0"}
    assert admin.post(url, {"status": PeerStatus.ON_LEAVE, **shifts}).status_code == 302
    amina.refresh_from_db()
    assert amina.status == PeerStatus.ON_LEAVE
    # A peer on leave takes no request: the person must not wait on an offer they hold.
    assert amina.on_shift is False
    assert Offer.objects.get(pk=offer.pk).status != OfferStatus.OFFERED
