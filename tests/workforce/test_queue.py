from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import override
from django_tasks_db.models import DBTaskResult

from peerway.core.models import AccessEvent, Community, Language, LivedExperience
from peerway.intake.models import EscalationAlert, HelpRequest, Offer, RequestStatus
from peerway.intake.services import RequestInput, request_route, request_submit
from peerway.matching.presentation import shared_sentence
from peerway.organizations.models import Organization
from peerway.workforce.models import PeerProfile
from tests.factories import MembershipFactory, OrganizationFactory, peer_profile


def _submit(**kwargs: object) -> HelpRequest:
    data = RequestInput(
        contact_method="call",
        phone="(612) 555-0110",
        first_name="Sample Hodan",
        language=Language.objects.get(slug="so"),
        language_required=True,
        consent_to_contact=True,
        modalities=("phone",),
        communities=list(Community.objects.filter(slug="somali")),
        lived_experience=list(LivedExperience.objects.filter(slug="medication-recovery")),
    )
    request, _ = request_submit(data=data)
    return request


def _client(profile: PeerProfile) -> Client:
    client = Client()
    client.force_login(profile.user)
    return client


def _poll(client: Client, seen: str, shown: str = "") -> tuple[int, str]:
    """The status and body of the live queue's htmx poll, saying which version of the queue the page shows (and
    which offers and alerts)."""
    query = {"seen": seen, "shown": shown}
    response = client.get(reverse("workforce:queue"), query, headers={"HX-Request": "true"})
    return response.status_code, response.content.decode()


def _fingerprint(html: str) -> str:
    """The fingerprint the queue's polling hx-get carries."""
    match = re.search(r'id="queue" hx-get="[^"]*\?seen=(\w+)&amp;shown=[\w.-]*"', html)
    assert match is not None, "the queue's poll says which version it shows"
    return match.group(1)


def _shown(html: str) -> str:
    """The offers and alerts the queue's polling hx-get says the page shows."""
    match = re.search(r'id="queue" hx-get="[^"]*&amp;shown=([\w.-]*)"', html)
    assert match is not None, "the queue's poll says what it shows"
    return match.group(1)


def _announced(html: str) -> str:
    """What a poll's answer gives the page's live region to read out."""
    match = re.search(r'<p id="queue-announce" hx-swap-oob="innerHTML">(.*?)</p>', html, re.S)
    assert match is not None, "a poll's answer fills the live region"
    return " ".join(match.group(1).split())


@pytest.fixture
def frozen_clock() -> Iterator[time_machine.Traveller]:
    # The queue words each wait ("Asked 3 minutes ago"), so a test must not cross a minute by accident.
    with time_machine.travel(dt.datetime(2026, 11, 23, 15, 0, tzinfo=dt.UTC), tick=False) as traveller:
        yield traveller


def test_the_queue_shows_the_offer_with_what_is_shared_and_logs_it_once(amina: PeerProfile) -> None:
    request = _submit()
    request_route(request_id=request.pk)
    client = _client(amina)
    body = client.get(reverse("workforce:queue")).content.decode()
    assert "Sample Hodan" in body
    assert "Shares: Somali, Somali community, Recovery with medication" in body
    client.get(reverse("workforce:queue"), headers={"HX-Request": "true"})
    events = AccessEvent.objects.filter(subject_id=request.public_id)
    assert [(e.action, e.actor, e.organization) for e in events] == [("listed", amina.user, amina.organization)]


def test_the_htmx_refresh_returns_only_the_queue(amina: PeerProfile) -> None:
    body = _client(amina).get(reverse("workforce:queue"), headers={"HX-Request": "true"}).content.decode()
    assert 'id="queue"' in body
    assert "<html" not in body


def test_accepting_opens_the_new_participants_record(amina: PeerProfile) -> None:
    request = _submit()
    offer = request_route(request_id=request.pk)[0]
    response = _client(amina).post(reverse("workforce:offer_accept", args=[offer.public_id]))
    request.refresh_from_db()
    assert request.status == RequestStatus.ACCEPTED
    participant = request.engagement.participant
    assert response["Location"] == reverse("recovery:participant_detail", args=[participant.public_id])


def test_a_late_accept_is_told_someone_else_took_it(amina: PeerProfile) -> None:
    bea = peer_profile(amina.organization, name="Bea", languages=("so",))
    request = _submit()
    offers = {o.peer: o for o in request_route(request_id=request.pk)}
    _client(bea).post(reverse("workforce:offer_accept", args=[offers[bea].public_id]))
    response = _client(amina).post(reverse("workforce:offer_accept", args=[offers[amina].public_id]), follow=True)
    assert "Another peer took this request" in response.content.decode()


