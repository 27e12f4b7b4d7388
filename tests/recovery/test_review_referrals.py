"""Review of referrals: bad input, other organizations' ids and resources, the audit of each step, a step sent twice,
and a referral made on a closed engagement. Forms are sent as a browser sends them: with every field the page drew.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from peerway.core.models import AccessEvent
from peerway.recovery.models import Engagement, Referral
from peerway.recovery.services import engagement_transition
from peerway.recovery.services.referrals import referral_create
from peerway.resources.models import Resource
from peerway.workforce.models import PeerProfile
from tests.factories import ParticipantFactory
from tests.helpers import Cast
from tests.recovery.records import ready_engagement
from tests.recovery.test_bad_input_staff_records import drawn_form

pytestmark = pytest.mark.django_db


def _client(user: object) -> Client:
    client = Client()
    client.force_login(user)  # type: ignore[arg-type]
    return client


def _shared(name: str = "Sample Food Shelf", **fields: object) -> Resource:
    return Resource.objects.create(name=name, category="food", **fields)


def _page(engagement: Engagement) -> str:
    return reverse("recovery:engagement_referrals", args=[engagement.public_id])


def _step(referral: Referral) -> str:
    return reverse("recovery:referral_transition", args=[referral.public_id])


def _fresh(referral: Referral) -> Referral:
    return Referral.objects.get(pk=referral.pk)


def _other_orgs_engagement(cast: Cast) -> Engagement:
    peer = PeerProfile.objects.create(
        user=cast.olive, organization=cast.other_org, display_name="Olive", modalities=["phone"]
    )
    return Engagement.objects.create(
        participant=ParticipantFactory(organization=cast.other_org, preferred_name="Sample Prairie Person"),
        organization=cast.other_org,
        peer=peer,
        program="rco",
        started_at=timezone.now(),
    )


ODD = "00000000-0000-4000-8000-000000000000"


@pytest.mark.parametrize(
    ("where", "data"),
    [
        ("page", {"resource": "not-a-uuid"}),
        ("page", {"resource": ODD}),
        ("page", {"resource": "SHARED", "follow_up_on": "0001-01-01"}),
        ("page", {"resource": "SHARED", "follow_up_on": "99999-01-01"}),
        ("page", {"resource": "SHARED", "follow_up_on": "2027-02-30"}),
        ("page", {"resource": "SHARED", "note": "nul\x00here"}),
        ("page", {"resource": "SHARED", "note": "<script>alert(1)</script>" * 100}),
        ("step", {"action": "reopen"}),
        ("step", {"action": "'; drop table x; --"}),
        ("step", {"action": "decline", "outcome_note": "nul\x00here"}),
        ("step", {"action": "decline", "follow_up_on": "not a date"}),
    ],
)
def test_bad_input_is_an_error_on_the_page_and_changes_nothing(cast: Cast, where: str, data: dict[str, str]) -> None:
    engagement = ready_engagement(cast)
    shared = _shared()
    referral = referral_create(engagement=engagement, resource=_shared("Sample Pantry"), actor=cast.alice)
    data = {key: str(shared.public_id) if value == "SHARED" else value for key, value in data.items()}
    response = _client(cast.alice).post(_page(engagement) if where == "page" else _step(referral), data)
    assert response.status_code == 400
    body = response.content.decode()
    assert "field-errors" in body or "form-errors" in body
    assert "<script>alert(1)" not in body
    assert Referral.objects.count() == 1 and _fresh(referral).status == "sent"


@pytest.mark.parametrize(
    "query", ["?resource=not-a-uuid", f"?resource={ODD}", "?for=treatment&everywhere=2", "?page=-1"]
)
def test_odd_links_to_the_referrals_page_answer_with_the_page(cast: Cast, query: str) -> None:
    engagement = ready_engagement(cast)
    assert _client(cast.alice).get(_page(engagement) + query).status_code == 200


def test_another_organizations_engagement_referral_and_private_resource_stay_out_of_reach(cast: Cast) -> None:
    engagement = ready_engagement(cast)
    theirs = _other_orgs_engagement(cast)
    their_referral = referral_create(engagement=theirs, resource=_shared(), actor=cast.olive)
    private = Resource.objects.create(name="Prairie Private Clinic", category="moud", organization=cast.other_org)
    closed_down = _shared("Retired Shared Shelter", active=False)
    AccessEvent.objects.all().delete()
    alice = _client(cast.alice)

    # Their engagement's page and their referral: 404 for reading and for every change, and no audit row.
    assert alice.get(_page(theirs)).status_code == 404
    assert alice.post(_page(theirs), {"resource": str(_shared("Other").public_id)}).status_code == 404
    assert alice.post(_step(their_referral), {"action": "decline"}).status_code == 404
    assert _fresh(their_referral).status == "sent" and theirs.referrals.count() == 1
    assert not AccessEvent.objects.filter(subject_id=theirs.participant.public_id).exists()

    # Their private resource and an unlisted one: not named on Alice's page, even when linked, and not referable.
    for resource in (private, closed_down):
        page = alice.get(_page(engagement) + f"?resource={resource.public_id}").content.decode()
        assert resource.name not in page
        response = alice.post(_page(engagement) + "?everywhere=1", {"resource": str(resource.public_id)})
        assert response.status_code == 400
        assert resource.name not in response.content.decode()
    assert not engagement.referrals.exists()


def test_each_step_recorded_on_the_page_writes_one_changed_event_for_the_person(cast: Cast) -> None:
    engagement = ready_engagement(cast)
    referral = referral_create(engagement=engagement, resource=_shared(), actor=cast.alice)
    AccessEvent.objects.all().delete()
    sam = _client(cast.sam)
    for action in ("acknowledge", "complete"):
        form = drawn_form(sam, _page(engagement), having="outcome_note")
        response = sam.post(_step(referral), {**form, "action": [action], "outcome_note": [f"Sample {action}"]})
        assert response.status_code == 302
    assert _fresh(referral).status == "completed"
    changed = AccessEvent.objects.filter(subject_id=engagement.participant.public_id, action="changed")
    assert sorted((e.actor_id, e.actor_role, e.reason) for e in changed) == [
        (cast.sam.pk, "supervisor", "referral acknowledge"),
        (cast.sam.pk, "supervisor", "referral complete"),
    ]


def test_a_step_sent_twice_by_a_double_click_is_recorded_once_and_both_land_on_the_referrals_page(
    cast: Cast,
) -> None:
    engagement = ready_engagement(cast)
    referral = referral_create(engagement=engagement, resource=_shared(), actor=cast.alice)
    alice = _client(cast.alice)
    form = drawn_form(alice, _page(engagement), having="outcome_note")
    sent = {**form, "action": ["decline"], "outcome_note": ["Found a place with family"]}
    AccessEvent.objects.all().delete()
    first, second = (alice.post(_step(referral), sent) for _ in range(2))
    assert _fresh(referral).status == "declined"
    assert AccessEvent.objects.filter(action="changed").count() == 1
    assert first.status_code == 302
    assert second.status_code == 302, f"the second sending got {second.status_code}"
    assert second["Location"] == first["Location"]


def test_a_referral_from_a_page_left_open_after_the_engagement_closed_says_why(cast: Cast) -> None:
    engagement = ready_engagement(cast)
    shared = _shared()
    alice = _client(cast.alice)
    form = drawn_form(alice, _page(engagement), having="resource")
    engagement_transition(engagement=engagement, action="close", actor=cast.alice)
    follow_up = (timezone.localdate() + dt.timedelta(days=7)).isoformat()
    response = alice.post(_page(engagement), {**form, "resource": [str(shared.public_id)], "follow_up_on": [follow_up]})
    assert response.status_code < 500
    assert not engagement.referrals.exists()
    assert response.status_code == 400 and "closed" in response.content.decode()
