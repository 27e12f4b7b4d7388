"""What `peerway seed --scale small` writes: every kind of organization, fictional identifiers, coherent
first calls, offers, engagements and check-ups.

These tests only read what the seed wrote, so the module seeds once (about six seconds a seed) and each test
runs in a savepoint inside that seeding's transaction, rolled back after it; the seed itself is rolled back
when the module ends. How the seed runs (determinism, usage errors, a failing stage) is in test_seed.py.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, models, transaction
from django.http import Http404
from django.test import override_settings
from django.urls import reverse
from pytest_django import DjangoDbBlocker

from peerway.accounts.models import Membership, User
from peerway.accounts.roles import ROLE_ORG_KINDS, Role
from peerway.core.seed import SeedReport, seed_run
from peerway.intake.models import EscalationAlert, HelpRequest, Offer, OfferStatus, RequestSource, RequestStatus
from peerway.organizations.models import Organization, OrganizationKind, Site
from peerway.privacy.fields import phone_index
from peerway.recovery.models import (
    Contact,
    Engagement,
    EngagementHandoff,
    EngagementStatus,
    Participant,
    PeerAttestation,
)
from peerway.workforce.models import PeerProfile, PeerStatus, WeeklyShift

TODAY = dt.date(2026, 11, 23)
ANCHOR = dt.datetime(2026, 11, 23, 6, 0, tzinfo=dt.UTC)  # midnight starting TODAY in Minnesota (CST), in UTC
FICTIONAL_PHONE = re.compile(r"^\(\d{3}\) 555-01\d\d$")


@dataclass(frozen=True)
class Seeded:
    report: SeedReport
    var_dir: Path  # where the seed wrote demo-accounts.json


@pytest.fixture(scope="module")
def seeded(
    django_db_setup: None, django_db_blocker: DjangoDbBlocker, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Seeded]:
    """The small seed (seed 42), written once for the module and rolled back when the module ends.

    Each test's own transaction (pytest-django's, from the django_db mark) becomes a savepoint inside this one,
    so what a test writes (an audit event, say) is gone before the next test."""
    var_dir = tmp_path_factory.mktemp("seed-var")
    with django_db_blocker.unblock(), override_settings(VAR_DIR=var_dir), transaction.atomic():
        report = seed_run(scale="small", seed=42, today=TODAY, progress=False)
        yield Seeded(report=report, var_dir=var_dir)
        transaction.set_rollback(True)


# The language that goes with a community, for communities that have one of their own.
COMMUNITY_LANGUAGES = {
    "somali": "so",
    "hmong": "hmn",
    "latino-mexican": "es",
    "latino-central-american": "es",
    "oromo": "om",
    "ethiopian": "am",
    "karen": "ksw",
    "vietnamese": "vi",
}


def slugs(terms: Any) -> set[str]:
    return {term.slug for term in terms.all()}


@pytest.mark.django_db
def test_the_small_scale_has_every_kind_of_organization_in_several_regions(seeded: Seeded) -> None:
    organizations = list(Organization.objects.all())
    assert len(organizations) >= 12
    assert {org.kind for org in organizations} == set(OrganizationKind.values)
    assert sum(1 for org in organizations if org.kind == OrganizationKind.RCO) >= 3
    regions = set(
        Site.objects.filter(organization__kind__in=["rco", "sud_245g"]).values_list("county__region", flat=True)
    )
    assert len(regions) >= 3
    for org in organizations:
        assert org.sites.exists(), f"{org.slug} has no site"
        if org.serves_people:
            assert org.service_counties.exists(), f"{org.slug} serves no county"
    assert 30 <= Membership.objects.filter(role=Role.PEER).count() <= 60
    # 300 participants of their own, plus one for every first call a peer accepted; an accepted re-link from a
    # check-up continues the person's own record (test_seed_relinks.py).
    first_calls = HelpRequest.objects.exclude(source=RequestSource.RELINK)
    accepted = first_calls.exclude(accepted_by=None).count()
    assert accepted > 100
    assert Participant.objects.count() == 300 + accepted
    assert 140 <= first_calls.count() <= 150
    assert seeded.report.total_rows > 0


@pytest.mark.django_db
def test_every_membership_is_a_role_its_organization_may_hold(seeded: Seeded) -> None:
    for role, kind in Membership.objects.values_list("role", "organization__kind"):
        assert kind in ROLE_ORG_KINDS[Role(role)], f"{role} in a {kind} organization"


@pytest.mark.django_db
def test_demo_accounts_cover_each_role_of_each_organization_and_sign_in(seeded: Seeded) -> None:
    accounts = json.loads((seeded.var_dir / "demo-accounts.json").read_text())
    held = set(Membership.objects.values_list("organization__slug", "role"))
    published = [(account["organization"], account["role"]) for account in accounts]
    assert sorted(published) == sorted(held), "one demo account per role per organization"
    for account in accounts:
        user = User.objects.get(username=account["username"])
        assert user.check_password(account["password"]), account["username"]
        assert user.memberships.filter(organization__slug=account["organization"], role=account["role"]).exists()
    demo_usernames = {account["username"] for account in accounts}
    others = User.objects.exclude(username__in=demo_usernames)
    assert others.exists()
    assert not any(user.has_usable_password() for user in others), "only demo accounts may sign in"
    assert "riverbend-peer" in demo_usernames


@pytest.mark.django_db
def test_identifiers_are_fictional_and_timestamps_lie_within_five_years_of_today(seeded: Seeded) -> None:
    for email in User.objects.values_list("email", flat=True):
        assert email.endswith(("@example.org", "@example.test")), email
    participants = list(Participant.objects.all())
    assert any(p.phone for p in participants) and any(p.email for p in participants)
    for participant in participants:
        assert participant.phone is None or FICTIONAL_PHONE.match(participant.phone), participant.phone
        assert participant.email is None or participant.email.endswith(("@example.org", "@example.test"))
        assert participant.medicaid_id is None or participant.medicaid_id.startswith("DEMO-")
        assert ANCHOR - dt.timedelta(days=5 * 365) <= participant.created_at <= participant.updated_at <= ANCHOR
    assert all(joined <= ANCHOR for joined in User.objects.values_list("date_joined", flat=True))


@pytest.mark.django_db
def test_no_plaintext_phone_reaches_the_participant_table(seeded: Seeded) -> None:
    phones = {p.phone: p.phone_index for p in Participant.objects.all() if p.phone}
    assert phones
    with connection.cursor() as cursor:
        cursor.execute("SELECT phone, preferred_name, email, medicaid_id, phone_index FROM recovery_participant")
        rows = cursor.fetchall()
    for row in rows:
        for value in row:
            assert value is None or "555-01" not in value
        stored_phone = row[0]
        assert stored_phone is None or stored_phone.startswith("gAAAAA"), "a Fernet token"
    # The blind index is what lets staff find a phone number without the database holding it.
    for phone, index in phones.items():
        assert index == phone_index(phone)


@pytest.mark.django_db
def test_every_peer_has_a_profile_with_weekly_shifts_and_about_a_third_are_on_shift(seeded: Seeded) -> None:
    profiles = list(PeerProfile.objects.select_related("user").prefetch_related("shifts", "service_counties"))
    peer_users = set(Membership.objects.filter(role=Role.PEER).values_list("user_id", flat=True))
    assert peer_users <= {profile.user_id for profile in profiles}
    supervisors = set(Membership.objects.filter(role=Role.SUPERVISOR).values_list("user_id", flat=True))
    for profile in profiles:
        assert profile.display_name == profile.user.first_name
        assert 0 < len(profile.introduction) <= 600
        # A supervisor who carries a caseload carries a small one.
        assert (
            (4 <= profile.caseload_limit <= 10)
            if profile.user_id in supervisors
            else (15 <= profile.caseload_limit <= 40)
        )
        assert profile.modalities
        assert profile.shifts.all(), f"{profile.display_name} has no shifts"
        if profile.service_counties.all():
            assert "in_person" in profile.modalities
            assert profile.latitude is not None and profile.longitude is not None
    on_shift = [profile for profile in profiles if profile.on_shift]
    assert 0.15 <= len(on_shift) / len(profiles) <= 0.5
    for profile in on_shift:
        assert profile.status == PeerStatus.ACTIVE
        assert profile.on_shift_since is not None and profile.on_shift_since <= ANCHOR
    assert all(shift.starts_at < shift.ends_at for shift in WeeklyShift.objects.all())


@pytest.mark.django_db
def test_peers_mostly_speak_their_communitys_language_and_on_shift_peers_speak_several(seeded: Seeded) -> None:
    profiles = list(PeerProfile.objects.prefetch_related("languages", "communities"))
    speakers = members = 0
    for profile in profiles:
        for community in slugs(profile.communities):
            if community in COMMUNITY_LANGUAGES:
                members += 1
                speakers += COMMUNITY_LANGUAGES[community] in slugs(profile.languages)
    assert members >= 5
    assert speakers / members >= 0.7
    on_shift_languages = {slug for profile in profiles if profile.on_shift for slug in slugs(profile.languages)}
    assert len(on_shift_languages - {"en"}) >= 2, on_shift_languages


@pytest.mark.django_db
def test_an_accepted_request_has_one_accepted_offer_and_one_engagement_in_the_peers_organization(
    seeded: Seeded,
) -> None:
    accepted = list(
        HelpRequest.objects.exclude(accepted_by=None).select_related("accepted_by", "engagement__participant")
    )
    assert len(accepted) > 100
    for request in accepted:
        assert request.status in (RequestStatus.ACCEPTED, RequestStatus.CONNECTED, RequestStatus.CLOSED)
        winners = list(request.offers.filter(status=OfferStatus.ACCEPTED).values_list("peer_id", flat=True))
        assert winners == [request.accepted_by_id]
        engagement = request.engagement
        organization_id = request.accepted_by.organization_id
        assert request.organization_id == organization_id
        assert engagement.organization_id == engagement.participant.organization_id == organization_id
        assert engagement.peer_id == request.accepted_by_id
        assert engagement.started_at == request.accepted_at
        assert request.created_at < request.accepted_at <= request.created_at + dt.timedelta(days=1)
        assert request.accepted_at <= ANCHOR
    # Engagements from first calls; the "engagements" stage adds years of history without one.
    from_calls = Engagement.objects.filter(help_request__isnull=False)
    assert not from_calls.filter(help_request__accepted_by=None).exists()
    assert not Offer.objects.filter(status=OfferStatus.ACCEPTED, request__accepted_by=None).exists()
    # Engagements begun in the last month are active, unless the peer never reached the person.
    recent = from_calls.filter(started_at__gte=ANCHOR - dt.timedelta(days=30))
    assert recent.filter(status=EngagementStatus.ACTIVE).exists()
    assert not recent.exclude(status=EngagementStatus.ACTIVE).exclude(help_request__connected_at=None).exists()
    caseloads: dict[int, int] = {}
    for peer_id in from_calls.filter(status=EngagementStatus.ACTIVE).values_list("peer_id", flat=True):
        caseloads[peer_id] = caseloads.get(peer_id, 0) + 1
    for profile in PeerProfile.objects.filter(pk__in=caseloads):
        assert caseloads[profile.pk] <= profile.caseload_limit


@pytest.mark.django_db
def test_offer_explanations_list_exactly_the_terms_the_request_and_the_peer_both_have(seeded: Seeded) -> None:
    offers = Offer.objects.select_related("request__language", "peer").prefetch_related(
        *(
            f"{side}__{field}"
            for side in ("request", "peer")
            for field in ("communities", "lived_experience", "pathways")
        ),
        "peer__languages",
    )
    assert offers.count() > 150
    for offer in offers:
        request, peer, shared = offer.request, offer.peer, offer.explanation
        assert set(shared) == {
            "languages",
            "communities",
            "lived_experience",
            "pathways",
            "modalities",
            "gender_preference_met",
            "age_band_preference_met",
            "distance_km",
        }
        assert set(shared["languages"]) == {request.language.slug} & slugs(peer.languages)
        for field in ("communities", "lived_experience", "pathways"):
            assert set(shared[field]) == slugs(getattr(request, field)) & slugs(getattr(peer, field)), field
        # In person counts as shared only where they can meet, which is when the explanation has a distance.
        common = set(request.modalities) & set(peer.modalities)
        assert set(shared["modalities"]) == (common if shared["distance_km"] is not None else common - {"in_person"})
        # Hard rules of the engine: a common way to meet, and the language when the person needs it.
        assert shared["modalities"]
        assert shared["languages"] or not request.language_required
        expected = None if not request.gender_preference else request.gender_preference == peer.gender
        assert shared["gender_preference_met"] == expected


@pytest.mark.django_db
def test_in_person_offers_reach_every_county_a_peer_serves_as_matching_does(seeded: Seeded) -> None:
    """The seed measured a peer's in-person reach from the first county they serve only, while matching counts
    every county they serve (matching.service.peer_spec): a person in a peer's second county was never offered
    that peer. Every seeded in-person offer must pass the live rule, and some reach a county beyond the radius."""
    from peerway.matching.constraints import Constraint, can_meet_in_person, hard_constraint_failures
    from peerway.matching.service import peer_spec, request_spec

    offers = Offer.objects.select_related("request__language", "peer").prefetch_related(
        *(f"request__{field}" for field in ("communities", "lived_experience", "pathways")),
        *(f"peer__{field}" for field in ("languages", "communities", "lived_experience", "pathways")),
        "peer__service_counties",
    )
    beyond_home: list[str] = []
    for offer in offers:
        request, peer = offer.request, offer.peer
        if set(request.modalities) & set(peer.modalities) != {"in_person"}:
            continue
        spec = request_spec(request)
        live = peer_spec(peer, request=spec, request_county_id=request.county_id)
        assert Constraint.IN_RANGE not in hard_constraint_failures(spec, live), offer.pk
        if not can_meet_in_person(spec, peer_spec(peer)):
            assert request.county_id in {county.pk for county in peer.service_counties.all()}
            beyond_home.append(f"{request.public_id} -> {peer.display_name}")
    assert beyond_home, "no in-person offer reaches a county a peer serves beyond their home radius"


@pytest.mark.django_db
def test_some_open_requests_wait_because_no_peer_on_shift_speaks_their_language(seeded: Seeded) -> None:
    on_shift_languages = set(
        PeerProfile.objects.filter(on_shift=True, status=PeerStatus.ACTIVE).values_list("languages__slug", flat=True)
    )
    received = list(HelpRequest.objects.filter(status=RequestStatus.RECEIVED).select_related("language"))
    unmet = [request for request in received if request.routing_note.get("code") == "no_peer_speaks_language"]
    assert unmet
    for request in unmet:
        assert request.language_required
        assert request.routing_note["languages"] == [request.language.slug]
        assert request.language.slug not in on_shift_languages
        assert "next_shift_at" in request.routing_note
        assert not request.offers.exists()
    offered = list(HelpRequest.objects.filter(status=RequestStatus.OFFERED))
    assert offered
    for request in offered:
        assert request.offers.filter(status=OfferStatus.OFFERED).exists()
        assert request.created_at <= (request.last_offered_at or ANCHOR) <= ANCHOR
    open_alerts = list(EscalationAlert.objects.filter(resolved_at=None).select_related("request"))
    assert 1 <= len(open_alerts) <= 3
    for alert in open_alerts:
        assert alert.request.status == RequestStatus.OFFERED
        assert alert.request.escalation_level == 2


@pytest.mark.django_db
def test_the_demo_peer_is_on_shift_with_one_or_two_offers_in_their_live_queue(seeded: Seeded, client: Any) -> None:
    accounts = json.loads((seeded.var_dir / "demo-accounts.json").read_text())
    assert any(account["username"] == "riverbend-peer" for account in accounts)
    user = User.objects.get(username="riverbend-peer")
    assert PeerProfile.objects.get(user=user).on_shift
    offers = Offer.objects.filter(peer__user=user, status=OfferStatus.OFFERED, request__status=RequestStatus.OFFERED)
    assert 1 <= offers.count() <= 2

    client.force_login(user)
    response = client.get("/staff/queue/")

    assert response.status_code == 200
    page = response.content.decode()
    for offer in offers:
        assert str(offer.public_id) in page


@pytest.mark.django_db
def test_help_requests_keep_only_a_hash_of_the_status_token_and_no_plaintext_contact(seeded: Seeded) -> None:
    hashes = list(HelpRequest.objects.values_list("status_token_hash", flat=True))
    assert len(set(hashes)) == len(hashes)
    assert all(re.fullmatch(r"[0-9a-f]{64}", value) for value in hashes)
    with connection.cursor() as cursor:
        cursor.execute("SELECT first_name, phone, email, communities_own_words FROM intake_helprequest")
        rows = cursor.fetchall()
    assert any(row[1] for row in rows)
    for row in rows:
        for value in row:
            assert value is None or not any(plain in value for plain in ("555-01", "example.org", "example.test"))
    for request in HelpRequest.objects.exclude(phone=None):
        assert FICTIONAL_PHONE.match(request.phone), request.phone
        assert request.phone_index == phone_index(request.phone)
    # People asking use example.org; a re-link copies the address of the participant's record (example.test).
    for email in HelpRequest.objects.exclude(email=None).values_list("email", flat=True):
        assert email.endswith(("@example.org", "@example.test"))


@pytest.mark.django_db
def test_seeding_a_database_that_has_organizations_is_refused(seeded: Seeded) -> None:
    with pytest.raises(CommandError, match="already has organizations"):
        call_command("seed", "--scale", "small", "--no-progress", stdout=io.StringIO(), stderr=io.StringIO())


@pytest.mark.django_db
def test_check_ups_follow_each_engagement_with_recorded_past_and_scheduled_future(seeded: Seeded) -> None:
    from peerway.recovery.models import Checkup, CheckupStatus

    engagements = Engagement.objects.count()
    assert engagements
    assert Checkup.objects.values("engagement").distinct().count() == engagements
    assert Checkup.objects.filter(sequence=20).count() == engagements  # quarterly for five years
    assert not Checkup.objects.filter(status=CheckupStatus.RECORDED, due_on__gte=TODAY).exists()
    assert not Checkup.objects.filter(
        status=CheckupStatus.SCHEDULED, engagement__status=EngagementStatus.CLOSED, due_on__gte=TODAY
    ).exists()
    assert not Checkup.objects.filter(recorded_at__gt=ANCHOR).exists()


@pytest.mark.django_db
def test_engagements_span_five_years_with_contacts_versions_and_locks(seeded: Seeded) -> None:
    from peerway.recovery.models import Contact, ContactVersion, EngagementHandoff, PeerAttestation

    statuses = set(Engagement.objects.values_list("status", flat=True))
    assert statuses == {"active", "checkup", "closed"}
    assert Engagement.objects.filter(started_at__lt=ANCHOR - dt.timedelta(days=3 * 365)).exists()
    # The heavy caseload of the first organization (bench/caseload.py measures such caseloads at --scale large)
    # is among the five busiest and reaches back into the first of the five years.
    caseloads = Engagement.objects.values("peer__user__username").annotate(
        n=models.Count("id"), first=models.Min("started_at")
    )
    heavy = caseloads.get(peer__user__username="riverbend-peer")
    assert heavy["n"] >= sorted(row["n"] for row in caseloads)[-5]
    assert heavy["first"] < ANCHOR - dt.timedelta(days=4 * 365)
    assert not Engagement.objects.filter(voluntary_notice_at=None).exists()
    for engagement in Engagement.objects.all()[:200]:
        assert PeerAttestation.objects.filter(engagement=engagement, peer_id=engagement.peer_id).exists()
    assert EngagementHandoff.objects.exists()
    several = Engagement.objects.values("participant_id").annotate(n=models.Count("id")).filter(n__gt=1)
    assert several.exists()
    assert not Contact.objects.filter(current_version=None).exists()
    assert Contact.objects.exclude(locked_at=None).filter(locked_version=None).count() == 0
    assert ContactVersion.objects.filter(number=2).exists()
    assert not Contact.objects.filter(occurred_at__gt=ANCHOR).exists()
    assert not ContactVersion.objects.filter(created_at__gt=ANCHOR).exists()


@pytest.mark.django_db
def test_every_profile_belongs_to_someone_who_holds_the_peer_role_there(seeded: Seeded) -> None:
    """The app offers requests and shows a caseload only to holders of the peer role, so a supervisor who
    carries a caseload holds a peer membership too, and never more active engagements than their limit."""
    peer_roles = set(Membership.objects.filter(role=Role.PEER, active=True).values_list("user_id", "organization_id"))
    profiles = list(PeerProfile.objects.all())
    assert all((profile.user_id, profile.organization_id) in peer_roles for profile in profiles)
    supervisors = set(Membership.objects.filter(role=Role.SUPERVISOR).values_list("user_id", "organization_id"))
    carrying = [profile for profile in profiles if (profile.user_id, profile.organization_id) in supervisors]
    assert carrying, "some supervisors carry a caseload"
    for profile in carrying:
        active = Engagement.objects.filter(peer=profile, status=EngagementStatus.ACTIVE).count()
        assert active <= profile.caseload_limit, profile.user.username
    # Each of their peer roles was recorded before the profile it let them fill in.
    for membership in Membership.objects.filter(role=Role.PEER, user__memberships__role=Role.SUPERVISOR):
        profile = PeerProfile.objects.get(user_id=membership.user_id, organization_id=membership.organization_id)
        assert membership.user.date_joined <= membership.created_at <= profile.created_at


@pytest.mark.django_db
def test_every_seeded_open_engagement_is_on_its_peers_own_caseload(seeded: Seeded) -> None:
    """The seed gave half the supervisors a PeerProfile and routed first calls to them, but the app offers
    requests only to holders of the peer role, and /staff/caseload/ is a 404 for anyone who is not a peer: the
    seeded people of those supervisors were on nobody's caseload."""
    from peerway.recovery.selectors.caseload import caseload_for_user

    lost: list[str] = []
    open_engagements = Engagement.objects.filter(
        status__in=[EngagementStatus.ACTIVE, EngagementStatus.CHECKUP]
    ).select_related("peer__user")
    by_user: dict[int, set[int]] = {}
    users = {}
    for engagement in open_engagements:
        by_user.setdefault(engagement.peer.user_id, set()).add(engagement.pk)
        users[engagement.peer.user_id] = engagement.peer.user
    for user_id, engagement_ids in by_user.items():
        try:
            shown = {row.engagement.pk for row in caseload_for_user(users[user_id], today=TODAY)}
        except Http404:
            shown = set()
        if engagement_ids - shown:
            lost.append(f"{users[user_id].username}: {len(engagement_ids - shown)} of {len(engagement_ids)}")
    assert not lost, f"open engagements missing from their own peer's caseload: {lost}"


