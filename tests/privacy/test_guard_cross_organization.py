"""Guards against reaching another organization's people, or a person's record in a role that has no need of it,
through the public ids in staff URLs (insecure direct object references).

tests/test_staff_urls.py checks each staff URL's status code for one method. This module checks what it leaves
out: the POST of pages crawled only with GET, that a refused request changes no row anywhere (no record, no
history, no access event), that roles outside the cast (a certification board's administrator, the state
agency's platform administrator) open no record, and that an allowed read of a person writes its AccessEvent.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.apps import apps
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from peerway.accounts.models import User
from peerway.core.models import AccessEvent
from peerway.recovery.models import Instrument, PeerAttestation, Referral
from peerway.recovery.services.checkins import checkin_record_by_staff
from peerway.recovery.services.checkups import checkups_schedule
from peerway.resources.models import Resource
from tests.factories import MembershipFactory, OrganizationFactory, ParticipantFactory, UserFactory
from tests.helpers import Cast
from tests.recovery.checkups_support import engagement_for
from tests.recovery.records import contact_fields, peer_of, ready_engagement, record

# Tables that change with every signed-in request whatever the view does.
UNRELATED_TABLES = {"sessions.Session"}


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _row_counts() -> dict[str, int]:
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models()
        if model._meta.managed and not model._meta.proxy and model._meta.label not in UNRELATED_TABLES
    }


@dataclass
class Post:
    url: str
    data: dict[str, Any]
    allowed: User
    refused: list[User]
    allowed_status: int = 302


def _mixed(cast: Cast) -> User:
    """Mia reads records at Riverbend as billing staff and is peer, supervisor and administrator at Prairie Light:
    her roles elsewhere must not lend her, at Riverbend, what billing may not do."""
    mia = User.objects.filter(username="mia").first()
    if mia is None:
        mia = UserFactory(username="mia", first_name="Mia")
        MembershipFactory(user=mia, organization=cast.org, role="billing")
        for role in ("peer", "supervisor", "org_admin"):
            MembershipFactory(user=mia, organization=cast.other_org, role=role)
    return mia


def _contact_data() -> dict[str, Any]:
    fields = contact_fields()
    return {**fields, "occurred_on": fields["occurred_on"].isoformat(), "started_at": "14:00"}


def _participant_edit(cast: Cast) -> Post:
    participant = ParticipantFactory(organization=cast.org, preferred_name="Sample Before")
    return Post(
        url=reverse("recovery:participant_edit", args=[participant.public_id]),
        data={"preferred_name": "Sample After"},
        allowed=cast.alice,
        refused=[cast.olive, cast.bill, cast.analyst, _mixed(cast)],
    )


def _engagement_start(cast: Cast) -> Post:
    alice = peer_of(cast.alice, cast)
    participant = ParticipantFactory(organization=cast.org)
    return Post(
        url=reverse("recovery:engagement_start", args=[participant.public_id]),
        data={"peer": alice.pk, "program": "rco", "voluntary_notice_given": "on", "attest": "on"},
        allowed=cast.alice,
        refused=[cast.olive, cast.bill, cast.analyst, _mixed(cast)],
    )


def _engagement_handoff(cast: Cast) -> Post:
    engagement = ready_engagement(cast)
    bob_user = UserFactory(username="bob", first_name="Bob")
    MembershipFactory(user=bob_user, organization=cast.org, role="peer")
    bob = peer_of(bob_user, cast, "Bob")
    PeerAttestation.objects.create(engagement=engagement, peer=bob)
    return Post(
        url=reverse("recovery:engagement_handoff", args=[engagement.public_id]),
        data={"to_peer": bob.pk, "reason": "Alice moves to nights"},
        allowed=cast.sam,
        refused=[cast.olive, cast.alice, cast.bill, _mixed(cast)],
    )


def _contact_create(cast: Cast) -> Post:
    engagement = ready_engagement(cast)
    return Post(
        url=reverse("recovery:contact_create", args=[engagement.public_id]),
        data=_contact_data(),
        allowed=cast.alice,
        refused=[cast.olive, cast.bill, cast.analyst, _mixed(cast)],
    )


def _contact_correct(cast: Cast) -> Post:
    contact = record(ready_engagement(cast), cast.alice)
    return Post(
        url=reverse("recovery:contact_correct", args=[contact.public_id]),
        data={**_contact_data(), "duration_minutes": 50, "reason": "Sample typo"},
        allowed=cast.alice,
        refused=[cast.olive, cast.bill, cast.analyst, _mixed(cast)],
    )


def _plan_goal_add(cast: Cast) -> Post:
    engagement = ready_engagement(cast)
    return Post(
        url=reverse("recovery:engagement_plan", args=[engagement.public_id]),
        data={"action": "goal_add", "goal-life_area": "housing", "goal-description": "Sample lease"},
        allowed=cast.alice,
        refused=[cast.olive, cast.bill, cast.analyst, _mixed(cast)],
    )


def _message_send(cast: Cast) -> Post:
    engagement = ready_engagement(cast)
    return Post(
        url=reverse("recovery:engagement_messages", args=[engagement.public_id]),
        data={"body": "Sample message"},
        allowed=cast.alice,
        refused=[cast.olive, cast.bill, cast.analyst, _mixed(cast)],
    )


def _checkin_entry(cast: Cast) -> Post:
    participant = ParticipantFactory(organization=cast.org)
    instrument = Instrument.objects.get(organization=None, url__endswith="recovery-capital-checkin")
    answers = {f"q_{item.link_id}": "4" for item in instrument.definition.items}
    when = (timezone.localtime() - dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    return Post(
        url=reverse("recovery:checkin_entry", args=[participant.public_id]),
        data={**answers, "answered_at": when},
        allowed=cast.alice,
        refused=[cast.olive, cast.bill, cast.analyst, _mixed(cast)],
    )


def _referral_create(cast: Cast) -> Post:
    engagement = ready_engagement(cast)
    resource = Resource.objects.create(name="Sample Shared Pantry", category="food")
    return Post(
        url=reverse("recovery:engagement_referrals", args=[engagement.public_id]),
        data={"resource": str(resource.public_id), "note": "Sample note"},
        allowed=cast.alice,
        refused=[cast.olive, cast.bill, cast.analyst, _mixed(cast)],
    )


def _resource_edit(cast: Cast) -> Post:
    item = Resource.objects.create(name="Riverbend Pantry", organization=cast.org, category="food")
    return Post(
        url=reverse("resources:edit", args=[item.public_id]),
        data={"name": "Sample Renamed Pantry", "category": "food"},
        allowed=cast.ada,
        refused=[cast.olive, cast.sam, cast.analyst, _mixed(cast)],
    )


def _engagement_status(cast: Cast) -> Post:
    engagement = ready_engagement(cast)
    return Post(
        url=reverse("recovery:engagement_status", args=[engagement.public_id]),
        data={"action": "checkup"},
        allowed=cast.alice,
        refused=[cast.olive, cast.bill, cast.analyst, _mixed(cast)],
    )


def _engagement_notice(cast: Cast) -> Post:
    engagement = ready_engagement(cast, notice=False)
    return Post(
        url=reverse("recovery:engagement_notice", args=[engagement.public_id]),
        data={},
        allowed=cast.alice,
        refused=[cast.olive, cast.bill, cast.analyst, _mixed(cast)],
    )


def _participant_merge(cast: Cast) -> Post:
    first = ParticipantFactory(organization=cast.org)
    second = ParticipantFactory(organization=cast.org)
    return Post(
        url=reverse("recovery:participant_merge", args=[first.public_id, second.public_id]),
        data={"keep": str(first.public_id)},
        allowed=cast.sam,
        refused=[cast.olive, cast.alice, cast.bill, _mixed(cast)],
    )


def _contact_cosign(cast: Cast) -> Post:
    cast.org.contact_cosign_policy = "all"
    cast.org.save()
    contact = record(ready_engagement(cast), cast.alice)
    return Post(
        url=reverse("recovery:contact_cosign", args=[contact.public_id]),
        data={"version": "1"},
        allowed=cast.sam,
        refused=[cast.olive, cast.alice, cast.bill, _mixed(cast)],
    )


def _referral_transition(cast: Cast) -> Post:
    engagement = ready_engagement(cast)
    resource = Resource.objects.create(name="Sample Shared Pantry", category="food")
    referral = Referral.objects.create(engagement=engagement, resource=resource, sent_at=timezone.now())
    return Post(
        url=reverse("recovery:referral_transition", args=[referral.public_id]),
        data={"action": "decline"},
        allowed=cast.alice,
        refused=[cast.olive, cast.bill, cast.analyst, _mixed(cast)],
    )


def _space_link(cast: Cast) -> Post:
    participant = ParticipantFactory(organization=cast.org)
    return Post(
        url=reverse("recovery:participant_space_link", args=[participant.public_id]),
        data={"action": "create"},
        allowed=cast.alice,
        refused=[cast.olive, cast.bill, cast.analyst, _mixed(cast)],
        allowed_status=200,
    )


def _checkin_link(cast: Cast) -> Post:
    participant = ParticipantFactory(organization=cast.org)
    instrument = Instrument.objects.get(organization=None, url__endswith="recovery-capital-checkin")
    return Post(
        url=reverse("recovery:checkin_link_new", args=[participant.public_id]),
        data={"instrument": str(instrument.pk)},
        allowed=cast.alice,
        refused=[cast.olive, cast.bill, cast.analyst, _mixed(cast)],
        allowed_status=200,
    )


def _checkup_record(cast: Cast) -> Post:
    engagement = ready_engagement(cast, status="checkup")
    checkups_schedule(engagement=engagement)
    checkup = engagement.checkups.order_by("sequence").first()
    assert checkup is not None
    return Post(
        url=reverse("recovery:checkup_record", args=[engagement.public_id, checkup.public_id]),
        data={"reached": "no"},
        allowed=cast.alice,
        refused=[cast.olive, cast.bill, cast.analyst, _mixed(cast)],
    )


POSTS: dict[str, Callable[[Cast], Post]] = {
    "participant_edit": _participant_edit,
    "engagement_start": _engagement_start,
    "engagement_handoff": _engagement_handoff,
    "contact_create": _contact_create,
    "contact_correct": _contact_correct,
    "engagement_plan": _plan_goal_add,
    "engagement_messages": _message_send,
    "checkin_entry": _checkin_entry,
    "engagement_referrals": _referral_create,
    "resources_edit": _resource_edit,
    "engagement_status": _engagement_status,
    "engagement_notice": _engagement_notice,
    "participant_merge": _participant_merge,
    "contact_cosign": _contact_cosign,
    "referral_transition": _referral_transition,
    "participant_space_link": _space_link,
    "checkin_link_new": _checkin_link,
    "checkup_record": _checkup_record,
}


@pytest.mark.parametrize("name", sorted(POSTS))
def test_a_refused_post_by_another_organization_or_role_is_a_404_that_writes_nothing(cast: Cast, name: str) -> None:
    case = POSTS[name](cast)
    for user in case.refused:
        client = _client(user)
        before = _row_counts()
        response = client.post(case.url, case.data)
        assert response.status_code == 404, f"{user.username} got {response.status_code} on POST {case.url}"
        after = _row_counts()
        changed = {label: (count, after[label]) for label, count in before.items() if after[label] != count}
        assert not changed, f"{user.username}'s refused POST {case.url} wrote rows: {changed}"
    # The same POST by someone allowed does change the record: the data above is not refused for its own sake.
    response = _client(case.allowed).post(case.url, case.data)
    assert response.status_code == case.allowed_status, f"allowed {case.allowed.username} got {response.status_code}"


def _record_pages(cast: Cast) -> list[str]:
    """Every staff page, reached by a public id, that shows part of one Riverbend person's record."""
    engagement = ready_engagement(cast)
    participant = engagement.participant
    contact = record(engagement, cast.alice)
    other = ParticipantFactory(organization=cast.org)
    instrument = Instrument.objects.get(organization=None, url__endswith="recovery-capital-checkin")
    checkin = checkin_record_by_staff(
        participant=participant,
        instrument=instrument,
        answers={item.link_id: "4" for item in instrument.definition.items},
        actor=cast.alice,
    )
    by_participant = [
        "participant_detail",
        "participant_edit",
        "participant_access_history",
        "engagement_start",
        "checkin_list",
        "checkin_chart",
        "checkin_entry",
    ]
    by_engagement = [
        "engagement_detail",
        "engagement_plan",
        "engagement_plan_pdf",
        "engagement_messages",
        "engagement_referrals",
        "checkup_list",
        "contact_create",
        "engagement_handoff",
    ]
    return [
        *(reverse(f"recovery:{name}", args=[participant.public_id]) for name in by_participant),
        *(reverse(f"recovery:{name}", args=[engagement.public_id]) for name in by_engagement),
        reverse("recovery:contact_detail", args=[contact.public_id]),
        reverse("recovery:contact_correct", args=[contact.public_id]),
        reverse("recovery:checkin_fhir", args=[checkin.public_id]),
        reverse("recovery:participant_compare", args=[participant.public_id, other.public_id]),
    ]


