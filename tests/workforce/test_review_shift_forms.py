"""Review: bad input where shifts and the escalation window are set (the organization's admin form, weekly shift
rows, the shift button)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
import time_machine
from django import forms
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from peerway.intake.models import HelpRequest
from peerway.intake.services import request_route, requests_escalate_due
from peerway.organizations.models import Organization
from peerway.workforce.models import PeerProfile, PeerStatus, WeeklyShift
from tests.factories import OrganizationFactory, UserFactory, peer_profile

Submit = Callable[..., tuple[HelpRequest, str]]

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 11, 25, 16, 0, tzinfo=dt.UTC)
WindowForm = forms.modelform_factory(Organization, fields=["escalation_minutes"])


@pytest.mark.parametrize("value", ["", "   ", "-1", "0", "2.5", "five", "1e3"])
def test_the_escalation_window_refuses_what_is_not_a_whole_number_of_minutes_from_one(value: str) -> None:
    organization = OrganizationFactory(escalation_minutes=5)
    form = WindowForm(data={"escalation_minutes": value}, instance=organization)
    assert not form.is_valid()
    assert "escalation_minutes" in form.errors
    organization.refresh_from_db()
    assert organization.escalation_minutes == 5


def test_one_organizations_huge_window_does_not_stop_escalation_for_the_others(submit: Submit) -> None:
    typo = OrganizationFactory(escalation_minutes=30)
    form = WindowForm(data={"escalation_minutes": str(10**12)}, instance=typo)
    if form.is_valid():  # PostgreSQL's smallint range refuses it; SQLite's column takes any integer
        form.save()
    other = OrganizationFactory(escalation_minutes=5)
    peer_profile(typo, name="Amina", languages=("so",))
    peer_profile(other, name="Bea", languages=("es",))
    with time_machine.travel(START, tick=False):
        for language in ("so", "es"):
            request, _ = submit(language=language, language_required=True)
            assert len(request_route(request_id=request.pk)) == 1
    with time_machine.travel(START + dt.timedelta(minutes=5), tick=False):
        # Bea's organization's request is due; the other organization's window must not break the run.
        assert requests_escalate_due() == 1


@pytest.mark.parametrize(
    ("weekday", "starts", "ends"),
    [
        (0, dt.time(17), dt.time(9)),  # ends before it starts
        (0, dt.time(9), dt.time(9)),  # ends as it starts
        (6, dt.time(22), dt.time(2)),  # across midnight in one row: two rows are needed
        (7, dt.time(9), dt.time(17)),  # no eighth day
    ],
)
def test_a_weekly_shift_that_cannot_be_is_a_validation_error_not_a_database_error(
    weekday: int, starts: dt.time, ends: dt.time
) -> None:
    peer = peer_profile(OrganizationFactory(), name="Dee", on_shift=False)
    with pytest.raises(ValidationError):
        WeeklyShift(peer=peer, weekday=weekday, starts_at=starts, ends_at=ends).full_clean()
    assert not WeeklyShift.objects.exists()


@pytest.mark.parametrize("value", ["24:00", "", "25:30", "9.5"])
def test_a_shift_time_field_refuses_24_00_and_empty(value: str) -> None:
    ShiftForm = forms.modelform_factory(WeeklyShift, fields=["weekday", "starts_at", "ends_at"])
    form = ShiftForm(data={"weekday": "0", "starts_at": "09:00", "ends_at": value})
    assert not form.is_valid()
    assert "ends_at" in form.errors


def test_an_administrator_can_record_a_peers_weekly_shifts() -> None:
    amina = peer_profile(OrganizationFactory(), name="Amina", on_shift=False)
    client = Client()
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    html = client.get(reverse("admin:workforce_peerprofile_change", args=[amina.pk])).content.decode()
    assert "shifts-TOTAL_FORMS" in html


def test_a_peer_on_leave_is_not_told_that_requests_can_be_offered_to_them() -> None:
    amina = peer_profile(OrganizationFactory(), name="Amina", on_shift=False)
    PeerProfile.objects.filter(pk=amina.pk).update(status=PeerStatus.ON_LEAVE)
    client = Client()
    client.force_login(amina.user)
    assert client.post(reverse("workforce:shift_toggle"), {"on_shift": "1"}).status_code == 302
    html = client.get(reverse("workforce:queue")).content.decode()
    assert "You are on shift: new requests can be offered to you." not in html