def test_a_full_caseload_is_told_why_the_accept_failed(amina: PeerProfile) -> None:
    first, second = _submit(), _submit()
    request_route(request_id=first.pk)
    offer = request_route(request_id=second.pk)[0]
    amina.caseload_limit = 0
    amina.save()
    response = _client(amina).post(reverse("workforce:offer_accept", args=[offer.public_id]), follow=True)
    assert "Your caseload is full" in response.content.decode()


def test_starting_a_shift_routes_waiting_requests(amina: PeerProfile) -> None:
    amina.on_shift = False
    amina.save()
    request = _submit()
    request_route(request_id=request.pk)
    assert HelpRequest.objects.get(pk=request.pk).routing_note["code"] == "no_peer_on_shift"
    before = DBTaskResult.objects.filter(task_path__endswith="requests_route_waiting_task").count()
    _client(amina).post(reverse("workforce:shift_toggle"), {"on_shift": "1"})
    assert PeerProfile.objects.get(pk=amina.pk).on_shift
    assert DBTaskResult.objects.filter(task_path__endswith="requests_route_waiting_task").count() == before + 1


def test_supervisors_see_alerts_of_their_organization_only(amina: PeerProfile) -> None:
    request = _submit()
    request_route(request_id=request.pk)
    EscalationAlert.objects.create(request=request, organization=amina.organization)
    supervisor = MembershipFactory(organization=amina.organization, role="supervisor").user
    other = MembershipFactory(organization=OrganizationFactory(), role="supervisor").user
    client = Client()
    client.force_login(supervisor)
    assert "Waiting too long" in client.get(reverse("workforce:queue")).content.decode()
    client.force_login(other)
    assert "Waiting too long" not in client.get(reverse("workforce:queue")).content.decode()


def test_each_supervisors_first_sight_of_an_alert_is_logged_once(amina: PeerProfile) -> None:
    request = _submit()
    request_route(request_id=request.pk)
    EscalationAlert.objects.create(request=request, organization=amina.organization)
    first, second = (MembershipFactory(organization=amina.organization, role="supervisor").user for _ in range(2))
    AccessEvent.objects.all().delete()

    def alert_views() -> list[tuple[object, str]]:
        events = AccessEvent.objects.filter(subject_id=request.public_id, action="listed").order_by("id")
        return [(event.actor, event.reason) for event in events]

    client = Client()
    client.force_login(first)
    assert "Sample Hodan" in client.get(reverse("workforce:queue")).content.decode()
    client.get(reverse("workforce:queue"), HTTP_HX_REQUEST="true")  # the page's poll
    client.get(reverse("workforce:queue"))
    assert alert_views() == [(first, "live queue alert")]
    client.force_login(second)
    client.get(reverse("workforce:queue"), HTTP_HX_REQUEST="true")
    assert alert_views() == [(first, "live queue alert"), (second, "live queue alert")]


def test_the_shared_sentence_is_in_the_pages_language(amina: PeerProfile) -> None:
    explanation = {"languages": ["so"], "communities": ["somali"], "lived_experience": ["medication-recovery"]}
    with override("es"):
        sentence = shared_sentence(explanation)
    assert "Somalí" in sentence
    assert "Recuperación con medicamentos" in sentence
    assert "Recovery with medication" not in sentence


def test_the_peer_marks_the_first_contact_and_the_request_is_connected(amina: PeerProfile) -> None:
    request = _submit()
    offer = request_route(request_id=request.pk)[0]
    client = _client(amina)
    client.post(reverse("workforce:offer_accept", args=[offer.public_id]))
    engagement = HelpRequest.objects.get(pk=request.pk).engagement
    page = client.get(reverse("recovery:participant_detail", args=[engagement.participant.public_id])).content.decode()
    assert "I have reached them" in page
    client.post(reverse("workforce:request_connected", args=[engagement.public_id]))
    request.refresh_from_db()
    assert request.status == RequestStatus.CONNECTED
    assert request.connected_at is not None


def test_a_peer_whose_membership_ended_cannot_accept(amina: PeerProfile) -> None:
    request = _submit()
    offer = request_route(request_id=request.pk)[0]
    amina.user.memberships.update(active=False)
    response = _client(amina).post(reverse("workforce:offer_accept", args=[offer.public_id]))
    assert response.status_code == 404
    request.refresh_from_db()
    assert request.status == RequestStatus.OFFERED