@pytest.mark.parametrize(
    ("kind", "role"),
    [("cert_board", "board_admin"), ("accreditation_body", "evaluator"), ("state_agency", "platform_admin")],
)
def test_a_board_an_evaluator_and_a_platform_administrator_open_no_record_and_leave_no_trace(
    cast: Cast, kind: str, role: str
) -> None:
    organization = OrganizationFactory(name=f"Sample {kind}", slug=f"sample-{kind}", kind=kind)
    user = UserFactory(username=f"sample-{role}")
    MembershipFactory(user=user, organization=organization, role=role)
    pages = _record_pages(cast)
    client = _client(user)
    events = AccessEvent.objects.count()
    for url in pages:
        response = client.get(url)
        assert response.status_code == 404, f"{role} got {response.status_code} on {url}"
    assert AccessEvent.objects.count() == events


def test_every_record_page_writes_one_access_event_for_its_reader_and_none_for_an_outsider(cast: Cast) -> None:
    pages = _record_pages(cast)
    for url in pages:
        AccessEvent.objects.all().delete()
        assert _client(cast.olive).get(url).status_code == 404
        assert not AccessEvent.objects.exists(), f"olive's refused GET {url} was logged"
        assert _client(cast.sam).get(url).status_code == 200, url
        readers = set(AccessEvent.objects.values_list("actor__username", "organization_id"))
        # Two forms show nothing of the person: the hand-off (the peers to choose from) and the check-in entry
        # (the questions); the change they make is logged by its service.
        if not url.endswith(("/handoff/", "/checkins/new/")):
            assert readers == {("sam", cast.org.pk)}, f"{url} logged {readers}"


