"""A sweep of every staff URL for tenancy and audit, with one Riverbend person whose record touches every kind of
list (caseload, team, co-sign queue, referrals due, re-links, live queue, participant list and search).

What the guards elsewhere leave out: the lists seen by people of another organization and by roles that see no
personal data, and for each page that shows the person's name to Riverbend's own staff, that it is logged.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django.test import Client
from django.urls import NoReverseMatch, resolve, reverse
from django.utils import timezone

from peerway.accounts.models import User
from peerway.core.models import AccessEvent, Language
from peerway.intake.models import EscalationAlert, HelpRequest, Offer
from peerway.recovery.models import (
    Checkup,
    CheckupStatus,
    Engagement,
    Instrument,
    Message,
    MessageSender,
    Participant,
    Referral,
)
from peerway.recovery.services.checkins import checkin_record_by_staff
from peerway.recovery.services.checkups import checkups_schedule
from peerway.resources.models import Resource
from peerway.workforce.models import PeerProfile
from tests.factories import MembershipFactory, OrganizationFactory, ParticipantFactory, UserFactory
from tests.helpers import Cast
from tests.recovery.records import peer_of, ready_engagement, record
from tests.test_staff_urls import iter_staff_url_names

SURNAME = "Vargrovexi"
NAME = f"Quintessa {SURNAME}"
PHONE = "(612) 555-0177"
REQUEST_NAME = "Zorbalindu"


@dataclass
class World:
    participant: Participant
    engagement: Engagement
    request: HelpRequest


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _riverbend_world(cast: Cast) -> World:
    """One Riverbend person in every list: an open engagement of Alice's with a contact awaiting co-sign, a
    referral due, an unread message, a crisis check-up and a check-in; and a first-call request offered to Alice
    whose supervisors were alerted."""
    cast.org.contact_cosign_policy = "all"
    cast.org.save()
    participant = ParticipantFactory(organization=cast.org, preferred_name=NAME, phone=PHONE)
    engagement = ready_engagement(cast, participant=participant)
    record(engagement, cast.alice)
    resource = Resource.objects.create(name="Sample Shared Pantry", category="food")
    Referral.objects.create(
        engagement=engagement,
        resource=resource,
        sent_at=timezone.now() - dt.timedelta(days=10),
        follow_up_on=timezone.localdate() - dt.timedelta(days=1),
    )
    Message.objects.create(engagement=engagement, sender=MessageSender.PARTICIPANT, body="Sample hello")
    checkups_schedule(engagement=engagement)
    first = engagement.checkups.order_by("sequence").first()
    assert first is not None
    Checkup.objects.filter(pk=first.pk).update(
        status=CheckupStatus.RECORDED, recorded_at=timezone.now(), reached=True, wellbeing="in_crisis"
    )
    instrument = Instrument.objects.get(organization=None, url__endswith="recovery-capital-checkin")
    checkin_record_by_staff(
        participant=participant,
        instrument=instrument,
        answers={item.link_id: "4" for item in instrument.definition.items},
        actor=cast.alice,
    )
    alice = peer_of(cast.alice, cast, "Alice")
    PeerProfile.objects.filter(pk=alice.pk).update(on_shift=True)
    request = HelpRequest.objects.create(
        status_token_hash=secrets.token_hex(32),
        status_token_expires_at=timezone.now() + dt.timedelta(days=1),
        contact_method="call",
        first_name=REQUEST_NAME,
        phone="(612) 555-0178",
        language=Language.objects.get(slug="en"),
        consent_to_contact=True,
    )
    request.offer()
    request.save()
    Offer.objects.create(request=request, peer=alice, score=1.0)
    EscalationAlert.objects.create(request=request, organization=cast.org)
    return World(participant=participant, engagement=engagement, request=request)


def _outsiders(cast: Cast) -> dict[str, User]:
    """Everyone who must never see the Riverbend person: each role of Prairie Light (Olive holds peer, supervisor and
    administrator there, with a profile on shift), its billing staff, and every platform role."""
    PeerProfile.objects.create(
        user=cast.olive, organization=cast.other_org, display_name="Olive", modalities=["phone"], on_shift=True
    )
    people = {"olive": cast.olive, "analyst": cast.analyst, "nobody": cast.nobody}
    prairie_billing = UserFactory(username="pat")
    MembershipFactory(user=prairie_billing, organization=cast.other_org, role="billing")
    people["pat"] = prairie_billing
    for kind, role in (
        ("cert_board", "board_admin"),
        ("cert_board", "org_admin"),
        ("accreditation_body", "evaluator"),
        ("state_agency", "platform_admin"),
        ("state_agency", "org_admin"),
    ):
        organization = OrganizationFactory(kind=kind)
        user = UserFactory(username=f"sample-{kind}-{role}".replace("_", "-"))
        MembershipFactory(user=user, organization=organization, role=role)
        people[user.username] = user
    return people


def _list_urls() -> Iterator[tuple[str, str]]:
    """Every staff URL that takes no identifier: the lists, queues, reports and exports."""
    for name in sorted(set(iter_staff_url_names())):
        try:
            yield name, reverse(name)
        except NoReverseMatch:
            continue


def _record_urls(world: World, cast: Cast) -> list[str]:
    participant, engagement = world.participant, world.engagement
    contact = engagement.contacts.get()
    checkin = participant.checkins.get()
    other = ParticipantFactory(organization=cast.org, phone=PHONE)
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


def test_no_list_report_or_export_shows_a_person_to_another_organization_or_a_platform_role(cast: Cast) -> None:
    _riverbend_world(cast)
    outsiders = _outsiders(cast)
    urls = list(_list_urls())
    assert ("recovery:caseload", reverse("recovery:caseload")) in urls
    # The person is in the lists: Riverbend's own staff see them there.
    for user, url, secret in (
        (cast.sam, reverse("recovery:team_caseload"), SURNAME),
        (cast.sam, reverse("recovery:contact_cosign_queue"), SURNAME),
        (cast.sam, reverse("recovery:checkup_relinks"), SURNAME),
        (cast.alice, reverse("recovery:referrals_due"), SURNAME),
        (cast.alice, reverse("workforce:queue"), REQUEST_NAME),
        (cast.sam, reverse("workforce:queue"), REQUEST_NAME),
    ):
        assert secret.encode() in _client(user).get(url).content, f"{user.username} does not see {secret} on {url}"
    for username, user in outsiders.items():
        client = _client(user)
        for name, url in urls:
            response = client.get(url)
            assert response.status_code in (200, 302, 404, 405), f"{username} got {response.status_code} on {url}"
            body = b"".join(response) if response.streaming else response.content
            for secret in (SURNAME, REQUEST_NAME):
                assert secret.encode() not in body, f"{username} saw {secret} on {name} ({url})"


def test_a_phone_search_never_finds_another_organizations_person(cast: Cast) -> None:
    world = _riverbend_world(cast)
    _outsiders(cast)
    url = reverse("recovery:participant_list")
    # Prairie Light has a person with the same phone number: its staff find theirs, never Riverbend's.
    theirs = ParticipantFactory(organization=cast.other_org, preferred_name="Sample Prairie Person", phone=PHONE)
    before = AccessEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    response = _client(cast.olive).post(url, {"phone": "612.555.0177"})
    assert response.status_code == 200
    assert SURNAME.encode() not in response.content
    assert b"Sample Prairie Person" in response.content
    logged = set(AccessEvent.objects.filter(id__gt=before).values_list("subject_id", flat=True))
    assert logged == {theirs.public_id}
    # Creating a record with the same phone at Prairie Light offers no Riverbend record as a possible duplicate.
    before = AccessEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    response = _client(cast.olive).post(
        reverse("recovery:participant_create"), {"preferred_name": "Sample New Person", "phone": PHONE}
    )
    assert SURNAME.encode() not in response.content
    assert world.participant.public_id not in set(
        AccessEvent.objects.filter(id__gt=before).values_list("subject_id", flat=True)
    )
    # Riverbend's own billing staff find Riverbend's only.
    response = _client(cast.bill).post(url, {"phone": PHONE})
    assert SURNAME.encode() in response.content
    assert b"Sample Prairie Person" not in response.content


@pytest.mark.parametrize("who", ["alice", "sam", "ada", "bill"])
def test_every_page_that_shows_the_person_to_their_own_staff_logs_it(cast: Cast, who: str) -> None:
    world = _riverbend_world(cast)
    user = getattr(cast, who)
    client = _client(user)
    pages = [url for _name, url in _list_urls()] + _record_urls(world, cast)
    shown_unlogged = []
    for url in pages:
        AccessEvent.objects.all().delete()
        response = client.get(url)
        assert response.status_code < 500, f"{who} got {response.status_code} on {url}"
        body = b"".join(response) if response.streaming else response.content
        if SURNAME.encode() in body:
            logged = AccessEvent.objects.filter(
                actor=user, organization=cast.org, subject_id=world.participant.public_id
            ).exists()
            if not logged:
                shown_unlogged.append(url)
        if (
            REQUEST_NAME.encode() in body
            and not AccessEvent.objects.filter(actor=user, subject_id=world.request.public_id).exists()
        ):
            # The queue logs only the first sight of an offer or alert: a refresh is not a new access.
            already = world.request.offers.filter(seen_at__isnull=False).exists() or (
                EscalationAlert.seen_by.through.objects.filter(user_id=user.pk).exists()
            )
            if not already:
                shown_unlogged.append(url)
    assert not shown_unlogged, f"{who} was shown the person without an access event on {shown_unlogged}"


BILLING_READS = {
    "participant_detail",
    "checkin_list",
    "checkin_chart",
    "engagement_detail",
    "engagement_plan",
    "engagement_referrals",
    "contact_detail",
    "checkin_fhir",
    "participant_compare",
}


def test_roles_held_in_another_organization_open_no_more_than_billing_here(cast: Cast) -> None:
    """Mia is billing staff at Riverbend and peer, supervisor and administrator at Prairie Light: on Riverbend's
    person she reads what billing reads, and every page for peers or leads is a 404."""
    world = _riverbend_world(cast)
    mia = UserFactory(username="mia")
    MembershipFactory(user=mia, organization=cast.org, role="billing")
    for role in ("peer", "supervisor", "org_admin"):
        MembershipFactory(user=mia, organization=cast.other_org, role=role)
    client = _client(mia)
    wrong = []
    for url in _record_urls(world, cast):
        name = resolve(url).url_name
        status = client.get(url).status_code
        expected = 200 if name in BILLING_READS else 404
        if status != expected:
            wrong.append((name, status))
    assert not wrong, f"pages that answered Mia otherwise than billing staff: {wrong}"