def test_a_peer_whose_membership_ended_is_offered_nothing(amina: PeerProfile) -> None:
    amina.user.memberships.update(active=False)
    request = _submit()
    assert request_route(request_id=request.pk) == []


def test_supervisors_are_not_shown_peers_who_left_as_on_shift(amina: PeerProfile) -> None:
    # Amina and Bea left on shift; a deactivated account or an ended role cannot be offered anything.
    bea = peer_profile(amina.organization, name="Bea")
    peer_profile(amina.organization, name="Cal")
    amina.user.is_active = False
    amina.user.save(update_fields=["is_active"])
    bea.user.memberships.update(active=False)
    supervisor = MembershipFactory(organization=amina.organization, role="supervisor").user
    client = Client()
    client.force_login(supervisor)
    page = client.get(reverse("workforce:queue")).content.decode()
    assert "On shift without an active credential" in page
    assert "Cal" in page
    assert "Amina" not in page and "Bea" not in page


# A peer may work for two organizations at once: one profile and one shift in each, and one queue for both.


def _also_peer_at(amina: PeerProfile, *, on_shift: bool = False, with_profile: bool = True) -> Organization:
    # Named to sort after Amina's first organization, so that it is her second one by name.
    organization = OrganizationFactory(name="Zumbro Valley Recovery", slug="zumbro-valley")
    MembershipFactory(user=amina.user, organization=organization, role="peer")
    if with_profile:
        second = PeerProfile.objects.create(
            user=amina.user, organization=organization, display_name="Amina", modalities=["phone"], on_shift=on_shift
        )
        second.languages.set(Language.objects.filter(slug__in=["so", "en"]))
    return organization


def test_a_peer_in_two_organizations_toggles_the_shift_of_the_one_they_chose(amina: PeerProfile) -> None:
    second = _also_peer_at(amina, on_shift=False)
    client = _client(amina)
    client.post(reverse("workforce:shift_toggle"), {"organization": "zumbro-valley", "on_shift": "1"})
    client.post(reverse("workforce:shift_toggle"), {"organization": amina.organization.slug, "on_shift": "0"})

    on_shift = dict(PeerProfile.objects.filter(user=amina.user).values_list("organization", "on_shift"))
    assert on_shift == {amina.organization.pk: False, second.pk: True}
    page = client.get(reverse("workforce:queue")).content.decode()
    assert page.count("Start my shift") == 1 and page.count("End my shift") == 1
    assert f'<h2 id="shift-{amina.organization.slug}">{amina.organization.name}</h2>' in page
    assert '<h2 id="shift-zumbro-valley">Zumbro Valley Recovery</h2>' in page


def test_the_queue_asks_for_a_profile_in_each_organization_that_has_none(amina: PeerProfile) -> None:
    _also_peer_at(amina, with_profile=False)
    page = _client(amina).get(reverse("workforce:queue")).content.decode()
    assert "End my shift" in page
    assert "Fill in your peer profile to start taking requests" in page
    assert f'href="{reverse("workforce:profile_edit")}?organization=zumbro-valley"' in page


def test_a_peer_in_two_organizations_sees_the_offers_of_both(amina: PeerProfile) -> None:
    second = _also_peer_at(amina, on_shift=True)
    # Only the second organization's profile is on shift, so the offer is made to it.
    PeerProfile.objects.filter(pk=amina.pk).update(on_shift=False)
    request = _submit()
    [offer] = request_route(request_id=request.pk)
    assert offer.peer.organization == second

    page = _client(amina).get(reverse("workforce:queue")).content.decode()
    assert "Sample Hodan" in page
    assert "Organization: Zumbro Valley Recovery" in page
    events = AccessEvent.objects.filter(subject_id=request.public_id)
    assert [(e.action, e.organization) for e in events] == [("listed", second)]


def test_a_shift_in_an_organization_where_the_user_is_not_a_peer_is_a_404(amina: PeerProfile) -> None:
    elsewhere = OrganizationFactory(name="Zumbro Valley Recovery", slug="zumbro-valley")
    MembershipFactory(user=amina.user, organization=elsewhere, role="supervisor")
    PeerProfile.objects.create(user=amina.user, organization=elsewhere, display_name="Amina", modalities=["phone"])
    client = _client(amina)
    for slug in ("zumbro-valley", "no-such-organization"):
        response = client.post(reverse("workforce:shift_toggle"), {"organization": slug, "on_shift": "0"})
        assert response.status_code == 404
    assert PeerProfile.objects.get(pk=amina.pk).on_shift


