from __future__ import annotations

import threading

import pytest
from django.db import IntegrityError, connection, connections, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from peerway.accounts.models import Membership, User
from peerway.core.models import Community, Language
from peerway.intake.models import HelpRequest
from peerway.intake.services import RequestInput, request_route, request_submit
from peerway.organizations.models import County
from peerway.recovery.models import Engagement
from peerway.workforce.models import PeerProfile
from peerway.workforce.selectors import peer_profile_for_user
from peerway.workforce.services import peer_profile_get_or_create
from tests.factories import MembershipFactory, ParticipantFactory
from tests.helpers import Cast


def _alice(cast: Cast) -> PeerProfile:
    return PeerProfile.objects.create(
        user=cast.alice, organization=cast.org, display_name="Alice", modalities=["phone"]
    )


def test_a_peer_saves_what_they_choose_to_share(cast: Cast) -> None:
    profile = _alice(cast)
    client = Client()
    client.force_login(cast.alice)
    response = client.post(
        reverse("workforce:profile_edit"),
        {
            "display_name": "Ali",
            "introduction": "Ten years in recovery; I like long walks.",
            "languages": [Language.objects.get(slug="so").pk, Language.objects.get(slug="en").pk],
            "communities": [Community.objects.get(slug="somali").pk],
            "modalities": ["phone", "in_person"],
            "service_counties": [County.objects.get(name="Ramsey").pk],
            "service_radius_km": 30,
            "caseload_limit": 20,
        },
    )
    assert response.status_code == 302
    profile.refresh_from_db()
    assert profile.display_name == "Ali"
    assert sorted(profile.languages.values_list("slug", flat=True)) == ["en", "so"]
    assert profile.modalities == ["phone", "in_person"]
    assert profile.latitude is not None  # from Ramsey County, for in-person matching


def test_bad_input_reshows_the_form_with_errors_and_keeps_what_was_typed(cast: Cast) -> None:
    _alice(cast)
    client = Client()
    client.force_login(cast.alice)
    response = client.post(
        reverse("workforce:profile_edit"),
        {
            "display_name": "Ali",
            "introduction": "Kept text",
            "modalities": [],
            "service_radius_km": 30,
            "caseload_limit": 0,
        },
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert "Kept text" in body
    assert "Enter a number from 1 to 200." in body
    assert PeerProfile.objects.get(user=cast.alice).display_name == "Alice"


# A peer added by an administrator (a user and a peer membership, made in the admin) has no profile until they
# need one: it is made on their profile page, in the organization where they hold the peer role.


def _signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _submit_request() -> HelpRequest:
    request, _token = request_submit(
        data=RequestInput(
            contact_method="call",
            language=Language.objects.get(slug="en"),
            consent_to_contact=True,
            first_name="Sample",
            phone="(612) 555-0101",
            modalities=("phone",),
        )
    )
    return request


def test_a_peer_added_in_the_admin_gets_a_profile_on_their_first_visit_and_can_start_a_shift(cast: Cast) -> None:
    client = _signed_in(cast.alice)
    assert client.get(reverse("workforce:profile_edit")).status_code == 200
    profile = PeerProfile.objects.get(user=cast.alice)
    assert (profile.organization, profile.display_name, profile.on_shift) == (cast.org, "Alice", False)
    assert client.post(reverse("workforce:shift_toggle"), {"on_shift": "1"}).status_code == 302
    assert PeerProfile.objects.get(user=cast.alice, organization=cast.org).on_shift


def test_the_queue_sends_a_peer_without_a_profile_to_fill_it_in(cast: Cast) -> None:
    client = _signed_in(cast.alice)
    page = client.get(reverse("workforce:queue")).content.decode()
    assert "Fill in your peer profile to start taking requests" in page
    assert "Start my shift" not in page
    # The queue only reads: the profile is made on the profile page, and no shift starts without it.
    assert not PeerProfile.objects.filter(user=cast.alice).exists()
    assert client.post(reverse("workforce:shift_toggle"), {"on_shift": "1"}).status_code == 404


def test_a_new_profile_is_offered_nothing_until_the_peer_says_how_they_meet(cast: Cast) -> None:
    client = _signed_in(cast.alice)
    client.get(reverse("workforce:profile_edit"))
    client.post(reverse("workforce:shift_toggle"), {"on_shift": "1"})
    assert "Say in your profile how you meet people" in client.get(reverse("workforce:queue")).content.decode()
    assert request_route(request_id=_submit_request().pk) == []

    client.post(
        reverse("workforce:profile_edit"),
        {"display_name": "Alice", "modalities": ["phone"], "service_radius_km": 40, "caseload_limit": 25},
    )
    offers = request_route(request_id=_submit_request().pk)
    assert [offer.peer.user for offer in offers] == [cast.alice]


def test_a_peer_without_a_first_name_is_shown_by_their_username(cast: Cast) -> None:
    User.objects.filter(pk=cast.alice.pk).update(first_name="  ")
    cast.alice.refresh_from_db()
    _signed_in(cast.alice).get(reverse("workforce:profile_edit"))
    assert PeerProfile.objects.get(user=cast.alice).display_name == "alice"


def test_two_first_visits_make_one_profile(cast: Cast) -> None:
    first = peer_profile_get_or_create(user=cast.alice, organization=cast.org)
    assert peer_profile_get_or_create(user=cast.alice, organization=cast.org) == first
    with pytest.raises(IntegrityError), transaction.atomic():
        PeerProfile.objects.create(user=cast.alice, organization=cast.org, display_name="Twin")


def test_only_peers_have_a_profile_page(cast: Cast) -> None:
    for user in (cast.sam, cast.ada, cast.nobody):
        assert _signed_in(user).get(reverse("workforce:profile_edit")).status_code == 404
    assert not PeerProfile.objects.exists()


def test_a_peer_who_moves_to_another_organization_works_there_and_their_old_engagements_stay(cast: Cast) -> None:
    old = _alice(cast)
    engagement = Engagement.objects.create(
        participant=ParticipantFactory(organization=cast.org),
        organization=cast.org,
        peer=old,
        program="rco",
        started_at=timezone.now(),
    )
    Membership.objects.filter(user=cast.alice, organization=cast.org).update(active=False)
    MembershipFactory(user=cast.alice, organization=cast.other_org, role="peer")

    client = _signed_in(cast.alice)
    assert client.get(reverse("workforce:profile_edit")).status_code == 200
    new = PeerProfile.objects.get(user=cast.alice, organization=cast.other_org)
    assert new != old
    assert list(cast.alice.peer_profiles.order_by("id")) == [old, new]
    engagement.refresh_from_db()
    assert engagement.peer == old
    # At the new organization she goes on shift and is offered requests; the old profile never is.
    assert client.post(reverse("workforce:shift_toggle"), {"on_shift": "1"}).status_code == 302
    PeerProfile.objects.filter(pk=new.pk).update(modalities=["phone"])
    assert [offer.peer for offer in request_route(request_id=_submit_request().pk)] == [new]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite serializes every writer: nothing to race")
@pytest.mark.django_db(transaction=True)
def test_simultaneous_first_visits_make_one_profile(cast: Cast) -> None:
    threads_count = 8
    barrier = threading.Barrier(threads_count)
    outcomes: list[str] = []
    lock = threading.Lock()

    def visit() -> None:
        try:
            barrier.wait()
            result = str(peer_profile_for_user(cast.alice).pk)
        except Exception as exc:  # an IntegrityError reaching the peer is the failure this test is about
            result = f"error: {exc!r}"
        finally:
            connections.close_all()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=visit) for _ in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(outcomes) == threads_count
    assert len(set(outcomes)) == 1, sorted(set(outcomes))
    assert PeerProfile.objects.filter(user=cast.alice).count() == 1


