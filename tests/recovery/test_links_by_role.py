"""Every link a staff page shows leads to a page that opens for the same user.

A link is offered only when the rule that guards its page lets this user in: the crawl below signs in as each
role of the cast (and as administrators of the organizations that serve nobody directly), follows every link
under /staff/ on the pages of people's records and on the staff home, and asks each for a 200.
"""

from __future__ import annotations

import html
import re
from collections import deque
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import pytest
from django.test import Client
from django.urls import reverse

from peerway.accounts.models import User
from peerway.organizations.models import Organization
from peerway.recovery.models import Engagement, Participant
from peerway.recovery.services.checkups import checkups_schedule
from tests.factories import MembershipFactory, OrganizationFactory, ParticipantFactory, UserFactory, peer_profile
from tests.helpers import Cast
from tests.recovery.records import peer_of, ready_engagement, record

HREF = re.compile(r"""<a\b[^>]*\bhref=["']([^"']+)["']""", re.IGNORECASE)
STAFF = "/staff/"
# The record pages and the staff home: their links are followed, and the links of the pages they lead to are
# checked in turn while they stay among these pages.
FOLLOWED = ("/staff/participants/", "/staff/engagements/", "/staff/contacts/", "/staff/checkups/")
MAX_PAGES = 250


@dataclass
class World:
    cast: Cast
    participant: Participant
    own: Engagement  # Alice's
    others: Engagement  # another peer's, same person
    contact_id: str
    board: User  # administrator of a certification board
    accreditor: User  # administrator of the accreditation body
    state_admin: User  # administrator of the state agency


def _admin_of(kind: str, username: str) -> tuple[Organization, User]:
    organization = OrganizationFactory(name=f"{username} org", slug=f"{username}-org", kind=kind)
    user = UserFactory(username=username)
    MembershipFactory(user=user, organization=organization, role="org_admin")
    return organization, user


@pytest.fixture
def world(cast: Cast) -> World:
    peer_of(cast.alice, cast, "Alice")
    participant = ParticipantFactory(organization=cast.org)
    own = ready_engagement(cast, participant=participant)
    checkups_schedule(engagement=own)
    contact = record(own, cast.alice)
    other_peer = peer_profile(cast.org, name="Pat")
    others = Engagement.objects.create(
        participant=participant, organization=cast.org, peer=other_peer, program="rco", started_at=own.started_at
    )
    checkups_schedule(engagement=others)
    _board_org, board = _admin_of("cert_board", "boardadmin")
    _accreditation_org, accreditor = _admin_of("accreditation_body", "accreditor")
    state_admin = UserFactory(username="stateadmin")
    MembershipFactory(user=state_admin, organization=cast.state, role="org_admin")
    return World(
        cast=cast,
        participant=participant,
        own=own,
        others=others,
        contact_id=str(contact.public_id),
        board=board,
        accreditor=accreditor,
        state_admin=state_admin,
    )


def _links(page_url: str, body: str) -> list[str]:
    found = []
    for raw in HREF.findall(body):
        absolute = urljoin(page_url, html.unescape(raw))
        parts = urlsplit(absolute)
        if parts.netloc or not parts.path.startswith(STAFF):
            continue
        found.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return found


def crawl(user: User, seeds: list[str]) -> tuple[list[str], dict[str, int]]:
    """GET the seeds as ``user``, then every /staff/ link on them and, among the record pages, on the pages they
    lead to; return what failed as "source -> link: status" (a seed that does not open is not followed), and the
    status of every page visited."""
    client = Client()
    client.force_login(user)
    failures: list[str] = []
    status: dict[str, int] = {}
    queue: deque[tuple[str, str]] = deque((seed, "") for seed in seeds)
    while queue and len(status) < MAX_PAGES:
        url, source = queue.popleft()
        if url not in status:
            response = client.get(url)
            status[url] = response.status_code
            if response.status_code == 200 and response["Content-Type"].startswith("text/html"):
                follow = not source or urlsplit(url).path.startswith(FOLLOWED)
                if follow:
                    for link in _links(url, response.content.decode()):
                        queue.append((link, url))
        if source and status[url] != 200:
            failures.append(f"{user.username}: {source} -> {url}: {status[url]}")
    assert len(status) < MAX_PAGES, "the crawl did not finish; raise MAX_PAGES"
    return sorted(set(failures)), status