def test_a_poll_of_an_unchanged_queue_answers_204_and_a_stale_one_the_block(
    amina: PeerProfile, frozen_clock: time_machine.Traveller
) -> None:
    request_route(request_id=_submit().pk)
    client = _client(amina)
    page = client.get(reverse("workforce:queue")).content.decode()
    fingerprint = _fingerprint(page)

    assert _poll(client, fingerprint) == (204, "")
    status, block = _poll(client, "0" * 16)
    assert status == 200
    # The block, after the page's title for htmx to set: "(1) Live queue".
    assert block.lstrip().startswith('<title>(1) Live queue · Peerway</title>\n<div id="queue"')
    assert "<html" not in block
    assert "Sample Hodan" in block
    assert _fingerprint(block) == fingerprint


def test_a_page_opened_with_a_fingerprint_and_no_javascript_is_the_whole_page(
    amina: PeerProfile, frozen_clock: time_machine.Traveller
) -> None:
    client = _client(amina)
    fingerprint = _fingerprint(client.get(reverse("workforce:queue")).content.decode())
    response = client.get(reverse("workforce:queue"), {"seen": fingerprint})
    assert response.status_code == 200
    assert "<html" in response.content.decode()


def test_a_new_offer_changes_the_fingerprint(amina: PeerProfile, frozen_clock: time_machine.Traveller) -> None:
    client = _client(amina)
    fingerprint = _fingerprint(client.get(reverse("workforce:queue")).content.decode())
    assert _poll(client, fingerprint)[0] == 204
    [offer] = request_route(request_id=_submit().pk)

    status, block = _poll(client, fingerprint)
    assert status == 200
    assert f'id="accept-{offer.public_id}"' in block
    assert _fingerprint(block) != fingerprint


def test_an_offer_taken_by_another_peer_changes_the_fingerprint(
    amina: PeerProfile, frozen_clock: time_machine.Traveller
) -> None:
    bea = peer_profile(amina.organization, name="Bea", languages=("so",))
    offers = {o.peer: o for o in request_route(request_id=_submit().pk)}
    client = _client(amina)
    fingerprint = _fingerprint(client.get(reverse("workforce:queue")).content.decode())
    _client(bea).post(reverse("workforce:offer_accept", args=[offers[bea].public_id]))

    status, block = _poll(client, fingerprint)
    assert status == 200
    assert "Sample Hodan" not in block and "Nothing waiting for you right now." in block
    assert _fingerprint(block) != fingerprint


def test_the_wait_shown_changing_changes_the_fingerprint(
    amina: PeerProfile, frozen_clock: time_machine.Traveller
) -> None:
    request_route(request_id=_submit().pk)
    client = _client(amina)
    fingerprint = _fingerprint(client.get(reverse("workforce:queue")).content.decode())
    frozen_clock.shift(dt.timedelta(seconds=30))
    assert _poll(client, fingerprint)[0] == 204  # still "0 minutes"
    frozen_clock.shift(dt.timedelta(minutes=2))

    status, block = _poll(client, fingerprint)
    assert status == 200
    assert "Asked 2\xa0minutes ago" in block


def test_a_new_alert_changes_a_supervisors_fingerprint(
    amina: PeerProfile, frozen_clock: time_machine.Traveller
) -> None:
    request = _submit()
    request_route(request_id=request.pk)
    client = Client()
    client.force_login(MembershipFactory(organization=amina.organization, role="supervisor").user)
    fingerprint = _fingerprint(client.get(reverse("workforce:queue")).content.decode())
    assert _poll(client, fingerprint)[0] == 204
    EscalationAlert.objects.create(request=request, organization=amina.organization)

    status, block = _poll(client, fingerprint)
    assert status == 200
    assert "Waiting too long" in block


def test_each_offers_buttons_keep_the_same_unique_ids_across_polls(amina: PeerProfile) -> None:
    # htmx gives the focus back to the element with the same id after a swap, so ids must be stable and unique.
    first, second = (request_route(request_id=_submit().pk)[0] for _ in range(2))
    client = _client(amina)
    page = client.get(reverse("workforce:queue")).content.decode()
    block = _poll(client, "stale")[1]
    controls = re.findall(r"<(?:button|a|input|select|textarea)\b[^>]*>", block)
    ids = [re.search(r'\bid="([^"]+)"', control) for control in controls if 'type="hidden"' not in control]
    assert all(ids), "every control the poll replaces has an id"
    assert len({match.group(1) for match in ids if match}) == len(ids)
    for html in (page, block):
        for offer in (first, second):
            assert f'id="accept-{offer.public_id}"' in html and f'id="decline-{offer.public_id}"' in html


