"""An id beyond the database's integer range, posted in a checkbox list, is an error next to the field.

On SQLite Django's ``__in`` lookup raised OverflowError for such an id (a server error that lost what was typed);
PostgreSQL already answered with an invalid choice. peerway.core.forms.ModelMultipleChoiceField refuses it first.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from peerway.core.forms import ModelMultipleChoiceField
from peerway.core.models import Community
from peerway.recovery.models import Contact, Participant
from peerway.recovery.services import plans as plan_services
from tests.helpers import Cast
from tests.recovery.records import contact_fields, ready_engagement

pytestmark = pytest.mark.django_db
HUGE = str(10**20)  # above the 64-bit integer range of SQLite's INTEGER and PostgreSQL's bigint


def _client(user: object) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(user)  # type: ignore[arg-type]
    return client


def test_the_field_refuses_an_id_out_of_range_and_keeps_its_other_checks() -> None:
    field = ModelMultipleChoiceField(Community.objects.all())
    for value in (HUGE, f"-{HUGE}", f" {HUGE} "):
        with pytest.raises(ValidationError) as error:
            field.clean([value])
        assert error.value.code == "invalid_choice", value
    with pytest.raises(ValidationError) as error:
        field.clean(["not a number"])
    assert error.value.code == "invalid_pk_value"
    community = Community.objects.first()
    assert community is not None
    assert list(field.clean([str(community.pk)])) == [community]


def test_participant_create_with_an_out_of_range_community_id_is_a_400(cast: Cast) -> None:
    response = _client(cast.alice).post(
        "/staff/participants/new/", {"preferred_name": "Sample Kept Name", "communities": [HUGE]}
    )
    assert response.status_code == 400
    assert "Sample Kept Name" in response.content.decode()
    assert not Participant.objects.filter(preferred_name="Sample Kept Name").exists()


def test_a_contact_with_an_out_of_range_goal_id_is_a_400(cast: Cast) -> None:
    engagement = ready_engagement(cast)
    plan = plan_services.plan_get_or_create(engagement)
    plan_services.goal_add(plan=plan, actor=cast.alice, life_area="health", description="Find housing")
    fields = contact_fields(note="Sample kept note")
    data = {**{key: str(value) for key, value in fields.items()}, "person_present": "on", "goals": [HUGE]}
    response = _client(cast.alice).post(f"/staff/engagements/{engagement.public_id}/contacts/new/", data)
    assert response.status_code == 400
    assert "Sample kept note" in response.content.decode()
    assert not Contact.objects.filter(engagement=engagement).exists()


@pytest.mark.parametrize("field", ["languages", "communities", "lived_experience", "pathways", "service_counties"])
def test_the_peer_profile_with_an_out_of_range_id_is_a_400(cast: Cast, field: str) -> None:
    client = _client(cast.alice)
    assert client.get("/staff/queue/profile/").status_code == 200  # makes Alice's profile
    data = {"display_name": "Sample Kept", "modalities": ["phone"], "caseload_limit": "10", field: [HUGE]}
    response = client.post("/staff/queue/profile/?organization=riverbend", data)
    assert response.status_code == 400
    assert "Sample Kept" in response.content.decode()