def _seeds(world: World) -> list[str]:
    return [
        reverse("staff:home"),
        reverse("recovery:participant_list"),
        reverse("recovery:participant_detail", args=[world.participant.public_id]),
        reverse("recovery:engagement_detail", args=[world.own.public_id]),
        reverse("recovery:engagement_detail", args=[world.others.public_id]),
        reverse("recovery:contact_detail", args=[world.contact_id]),
    ]


ROLES = ["alice", "sam", "ada", "bill", "olive", "analyst", "nobody", "board", "accreditor", "state_admin"]


def _user(world: World, name: str) -> User:
    return getattr(world, name, None) or getattr(world.cast, name)


@pytest.mark.parametrize("who", ROLES)
def test_every_link_on_the_record_pages_opens(world: World, who: str) -> None:
    failures, visited = crawl(_user(world, who), _seeds(world))
    assert not failures, "links that do not open:\n" + "\n".join(failures)
    assert visited[reverse("staff:home")] == 200


def _page(user: User, url: str) -> str:
    client = Client()
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200, f"{user.username} got {response.status_code} on {url}"
    return response.content.decode()


def _url(name: str, *args: object) -> str:
    return reverse(name, args=list(args))


def test_the_participant_page_offers_each_role_what_it_may_open(world: World) -> None:
    cast, participant = world.cast, world.participant
    detail = _url("recovery:participant_detail", participant.public_id)
    edit = _url("recovery:participant_edit", participant.public_id)
    start = _url("recovery:engagement_start", participant.public_id)
    history = _url("recovery:participant_access_history", participant.public_id)
    private_link = _url("recovery:participant_space_link", participant.public_id)
    own_checkups, others_checkups = (_url("recovery:checkup_list", e.public_id) for e in (world.own, world.others))
    own_messages, others_messages = (
        _url("recovery:engagement_messages", e.public_id) for e in (world.own, world.others)
    )
    everything = {edit, start, history, private_link, own_checkups, others_checkups, own_messages, others_messages}
    expected = {
        # Supervisors and administrators: everything, including the access history and others' messages (cover).
        cast.sam: everything,
        cast.ada: everything,
        # A peer: the record's actions and check-ups, but only their own engagement's messages, and no history.
        cast.alice: everything - {history, others_messages},
        # Billing reads the record and changes nothing.
        cast.bill: set(),
    }
    for user, offered in expected.items():
        body = _page(user, detail)
        for url in everything:
            assert (f'"{url}"' in body) == (url in offered), f"{user.username}: {url} offered={url in offered}"


def test_the_contact_page_offers_correcting_and_co_signing_by_their_rules(world: World) -> None:
    contact_url = _url("recovery:contact_detail", world.contact_id)
    correct = _url("recovery:contact_correct", world.contact_id)
    for user, offered in ((world.cast.alice, True), (world.cast.sam, True), (world.cast.bill, False)):
        assert (correct in _page(user, contact_url)) is offered, user.username


def test_the_plan_offers_messages_only_to_who_may_read_them(world: World) -> None:
    for engagement, user, offered in (
        (world.own, world.cast.alice, True),
        (world.others, world.cast.alice, False),
        (world.others, world.cast.sam, True),
        (world.own, world.cast.bill, False),
    ):
        body = _page(user, _url("recovery:engagement_plan", engagement.public_id))
        assert (_url("recovery:engagement_messages", engagement.public_id) in body) is offered, user.username


def test_new_participant_is_offered_to_who_may_create_one(world: World) -> None:
    new = _url("recovery:participant_create")
    for user, offered in ((world.cast.alice, True), (world.cast.ada, True), (world.cast.bill, False)):
        assert (new in _page(user, _url("recovery:participant_list"))) is offered, user.username