# A peer may work for two organizations at once, with a profile in each. In the cast, Alice's second organization
# by name is her own ``org`` (Riverbend) once she is a peer at ``other_org`` (Prairie Light) too.


def test_a_peer_in_two_organizations_sets_up_their_profile_and_shift_in_the_second(cast: Cast) -> None:
    MembershipFactory(user=cast.alice, organization=cast.other_org, role="peer")
    client = _signed_in(cast.alice)
    url = reverse("workforce:profile_edit") + "?organization=riverbend"
    page = client.get(url).content.decode()
    riverbend = PeerProfile.objects.get(user=cast.alice, organization=cast.org)
    assert not PeerProfile.objects.filter(user=cast.alice, organization=cast.other_org).exists()
    assert "This is your profile at <strong>Riverbend Recovery Community</strong>" in page
    assert f'href="{reverse("workforce:profile_edit")}?organization=prairie-light"' in page
    assert f'action="{url}"' in page

    response = client.post(
        url, {"display_name": "Ali", "modalities": ["phone"], "service_radius_km": 40, "caseload_limit": 25}
    )
    assert response["Location"] == url
    riverbend.refresh_from_db()
    assert (riverbend.display_name, riverbend.modalities) == ("Ali", ["phone"])

    response = client.post(reverse("workforce:shift_toggle"), {"organization": "riverbend", "on_shift": "1"})
    assert response.status_code == 302
    assert PeerProfile.objects.get(pk=riverbend.pk).on_shift
    assert [offer.peer for offer in request_route(request_id=_submit_request().pk)] == [riverbend]


def test_without_an_organization_a_peer_in_two_edits_the_first_by_name(cast: Cast) -> None:
    MembershipFactory(user=cast.alice, organization=cast.other_org, role="peer")
    page = _signed_in(cast.alice).get(reverse("workforce:profile_edit")).content.decode()
    assert PeerProfile.objects.get(user=cast.alice).organization == cast.other_org
    assert "This is your profile at <strong>Prairie Light Recovery</strong>" in page


def test_a_peer_in_one_organization_is_not_told_which_but_their_form_keeps_it(cast: Cast) -> None:
    page = _signed_in(cast.alice).get(reverse("workforce:profile_edit")).content.decode()
    assert "This is your profile at" not in page
    assert "Riverbend Recovery Community" not in page
    assert f'action="{reverse("workforce:profile_edit")}?organization=riverbend"' in page