@pytest.mark.django_db
def test_no_seeded_peer_works_with_a_person_before_joining_the_organization(seeded: Seeded) -> None:
    """Engagements, attestations and contacts of a peer must not predate the peer's account (date_joined)."""
    engagements = Engagement.objects.filter(started_at__lt=models.F("peer__user__date_joined"))
    attestations = PeerAttestation.objects.filter(attested_at__lt=models.F("peer__user__date_joined"))
    contacts = Contact.objects.filter(occurred_at__lt=models.F("peer__user__date_joined"))
    worst = max(
        ((e.peer.user.date_joined - e.started_at) for e in engagements.select_related("peer__user")),
        default=dt.timedelta(0),
    )
    assert (engagements.count(), attestations.count(), contacts.count()) == (0, 0, 0), (
        f"before the peer joined: {engagements.count()} engagements (up to {worst.days} days early), "
        f"{attestations.count()} attestations, {contacts.count()} contacts"
    )
    # Nor does their profile: an engagement goes to a peer whose profile existed when it began.
    assert not Engagement.objects.filter(started_at__lt=models.F("peer__created_at")).exists()
    # Nor did anyone enter a first call for a person before joining.
    assert HelpRequest.objects.exclude(entered_by=None).exists()
    assert not HelpRequest.objects.filter(created_at__lt=models.F("entered_by__date_joined")).exists()