def test_a_supervisor_learns_on_the_staff_home_that_requests_wait_for_them(amina: PeerProfile) -> None:
    """Escalation's last step alerts supervisors in the live queue; a supervisor who signed in and is on another
    page is told on the staff home how many requests wait, without a name (the queue logs who sees whom)."""
    waiting, answered = _submit(), _submit()
    for request in (waiting, answered):
        request_route(request_id=request.pk)
        EscalationAlert.objects.create(request=request, organization=amina.organization)
    HelpRequest.objects.filter(pk=answered.pk).update(status=RequestStatus.ACCEPTED)
    supervisor = MembershipFactory(organization=amina.organization, role="supervisor").user
    other = MembershipFactory(organization=OrganizationFactory(), role="supervisor").user
    AccessEvent.objects.all().delete()
    client = Client()
    client.force_login(supervisor)
    body = client.get(reverse("staff:home")).content.decode()
    assert "1 request waiting for a supervisor" in body
    assert "Sample Hodan" not in body
    assert not AccessEvent.objects.exists()
    EscalationAlert.objects.filter(request=waiting).update(resolved_at=timezone.now())
    assert "waiting for a supervisor" not in client.get(reverse("staff:home")).content.decode()
    for user in (other, amina.user):
        client.force_login(user)
        assert "waiting for a supervisor" not in client.get(reverse("staff:home")).content.decode()


def test_the_queues_title_counts_what_waits_and_each_changed_poll_brings_it(amina: PeerProfile) -> None:
    """A peer with the queue in a background tab sees "(1) Live queue" in the tab: the page's title counts the
    offers (and a supervisor's alerts), and a poll that finds the queue changed carries the title for htmx."""
    client = _client(amina)
    page = client.get(reverse("workforce:queue")).content.decode()
    assert "<title>Live queue · Peerway</title>" in page
    request = _submit()
    request_route(request_id=request.pk)
    status, poll = _poll(client, _fingerprint(page))
    assert status == 200
    assert poll.lstrip().startswith("<title>(1) Live queue · Peerway</title>")
    page = client.get(reverse("workforce:queue")).content.decode()
    assert page.count("<title>") == 1
    assert "<title>(1) Live queue · Peerway</title>" in page
    supervisor = MembershipFactory(organization=amina.organization, role="supervisor").user
    EscalationAlert.objects.create(request=request, organization=amina.organization)
    client.force_login(supervisor)
    assert "<title>(1) Live queue · Peerway</title>" in client.get(reverse("workforce:queue")).content.decode()


def test_a_poll_announces_new_offers_and_alerts_to_screen_readers_and_nothing_when_only_ages_change(
    amina: PeerProfile, frozen_clock: time_machine.Traveller
) -> None:
    """The queue block is replaced on every change, so a screen reader user hears nothing of it; what came in since
    the page's version is said in a live region outside it. A change of the ages alone says nothing."""
    client = _client(amina)
    page = client.get(reverse("workforce:queue")).content.decode()
    assert '<p id="queue-announce" class="visually-hidden" role="status"></p>' in page
    request_route(request_id=_submit().pk)
    request_route(request_id=_submit().pk)
    status, poll = _poll(client, _fingerprint(page), _shown(page))
    assert (status, _announced(poll)) == (200, "2 new requests offered to you.")
    # The URL the page polls with says which offers it shows by keyed digests, not by the offers' ids.
    assert len(_shown(poll).split(".")) == 2
    polled_url = poll.split("hx-get=", 1)[1].split(">", 1)[0]
    assert not any(str(offer.public_id) in polled_url for offer in Offer.objects.all())
    frozen_clock.shift(dt.timedelta(minutes=2))
    status, later = _poll(client, _fingerprint(poll), _shown(poll))
    assert status == 200 and "Asked 2\xa0minutes ago" in later
    assert _announced(later) == ""

    request = _submit()
    request_route(request_id=request.pk)
    supervisor = MembershipFactory(organization=amina.organization, role="supervisor").user
    client.force_login(supervisor)
    page = client.get(reverse("workforce:queue")).content.decode()
    EscalationAlert.objects.create(request=request, organization=amina.organization)
    status, poll = _poll(client, _fingerprint(page), _shown(page))
    assert (status, _announced(poll)) == (200, "1 more request waiting too long.")