def test_a_profile_in_an_organization_where_the_user_is_not_a_peer_now_is_a_404(cast: Cast) -> None:
    # Olive's organization, one where Alice holds another role, one where her peer role ended, and no organization.
    Membership.objects.create(user=cast.alice, organization=cast.state, role="analyst")
    ended = MembershipFactory(user=cast.alice, role="peer", active=False).organization
    client = _signed_in(cast.alice)
    for slug in ("prairie-light", "state-agency", ended.slug, "no-such-organization"):
        url = f"{reverse('workforce:profile_edit')}?organization={slug}"
        assert client.get(url).status_code == 404, slug
        assert client.post(url, {"display_name": "Ali", "modalities": ["phone"]}).status_code == 404, slug
    assert not PeerProfile.objects.filter(user=cast.alice).exists()


def _shift_rows(*rows: tuple[str, str, str], existing: int = 0, delete: tuple[int, ...] = ()) -> dict[str, str]:
    data = {
        "shifts-TOTAL_FORMS": str(len(rows)),
        "shifts-INITIAL_FORMS": str(existing),
        "shifts-MIN_NUM_FORMS": "0",
        "shifts-MAX_NUM_FORMS": "28",
    }
    for index, (weekday, starts, ends) in enumerate(rows):
        data |= {
            f"shifts-{index}-weekday": weekday,
            f"shifts-{index}-starts_at": starts,
            f"shifts-{index}-ends_at": ends,
        }
    for index in delete:
        data[f"shifts-{index}-DELETE"] = "on"
    return data


def _profile_fields() -> dict[str, object]:
    return {"display_name": "Ali", "modalities": ["phone"], "service_radius_km": 30, "caseload_limit": 20}


def test_a_peer_keeps_their_weekly_shifts_on_their_profile_page(cast: Cast) -> None:
    # The next shift a person is told of outside every shift comes from these rows: the peer keeps them.
    profile = _alice(cast)
    client = Client()
    client.force_login(cast.alice)
    page = client.get(reverse("workforce:profile_edit")).content.decode()
    assert "My weekly shifts" in page and "shifts-TOTAL_FORMS" in page
    data = _profile_fields() | _shift_rows(("0", "09:00", "17:00"), ("5", "18:30", "22:00"), ("", "", ""))
    assert client.post(reverse("workforce:profile_edit"), data).status_code == 302
    shifts = list(profile.shifts.values_list("weekday", "starts_at", "ends_at"))
    assert [(day, f"{start:%H:%M}", f"{end:%H:%M}") for day, start, end in shifts] == [
        (0, "09:00", "17:00"),
        (5, "18:30", "22:00"),
    ]
    # Removing one keeps the other.
    first, second = profile.shifts.order_by("weekday")
    data = _profile_fields() | _shift_rows(("0", "09:00", "17:00"), ("5", "18:30", "22:00"), existing=2, delete=(1,))
    data |= {"shifts-0-id": str(first.pk), "shifts-1-id": str(second.pk), "shifts-0-peer": "", "shifts-1-peer": ""}
    assert client.post(reverse("workforce:profile_edit"), data).status_code == 302
    assert list(profile.shifts.values_list("weekday", flat=True)) == [0]


def test_a_shift_past_midnight_is_refused_with_how_to_enter_it_and_nothing_is_saved(cast: Cast) -> None:
    profile = _alice(cast)
    client = Client()
    client.force_login(cast.alice)
    data = _profile_fields() | {"display_name": "Changed"} | _shift_rows(("6", "22:00", "02:00"))
    response = client.post(reverse("workforce:profile_edit"), data)
    body = response.content.decode()
    assert response.status_code == 400
    assert "A shift past midnight is two" in body
    assert 'value="22:00"' in body and 'value="02:00"' in body  # what was typed is kept
    profile.refresh_from_db()
    assert profile.display_name == "Alice" and not profile.shifts.exists()


def test_overlapping_shifts_on_one_day_are_refused_next_to_the_later_one_and_nothing_is_saved(cast: Cast) -> None:
    profile = _alice(cast)
    client = Client()
    client.force_login(cast.alice)
    rows = _shift_rows(
        ("2", "13:00", "18:00"), ("2", "09:00", "14:00"), ("3", "09:00", "14:00"), ("2", "18:00", "20:00")
    )
    response = client.post(reverse("workforce:profile_edit"), _profile_fields() | rows)
    assert response.status_code == 400
    body = response.content.decode()
    assert body.count("This overlaps the") == 1, "back to back (18:00 after 18:00) and another day are fine"
    assert "This overlaps the Wednesday shift from 09:00 to 14:00" in body
    assert 'value="13:00"' in body  # what was typed is kept
    assert not profile.shifts.exists()
    # A removed row does not count.
    rows = _shift_rows(("2", "13:00", "18:00"), ("2", "09:00", "14:00"), delete=(1,))
    assert client.post(reverse("workforce:profile_edit"), _profile_fields() | rows).status_code == 302
    assert [f"{start:%H:%M}" for start in profile.shifts.values_list("starts_at", flat=True)] == ["13:00"]