def test_a_supervisor_of_both_organizations_neither_compares_nor_merges_people_across_them(cast: Cast) -> None:
    # Merging would join a Riverbend person's record to a Prairie Light one: organizations never share people
    # without a recorded consent, whoever leads in both.
    MembershipFactory(user=cast.sam, organization=cast.other_org, role="supervisor")
    ours = ParticipantFactory(organization=cast.org, phone="612-555-0142")
    theirs = ParticipantFactory(organization=cast.other_org, phone="612-555-0142")
    client = _client(cast.sam)
    for first, second in ((ours, theirs), (theirs, ours)):
        compare = reverse("recovery:participant_compare", args=[first.public_id, second.public_id])
        assert client.get(compare).status_code == 404
        before = _row_counts()
        merge = reverse("recovery:participant_merge", args=[first.public_id, second.public_id])
        assert client.post(merge, {"keep": str(first.public_id)}).status_code == 404
        assert _row_counts() == before
    ours.refresh_from_db()
    theirs.refresh_from_db()
    assert ours.merged_into_id is None and theirs.merged_into_id is None


def test_a_check_up_of_another_organization_is_not_recorded_through_ones_own_engagement(cast: Cast) -> None:
    ours = ready_engagement(cast, status="checkup")
    theirs = engagement_for(cast.other_org)
    checkups_schedule(engagement=ours)
    checkups_schedule(engagement=theirs)
    their_checkup = theirs.checkups.order_by("sequence").first()
    assert their_checkup is not None
    url = reverse("recovery:checkup_record", args=[ours.public_id, their_checkup.public_id])
    client = _client(cast.alice)
    before = _row_counts()
    assert client.post(url, {"reached": "no"}).status_code == 404
    assert _row_counts() == before
    their_checkup.refresh_from_db()
    assert their_checkup.status == "scheduled"
