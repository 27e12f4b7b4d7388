"""An organization's time zone: only real zone names are saved, and a bad one never breaks a staff page."""

from __future__ import annotations

import logging

import pytest
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.test import Client
from django.test.signals import template_rendered
from django.urls import reverse
from django.utils import timezone

from peerway.organizations.models import Organization
from tests.helpers import Cast

pytestmark = pytest.mark.django_db


def _zone_of_the_page(client: Client) -> tuple[int, str]:
    captured: dict[str, str] = {}

    def capture(sender: object, **kwargs: object) -> None:
        captured.setdefault("zone", str(timezone.get_current_timezone()))

    template_rendered.connect(capture)
    try:
        status = client.get(reverse("staff:home")).status_code
    finally:
        template_rendered.disconnect(capture)
    return status, captured.get("zone", "")


def test_a_staff_page_falls_back_to_the_default_zone_when_the_organizations_zone_is_unknown(
    cast: Cast, caplog: pytest.LogCaptureFixture
) -> None:
    Organization.objects.filter(pk=cast.other_org.pk).update(timezone="Pacific/Auckland")
    # Saved before names were checked, or straight in the database: the typo is already there.
    Organization.objects.filter(pk=cast.org.pk).update(timezone="US/Central Time")
    olive, alice = Client(), Client(raise_request_exception=False)
    olive.force_login(cast.olive)
    alice.force_login(cast.alice)
    try:
        assert _zone_of_the_page(olive) == (200, "Pacific/Auckland")
        with caplog.at_level(logging.WARNING, logger="peerway.organizations.models"):
            # The same thread served Auckland a moment ago: the fallback is the default zone, not the last one.
            assert _zone_of_the_page(alice) == (200, settings.TIME_ZONE)
    finally:
        timezone.deactivate()  # the test client's requests ran in this thread: leave no zone for later tests
    assert str(cast.org.public_id) in caplog.text and "unknown time zone" in caplog.text
    assert cast.alice.email not in caplog.text


def test_an_unknown_time_zone_is_refused_with_a_clear_message(cast: Cast) -> None:
    cast.org.timezone = "US/Central Time"
    with pytest.raises(ValidationError) as refused:
        cast.org.full_clean()
    assert refused.value.message_dict["timezone"] == [
        "“US/Central Time” is not a time zone name. Use a name from the time zone database, such as America/Chicago."
    ]


def test_the_admin_form_refuses_an_unknown_time_zone_and_accepts_a_real_one(cast: Cast) -> None:
    form_class = forms.modelform_factory(Organization, fields=["timezone"])
    refused = form_class(data={"timezone": "America/Chigaco"}, instance=cast.org)
    assert not refused.is_valid() and "timezone" in refused.errors
    accepted = form_class(data={"timezone": "America/Denver"}, instance=cast.org)
    assert accepted.is_valid(), accepted.errors


def test_records_and_check_ups_use_the_default_zone_when_the_organizations_zone_is_unknown(
    cast: Cast, caplog: pytest.LogCaptureFixture
) -> None:
    from peerway.recovery.models import Checkup
    from peerway.recovery.services.checkups import checkups_schedule
    from peerway.recovery.views.engagements import contact_form_initial
    from tests.recovery.records import ready_engagement, record

    Organization.objects.filter(pk=cast.org.pk).update(timezone="US/Central Time")
    engagement = ready_engagement(cast)
    engagement.organization.refresh_from_db()
    with caplog.at_level(logging.WARNING, logger="peerway.organizations.models"):
        assert contact_form_initial(engagement)["duration_minutes"]
        contact = record(engagement, cast.alice)
        assert checkups_schedule(engagement=engagement) > 0
    assert contact.current_version is not None
    assert Checkup.objects.filter(engagement=engagement).exists()
    assert "unknown time zone" in caplog.text