@pytest.mark.django_db
def test_check_up_phases_say_when_they_began_and_hand_offs_who_made_them(seeded: Seeded) -> None:
    in_checkup = Engagement.objects.filter(status=EngagementStatus.CHECKUP)
    assert in_checkup.filter(help_request__isnull=False).exists(), "first calls reach the check-up phase too"
    for engagement in in_checkup:
        assert engagement.checkup_since is not None
        assert engagement.started_at < engagement.checkup_since < ANCHOR
    handoffs = list(EngagementHandoff.objects.select_related("engagement", "handed_off_by", "to_peer"))
    assert handoffs
    for handoff in handoffs:
        lead = handoff.handed_off_by
        assert lead is not None
        assert lead.memberships.filter(
            organization_id=handoff.engagement.organization_id, role__in=[Role.SUPERVISOR, Role.ORG_ADMIN]
        ).exists()
        assert lead.date_joined <= handoff.handed_off_at
        assert handoff.to_peer.created_at <= handoff.handed_off_at
        assert PeerAttestation.objects.filter(
            engagement=handoff.engagement, peer=handoff.to_peer, attested_at=handoff.handed_off_at
        ).exists()


@pytest.mark.django_db
def test_a_demo_supervisor_who_carries_a_caseload_has_both_roles_pages(seeded: Seeded, client: Any) -> None:
    accounts = json.loads((seeded.var_dir / "demo-accounts.json").read_text())
    supervisors = {account["username"] for account in accounts if account["role"] == Role.SUPERVISOR}
    both = User.objects.filter(username__in=supervisors, memberships__role=Role.PEER).distinct()
    assert both.exists(), "at the small scale some organizations' only supervisor carries a caseload"
    for user in both:
        client.force_login(user)
        for name in ("staff:home", "recovery:caseload", "recovery:team_caseload", "workforce:queue"):
            assert client.get(reverse(name)).status_code == 200, (user.username, name)
        caseload = client.get(reverse("recovery:caseload")).content.decode()
        for engagement in Engagement.objects.filter(
            peer__user=user, status__in=[EngagementStatus.ACTIVE, EngagementStatus.CHECKUP]
        ):
            assert str(engagement.public_id) in caseload, user.username