NON_SERVICE_ADMINS = ["board", "accreditor", "state_admin"]


@pytest.mark.parametrize("who", NON_SERVICE_ADMINS)
def test_the_staff_home_offers_non_service_administrators_no_records_and_no_access_log(world: World, who: str) -> None:
    body = _page(_user(world, who), reverse("staff:home"))
    assert reverse("recovery:participant_list") not in body
    assert reverse("staff:access_log_export") not in body


def test_the_staff_home_offers_an_rco_administrator_records_and_the_access_log(world: World) -> None:
    body = _page(world.cast.ada, reverse("staff:home"))
    assert reverse("recovery:participant_list") in body
    assert reverse("staff:access_log_export") in body


@pytest.mark.parametrize("who", [*NON_SERVICE_ADMINS, "analyst"])
def test_non_service_roles_open_no_participant_page(world: World, who: str) -> None:
    """People's records belong to service organizations only: a role held only in a board, the accreditation
    body or the state agency opens no participant page, not even the list or the form for a new one."""
    user = _user(world, who)
    # A record filed under the user's own (non-service) organization, as a defect could once have made it, is no
    # more visible than one of the RCO's.
    own_org = user.memberships.get().organization
    stray = ParticipantFactory(organization=own_org)
    stray_engagement = Engagement.objects.create(
        participant=stray,
        organization=own_org,
        peer=world.own.peer,
        program="rco",
        started_at=world.own.started_at,
    )
    urls = [_url("recovery:participant_list"), _url("recovery:participant_create")]
    for participant in (world.participant, stray):
        urls += [
            _url(name, participant.public_id)
            for name in (
                "recovery:participant_detail",
                "recovery:participant_edit",
                "recovery:participant_access_history",
                "recovery:engagement_start",
                "recovery:checkin_list",
            )
        ]
    for engagement in (world.own, stray_engagement):
        urls += [
            _url(name, engagement.public_id)
            for name in (
                "recovery:engagement_detail",
                "recovery:engagement_plan",
                "recovery:engagement_messages",
                "recovery:checkup_list",
                "recovery:engagement_referrals",
            )
        ]
    urls += [_url("recovery:contact_detail", world.contact_id), _url("recovery:contact_cosign_queue")]
    client = Client()
    client.force_login(user)
    for url in urls:
        assert client.get(url).status_code == 404, f"{user.username} opened {url}"
    count = Participant.objects.count()
    response = client.post(_url("recovery:participant_create"), {"preferred_name": "Sample Stray", "phone": ""})
    assert response.status_code == 404
    response = client.post(_url("recovery:participant_list"), {"phone": "612 555 0100"})
    assert response.status_code == 404
    assert Participant.objects.count() == count


def test_an_rco_administrator_who_also_runs_a_board_creates_records_in_the_rco(world: World) -> None:
    from peerway.recovery.selectors.participants import organization_for_new_record_or_none

    board_org = world.board.memberships.get().organization
    MembershipFactory(user=world.cast.ada, organization=board_org, role="org_admin")
    assert organization_for_new_record_or_none(world.cast.ada) == world.cast.org
    assert organization_for_new_record_or_none(world.board) is None
    assert organization_for_new_record_or_none(world.cast.bill) is None


@pytest.mark.parametrize("kind", ["cert_board", "accreditation_body", "state_agency"])
def test_the_service_creates_no_participant_outside_a_service_organization(world: World, kind: str) -> None:
    from peerway.recovery.services import ActionRefused, participant_create

    organization = OrganizationFactory(kind=kind)
    MembershipFactory(user=world.cast.ada, organization=organization, role="org_admin")
    with pytest.raises(ActionRefused):
        participant_create(organization=organization, actor=world.cast.ada, preferred_name="Sample Stray")
    assert not Participant.objects.filter(organization=organization).exists()
