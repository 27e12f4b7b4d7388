"""Guards found by mutation testing: a role held in a deactivated organization opens nothing."""

from __future__ import annotations

import pytest
from django.test import Client

from peerway.accounts.selectors import memberships_for_user, staff_links
from peerway.core.access import acting_role
from peerway.core.models import AccessEvent, Language
from peerway.intake.models import HelpRequest
from peerway.intake.services import STAFF_ENTRY_ROLES, RequestInput, request_submit_by_staff
from tests.helpers import Cast


def _deactivate(cast: Cast) -> None:
    cast.org.active = False
    cast.org.save(update_fields=["active"])


def test_memberships_in_a_deactivated_organization_are_not_the_users_any_more(cast: Cast) -> None:
    _deactivate(cast)
    assert not memberships_for_user(cast.sam).exists()
    assert acting_role(cast.sam, cast.org, STAFF_ENTRY_ROLES) == "none"
    assert not any(staff_links(memberships_for_user(cast.sam)).values())
    # other_org is untouched.
    assert acting_role(cast.olive, cast.other_org, STAFF_ENTRY_ROLES) == "org_admin,peer,supervisor"


def test_staff_of_a_deactivated_organization_cannot_enter_requests_or_read_the_matching_report(cast: Cast) -> None:
    _deactivate(cast)
    client = Client()
    client.force_login(cast.sam)
    assert client.get("/staff/intake/new/").status_code == 404
    assert client.get("/staff/reports/matching/").status_code == 404
    data = RequestInput(
        contact_method="call",
        phone="612-555-0142",
        language=Language.objects.get(slug="en"),
        consent_to_contact=True,
        modalities=("phone",),
    )
    with pytest.raises(PermissionError):
        request_submit_by_staff(data=data, source="phone_line", actor=cast.sam, organization=cast.org)
    assert not HelpRequest.objects.exists()
    assert not AccessEvent.objects.exists()
