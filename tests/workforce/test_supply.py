"""Workforce supply vs demand on known data: counts per facet, small-cell suppression, unmet demand, CSV, chart."""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import secrets

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from peerway.certification.models import CredentialStatus
from peerway.core.models import Community, Language, LivedExperience
from peerway.intake.models import HelpRequest
from peerway.organizations.models import Organization, ServiceArea
from peerway.workforce.models import PeerProfile
from peerway.workforce.supply import (
    SMALL_CELL,
    complementary_cells,
    supply_demand,
    supply_demand_allowed,
    supply_demand_csv,
)
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory, county, peer_profile
from tests.helpers import Cast
from tests.workforce.credentials_helpers import credential


def _request(
    language: str,
    *,
    communities: tuple[str, ...] = (),
    lived: tuple[str, ...] = (),
    days_ago: int = 1,
    county_name: str | None = "Hennepin",
) -> None:
    request = HelpRequest.objects.create(
        status_token_hash=secrets.token_hex(32),
        status_token_expires_at=timezone.now() + dt.timedelta(days=1),
        contact_method="call",
        phone="(612) 555-0100",
        language=Language.objects.get(slug=language),
        consent_to_contact=True,
        county=county(county_name) if county_name else None,
    )
    HelpRequest.objects.filter(pk=request.pk).update(created_at=timezone.now() - dt.timedelta(days=days_ago))
    request.communities.set(Community.objects.filter(slug__in=communities))
    request.lived_experience.set(LivedExperience.objects.filter(slug__in=lived))


@pytest.fixture
def known(cast: Cast) -> None:
    ServiceArea.objects.create(organization=cast.org, county=county("Hennepin"))
    for number in range(12):
        peer = peer_profile(
            cast.org,
            name=f"Somali{number}",
            languages=("so", "en"),
            communities=("somali",),
            lived_experience=("opioids",),
        )
        credential(peer.user, expires_on=dt.date(2099, 1, 1))
    # Certified but only three: a small cell.
    for number in range(3):
        peer = peer_profile(cast.org, name=f"Spanish{number}", languages=("es",), lived_experience=("alcohol",))
        credential(peer.user, expires_on=dt.date(2099, 1, 1))
    lapsed = peer_profile(cast.org, name="Hmong0", languages=("hmn",), communities=("hmong",))
    credential(lapsed.user, expires_on=dt.date(2020, 1, 1), status=CredentialStatus.EXPIRED)
    peer_profile(cast.org, name="Uncertified", languages=("hmn",))
    for _ in range(12):
        _request("so", communities=("somali",), lived=("opioids",))
    for _ in range(13):
        _request("hmn", communities=("hmong",))
    _request("hmn", days_ago=200)  # outside the 90-day period


def _rows(facet: str) -> dict[str, tuple[int, int, bool]]:
    return {row.key: (row.supply, row.demand, row.unmet) for row in supply_demand().facet(facet)}


def test_counts_per_facet(known: None) -> None:
    report = supply_demand()
    assert report.certified_peers == 15 and report.requests == 25
    assert _rows("language") == {
        "so": (12, 12, False),
        "en": (12, 0, False),
        "es": (3, 0, False),
        "hmn": (0, 13, True),  # lapsed and uncertified peers do not count
    }
    assert _rows("community") == {"somali": (12, 12, False), "hmong": (0, 13, True)}
    assert _rows("lived_experience") == {"opioids": (12, 12, False), "alcohol": (3, 0, False)}
    region = county("Hennepin").region
    assert _rows("region") == {region: (15, 25, False)}


def test_small_cells_are_suppressed_and_csv_matches(known: None, cast: Cast) -> None:
    spanish = next(row for row in supply_demand().facet("language") if row.key == "es")
    assert spanish.supply_shown == "<11" and spanish.supply_visible is None
    client = Client()
    client.force_login(cast.analyst)
    response = client.get(reverse("career:supply_csv"))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:5] == ["facet", "value", "certified_peers", "requests", "unmet_demand"]
    by_value = {(row[0], row[1]): row[2:5] for row in rows[1:] if len(row) > 2}
    assert by_value[("language", "Somali")] == ["12", "12", "no"]
    assert by_value[("language", "Spanish")] == ["<11", "0", "no"]
    assert by_value[("language", "Hmong")] == ["0", "13", "yes"]
    page = client.get(reverse("career:supply")).content.decode()
    assert '<tr class="unmet"><th scope="row">Hmong</th>' in page
    assert "style=" not in page and "<script>" not in page
    chart = client.get(reverse("career:supply_chart", args=["language"]))
    assert chart.status_code == 200 and chart["Content-Type"] == "image/svg+xml"
    assert b"<svg" in chart.content and b"Somali" in chart.content
    assert client.get(reverse("career:supply_chart", args=["salary"])).status_code == 404


def test_who_may_see_supply_and_demand(cast: Cast) -> None:
    board = OrganizationFactory(name="Board", slug="board", kind="cert_board")
    bea = UserFactory(username="bea")
    MembershipFactory(user=bea, organization=board, role="board_admin")
    state_admin = UserFactory(username="stella")
    MembershipFactory(user=state_admin, organization=cast.state, role="org_admin")
    assert supply_demand_allowed(bea) and supply_demand_allowed(cast.analyst) and supply_demand_allowed(state_admin)
    for user in (cast.alice, cast.sam, cast.ada, cast.bill, cast.olive, cast.nobody):
        assert not supply_demand_allowed(user)


def _analyst_page(cast: Cast) -> str:
    client = Client()
    client.force_login(cast.analyst)
    return " ".join(client.get(reverse("career:supply")).content.decode().split())


def test_one_small_count_in_a_column_hides_the_next_smallest_too(cast: Cast) -> None:
    ServiceArea.objects.create(organization=cast.org, county=county("Hennepin"))
    for number in range(12):
        peer = peer_profile(cast.org, name=f"Somali{number}", languages=("so",))
        credential(peer.user, expires_on=dt.date(2099, 1, 1))
    for _ in range(12):
        _request("so")
    for _ in range(3):
        _request("hmn")
    rows = {row.key: row for row in supply_demand().facet("language")}
    # Every request has one language and the page shows the total (15): Somali's 12 would give Hmong's 3 away.
    assert (rows["hmn"].demand_shown, rows["so"].demand_shown) == ("<11", "≥11")
    assert rows["hmn"].demand_visible is None and rows["so"].demand_visible is None
    assert rows["so"].supply_shown == "12"  # the supply column has no small count: nothing else is hidden
    page = _analyst_page(cast)
    assert "15 first-call requests" in page
    assert '<th scope="row">Somali</th><td>12</td><td>≥11</td>' in page
    assert '<th scope="row">Hmong</th><td>0</td><td>&lt;11</td>' in page
    response = Client()
    response.force_login(cast.analyst)
    csv_rows = list(csv.reader(io.StringIO(response.get(reverse("career:supply_csv")).content.decode())))
    by_value = {(row[0], row[1]): row[2:4] for row in csv_rows[1:] if len(row) > 2}
    assert by_value[("language", "Somali")] == ["12", "≥11"] and by_value[("language", "Hmong")] == ["0", "<11"]


def test_a_small_total_is_suppressed_like_the_rows_it_adds_up(cast: Cast) -> None:
    for _ in range(3):
        _request("hmn")
    # The only language row is Hmong: a total of 3 would be its count.
    assert "&lt;11 first-call requests" in _analyst_page(cast)
    report = supply_demand()
    assert (report.requests_shown, report.certified_peers_shown) == ("<11", "0")


def test_peers_who_left_are_not_supply_and_a_peer_who_moved_counts_once(known: None, cast: Cast) -> None:
    from peerway.accounts.models import Membership
    from peerway.workforce.credentials import peer_credential_summary

    before = peer_credential_summary()
    # One Somali peer's role ended; another moved to a second organization, which made them a new profile.
    left, moved = PeerProfile.objects.filter(display_name__in=["Somali0", "Somali1"]).order_by("display_name")
    Membership.objects.filter(user=left.user, organization=cast.org).update(active=False)
    Membership.objects.filter(user=moved.user, organization=cast.org).update(active=False)
    MembershipFactory(user=moved.user, organization=cast.other_org, role="peer")
    PeerProfile.objects.create(
        user=moved.user, organization=cast.other_org, display_name="Somali1", modalities=["phone"]
    )
    report = supply_demand()
    assert report.certified_peers == 14  # 15, less the one who left; the one who moved counts once, where they work now
    assert _rows("language")["so"][0] == 10  # the moved peer's new profile shares no language yet
    after = peer_credential_summary()
    assert sum(after.values()) == sum(before.values()) - 1


def _second_profile(
    first: PeerProfile,
    organization: Organization,
    *,
    languages: tuple[str, ...] = (),
    communities: tuple[str, ...] = (),
    lived_experience: tuple[str, ...] = (),
) -> None:
    """The same person also works at ``organization``: a peer role and a profile of their own there."""
    MembershipFactory(user=first.user, organization=organization, role="peer")
    second = PeerProfile.objects.create(
        user=first.user, organization=organization, display_name=first.display_name, modalities=["phone"]
    )
    second.languages.set(Language.objects.filter(slug__in=languages))
    second.communities.set(Community.objects.filter(slug__in=communities))
    second.lived_experience.set(LivedExperience.objects.filter(slug__in=lived_experience))


def test_a_peer_who_works_at_two_organizations_is_one_certified_peer(cast: Cast) -> None:
    """One certified Somali-speaking peer works at two RCOs that both serve Hennepin county (a profile in each,
    as docs/matching.md describes). The page says "N peers with an active credential today": that is one person,
    one Somali speaker, one peer in the region, not two."""
    for organization in (cast.org, cast.other_org):
        ServiceArea.objects.create(organization=organization, county=county("Hennepin"))
    amina = peer_profile(cast.org, name="Amina", languages=("so",))
    credential(amina.user, expires_on=dt.date(2099, 1, 1))
    _second_profile(amina, cast.other_org, languages=("so",))

    report = supply_demand()
    somali = {row.key: row.supply for row in report.facet("language")}["so"]
    regions = {row.key: row.supply for row in report.facet("region")}
    assert (report.certified_peers, somali, sum(regions.values())) == (1, 1, 1)


def test_a_peer_at_two_organizations_counts_once_for_each_term_and_region_either_profile_has(cast: Cast) -> None:
    ServiceArea.objects.create(organization=cast.org, county=county("Hennepin"))
    ServiceArea.objects.create(organization=cast.other_org, county=county("Hennepin"))
    ServiceArea.objects.create(organization=cast.other_org, county=county("St. Louis"))
    amina = peer_profile(cast.org, name="Amina", languages=("so",), communities=("somali",))
    credential(amina.user, expires_on=dt.date(2099, 1, 1))
    _second_profile(amina, cast.other_org, languages=("so", "en"), lived_experience=("opioids",))

    report = supply_demand()
    assert report.certified_peers == 1
    assert {row.key: row.supply for row in report.facet("language")} == {"so": 1, "en": 1}
    assert {row.key: row.supply for row in report.facet("community")} == {"somali": 1}
    assert {row.key: row.supply for row in report.facet("lived_experience")} == {"opioids": 1}
    metro, northeast = county("Hennepin").region, county("St. Louis").region
    assert {row.key: row.supply for row in report.facet("region")} == {metro: 1, northeast: 1}


def test_peers_at_two_organizations_count_once_in_the_page_csv_chart_and_unmet_demand(cast: Cast) -> None:
    # Eleven Somali speakers work at both organizations, twelve English speakers at one: 23 people, 34 profiles.
    # Eleven Somali requests to 11 Somali speakers is more than twice the 11 requests per 23 peers overall:
    # unmet. Counted per profile it was 11 to 22, under twice 11 per 34, and not flagged.
    for organization in (cast.org, cast.other_org):
        ServiceArea.objects.create(organization=organization, county=county("Hennepin"))
    for number in range(11):
        peer = peer_profile(cast.org, name=f"Somali{number}", languages=("so",))
        credential(peer.user, expires_on=dt.date(2099, 1, 1))
        _second_profile(peer, cast.other_org, languages=("so",))
    for number in range(12):
        peer = peer_profile(cast.org, name=f"English{number}", languages=("en",))
        credential(peer.user, expires_on=dt.date(2099, 1, 1))
    for _ in range(11):
        _request("so")

    report = supply_demand()
    assert report.certified_peers == 23
    assert {row.key: (row.supply, row.unmet) for row in report.facet("language")} == {
        "so": (11, True),
        "en": (12, False),
    }
    assert [row.supply for row in report.facet("region")] == [23]
    assert "23 peers with an active credential today" in _analyst_page(cast)
    client = Client()
    client.force_login(cast.analyst)
    rows = list(csv.reader(io.StringIO(client.get(reverse("career:supply_csv")).content.decode())))
    by_value = {(row[0], row[1]): row[2:5] for row in rows[1:] if len(row) > 2}
    assert by_value[("language", "Somali")] == ["11", "11", "yes"]
    assert by_value[("region", county("Hennepin").region)] == ["23", "11", "no"]
    chart = client.get(reverse("career:supply_chart", args=["region"])).content
    assert b'<desc class="value">23</desc>' in chart and b'<desc class="value">34</desc>' not in chart


# ---------------------------------------------------------------- what the hidden counts of a column give away


@pytest.mark.parametrize(
    ("counts", "more", "hide_total"),
    [
        ([12, 3], [0], False),  # one small count hides the next smallest, as it always did
        ([30, 20, 1], [1], False),
        ([20, 1, 1], [0], False),  # two groups of 1 would be 22 - 20 = 2: one each
        ([6, 7, 30], [], False),  # 13 between two small groups does not give either away
        ([10, 9, 40], [], False),  # 19: one of them 10 and the other 9, or 9 and 10
        ([10, 10, 40], [2], False),  # 20 = 10 + 10, both at the most a small count can be
        ([40] + [1] * 11, [0], False),  # eleven groups of 1 add up to 11, which gives each away as 1
        ([11, 1], [0], True),  # 12 = 1 + at least 11: the total must go too
        ([3], [], True),  # the total is the small count
        ([25, 25, 2], [0], False),  # ties: the first
        ([0, 15, 0], [], False),  # nothing small, nothing hidden
    ],
)
def test_the_hidden_counts_of_a_column_cannot_be_worked_out_from_its_total(
    counts: list[int], more: list[int], hide_total: bool
) -> None:
    small = {index for index, count in enumerate(counts) if 0 < count < SMALL_CELL}
    assert complementary_cells(counts, small, SMALL_CELL) == (more, hide_total)


@pytest.mark.parametrize("threshold", [5, SMALL_CELL])
def test_two_small_counts_at_their_most_are_not_given_away_by_their_sum(threshold: int) -> None:
    # Each small count is at most threshold - 1: their sum 2 * (threshold - 1), the total minus the 40 shown, can
    # only be (threshold - 1) + (threshold - 1). The 40 is hidden too (the matching report's threshold is 5).
    small = threshold - 1
    assert complementary_cells([small, small, 40], {0, 1}, threshold) == ([2], False)
    assert complementary_cells([small, small - 1, 40], {0, 1}, threshold) == ([], False)


def _bounds(counts: list[int], small: set[int], more: list[int], threshold: int) -> tuple[int, int, float]:
    """The hidden counts' sum, and the least and the most a reader knows it could be: 1 to threshold - 1 for each
    small count, threshold and up (no most) for each other count hidden."""
    hidden = sum(counts[index] for index in [*small, *more])
    most = math.inf if more else len(small) * (threshold - 1)
    return hidden, len(small) + threshold * len(more), most


@given(
    counts=st.lists(st.one_of(st.integers(0, 12), st.integers(0, 60)), max_size=12),
    threshold=st.sampled_from([5, SMALL_CELL]),
)
def test_no_small_count_is_pinned_down_unless_the_total_is_hidden(counts: list[int], threshold: int) -> None:
    small = {index for index, count in enumerate(counts) if 0 < count < threshold}
    more, hide_total = complementary_cells(counts, small, threshold)
    assert all(counts[index] >= threshold for index in more)
    hidden, least, most = _bounds(counts, small, more, threshold)
    if small and not hide_total:
        assert hidden >= threshold and least < hidden < most
    if hide_total:
        assert sum(counts) == hidden  # every count above zero is hidden first
    if more:  # no more than needed: without the last one, the small counts were not protected
        without, least, most = _bounds(counts, small, more[:-1], threshold)
        assert without < threshold or not least < without < most


def _csv_by_value(client: Client) -> dict[tuple[str, str], list[str]]:
    rows = list(csv.reader(io.StringIO(client.get(reverse("career:supply_csv")).content.decode())))
    return {(row[0], row[1]): row[2:4] for row in rows[1:] if len(row) > 2}


def test_two_small_counts_in_a_column_hide_the_next_smallest_too(cast: Cast) -> None:
    for _ in range(20):
        _request("en")
    _request("so")
    _request("hmn")
    report = supply_demand()
    rows = {row.key: row for row in report.facet("language")}
    # The page shows the total (22): English's 20 would give Somali + Hmong = 2, one each.
    assert report.requests_shown == "22"
    assert [rows[key].demand_shown for key in ("en", "so", "hmn")] == ["≥11", "<11", "<11"]
    hidden = report.requests - sum(row.demand_visible or 0 for row in rows.values())
    least = sum(SMALL_CELL if row.demand_complementary else 1 for row in rows.values() if row.demand_visible is None)
    assert hidden >= SMALL_CELL and hidden > least, (hidden, least)
    client = Client()
    client.force_login(cast.analyst)
    by_value = _csv_by_value(client)
    assert by_value[("language", "English")] == ["0", "≥11"]
    assert by_value[("language", "Somali")] == by_value[("language", "Hmong")] == ["0", "<11"]
    assert "22 first-call requests" in _analyst_page(cast)


def test_the_requests_total_is_hidden_when_the_counts_hidden_cannot_protect_a_small_one(cast: Cast) -> None:
    for _ in range(11):
        _request("so")
    _request("hmn")
    report = supply_demand()
    rows = {row.key: row for row in report.facet("language")}
    assert (rows["so"].demand_shown, rows["hmn"].demand_shown) == ("≥11", "<11")
    # Somali is known to be 11 or more: a total of 12 would give Hmong's 1 away.
    assert report.requests_shown == "≥11"
    page = _analyst_page(cast)
    assert "≥11 first-call requests" in page and "12 first-call requests" not in page


@pytest.mark.parametrize(
    ("withheld", "adds_up"),
    [("language", "region"), ("region", "language")],
)
def test_a_total_withheld_for_one_column_is_not_given_back_by_the_other(
    cast: Cast, withheld: str, adds_up: str
) -> None:
    # 11 requests and 1: the column cannot protect the 1 (hiding the 11 too leaves 12 = 1 + at least 11), so the
    # requests total is withheld. Every request has one language and one region: the other column, all shown,
    # would add up to that total, 12, and give the 1 away as 12 - 11.
    for _ in range(11):
        _request("so")
    if withheld == "language":
        _request("hmn")
        small_key = "hmn"
    else:
        _request("so", county_name="St. Louis")
        small_key = county("St. Louis").region
    report = supply_demand()
    assert report.requests == 12 and report.requests_shown == "≥11"
    assert {row.key: row.demand_shown for row in report.facet(withheld)}[small_key] == "<11"
    other = report.facet(adds_up)
    assert [row.demand_shown for row in other] == ["≥11"]
    assert other[0].demand == 12 and other[0].demand_visible is None
    page = _analyst_page(cast)
    assert "≥11 first-call requests" in page and "<td>12</td>" not in page
    client = Client()
    client.force_login(cast.analyst)
    response = client.get(reverse("career:supply_csv")).content.decode()
    assert [row[3] for row in csv.reader(io.StringIO(response)) if row[:1] == [adds_up]] == ["≥11"]
    assert "# the requests total is withheld" in response


@pytest.mark.parametrize(
    ("groups", "region_shown"),
    [
        # Language: 11 English, 11 Spanish, 11 Somali and 1 Hmong, withheld with the total (34 = 1 + 3 * 11).
        # Region: 2, 11 and 21; the 11 is hidden already for the 2, so the region column gives only a least total
        # (21 + 2 + 11 = 34 or more): its 21 stays.
        (
            [
                ("hmn", "Hennepin", 1),
                ("so", "Hennepin", 1),
                ("so", "Rock", 10),
                ("en", "St. Louis", 11),
                ("es", "Rock", 11),
            ],
            {"Metro": "<11", "Northeast": "≥11", "Southwest": "21"},
        ),
        # Language: 11 English, 11 Somali and 1 Hmong, withheld with the total (23). Region: 6 and 6, protected by
        # each other, and 11, which would add up to the total with them: it is hidden.
        (
            [("hmn", "Hennepin", 1), ("en", "Hennepin", 5), ("en", "St. Louis", 6), ("so", "Rock", 11)],
            {"Metro": "<11", "Northeast": "<11", "Southwest": "≥11"},
        ),
    ],
)
def test_when_the_total_is_withheld_a_column_hides_one_more_count_unless_it_hides_one_already(
    cast: Cast, groups: list[tuple[str, str, int]], region_shown: dict[str, str]
) -> None:
    for language, county_name, number in groups:
        for _ in range(number):
            _request(language, county_name=county_name)
    report = supply_demand()
    assert report.requests_shown == "≥11"
    assert all(row.demand_shown in ("≥11", "<11") for row in report.facet("language"))
    assert {row.key: row.demand_shown for row in report.facet("region")} == region_shown


# ---------------------------------------------------------------- the whole report on varied data


@pytest.fixture
def varied(cast: Cast) -> None:
    """Peers in service or not, certified or not, in organizations serving counties of one region, two, none and
    a county without a region; requests with one, several or no communities and kinds of lived experience, in
    counties with a region, without one and in none, inside and outside the period."""
    from peerway.accounts.models import Membership
    from peerway.organizations.models import County

    nowhere = County.objects.create(state="WI", name="Nowhere", region="")
    third = OrganizationFactory(name="Third", slug="third")
    for name in ("Hennepin", "Ramsey", "St. Louis"):  # Metro twice: counted once per peer
        ServiceArea.objects.create(organization=cast.org, county=county(name))
    ServiceArea.objects.create(organization=cast.other_org, county=county("Rock"))
    ServiceArea.objects.create(organization=cast.other_org, county=nowhere)
    future, past = dt.date(2099, 1, 1), dt.date(2020, 1, 1)
    peers = [
        # name, organization, languages, communities, lived experience, credential (expires on, status), number
        ("So", cast.org, ("so", "en"), ("somali",), ("opioids",), (future, CredentialStatus.ACTIVE), 12),
        ("Es", cast.other_org, ("es",), ("latino-mexican",), ("alcohol", "opioids"), (future, "active"), 3),
        ("Hm", third, ("hmn",), ("hmong",), (), (future, CredentialStatus.ACTIVE), 1),
        ("Lapsed", cast.org, ("hmn",), ("hmong",), (), (past, CredentialStatus.EXPIRED), 2),
        ("Unmarked", cast.org, ("om",), ("oromo",), (), (past, CredentialStatus.ACTIVE), 1),  # past its date
        ("None", cast.org, ("om",), (), ("veteran",), None, 1),
        ("Many", cast.org, ("en", "ar", "om"), ("oromo", "somali", "veterans"), ("veteran",), (future, "active"), 11),
    ]
    for name, organization, languages, communities, lived, held, number in peers:
        for index in range(number):
            profile = peer_profile(
                organization,
                name=f"{name}{index}",
                languages=languages,
                communities=communities,
                lived_experience=lived,
            )
            if held:
                credential(profile.user, expires_on=held[0], status=held[1])
    PeerProfile.objects.filter(display_name="Many0").update(status="inactive")  # not in service
    left = PeerProfile.objects.get(display_name="Many1")
    Membership.objects.filter(user=left.user).update(active=False)
    # Many2 works in both organizations: a profile in each, both in service. One person: Arabic (both profiles)
    # counts once, Spanish (the second) and the second organization's regions count for them too.
    both = PeerProfile.objects.get(display_name="Many2")
    MembershipFactory(user=both.user, organization=cast.other_org, role="peer")
    second = PeerProfile.objects.create(user=both.user, organization=cast.other_org, display_name="Many2b")
    second.languages.set(Language.objects.filter(slug__in=("ar", "es")))
    requests = [
        # language, communities, lived experience, county, days ago, number
        ("so", ("somali",), ("opioids",), "Hennepin", 1, 12),
        ("so", ("somali",), (), "Ramsey", 10, 3),
        ("hmn", ("hmong",), (), "St. Louis", 30, 13),
        ("es", ("latino-mexican",), ("alcohol",), "Rock", 5, 2),
        ("en", (), (), None, 2, 11),
        ("om", ("oromo", "somali"), ("opioids", "alcohol"), "Nowhere", 3, 1),
        ("ar", ("veterans",), ("veteran",), "Cook", 88, 1),
        ("am", ("ethiopian",), ("veteran",), "Cook", 60, 24),
        ("en", ("somali",), ("opioids",), "Hennepin", 95, 4),  # outside the 90 days
        ("hmn", (), (), "Hennepin", 200, 1),
    ]
    for language, communities, lived, county_name, days_ago, number in requests:
        for _ in range(number):
            if county_name == "Nowhere":
                _request(language, communities=communities, lived=lived, days_ago=days_ago, county_name=None)
                HelpRequest.objects.filter(county=None, language__slug=language).update(county=nowhere)
            else:
                _request(language, communities=communities, lived=lived, days_ago=days_ago, county_name=county_name)


Cells = tuple[str, int, int, bool | None, str, str]  # key, peers, requests, unmet, peers shown, requests shown

VARIED_90_DAYS: dict[str, list[Cells]] = {
    "language": [
        ("am", 0, 24, True, "0", "24"),
        ("so", 12, 15, False, "12", "15"),
        ("hmn", 1, 13, True, "<11", "13"),
        ("en", 21, 11, False, "21", "≥11"),
        ("es", 4, 2, False, "<11", "<11"),
        ("ar", 9, 1, False, "<11", "<11"),
        ("om", 9, 1, False, "<11", "<11"),
    ],
    "community": [
        ("ethiopian", 0, 24, True, "0", "24"),
        ("somali", 21, 16, False, "21", "16"),
        ("hmong", 1, 13, True, "<11", "≥11"),
        ("latino-mexican", 3, 2, False, "<11", "<11"),
        ("oromo", 9, 1, False, "<11", "<11"),
        ("veterans", 9, 1, False, "<11", "<11"),
    ],
    "lived_experience": [
        ("veteran", 9, 25, False, "<11", "25"),
        ("opioids", 15, 13, False, "15", "≥11"),
        ("alcohol", 3, 3, False, "<11", "<11"),
    ],
    "region": [
        ("Northeast", 21, 38, False, "21", "38"),
        ("Metro", 21, 15, False, "≥11", "15"),
        ("—", 4, 12, None, "<11", "≥11"),  # no county, or one without a region: never compared
        ("Southwest", 4, 2, False, "<11", "<11"),
    ],
}
VARIED_7_DAYS: dict[str, list[Cells]] = {
    "language": [
        ("so", 12, 12, False, "12", "12"),
        ("en", 21, 11, False, "21", "≥11"),
        ("es", 4, 2, False, "<11", "<11"),
        ("om", 9, 1, False, "<11", "<11"),
        ("ar", 9, 0, False, "<11", "0"),
        ("hmn", 1, 0, False, "<11", "0"),
    ],
    "community": [
        ("somali", 21, 13, False, "21", "≥11"),
        ("latino-mexican", 3, 2, False, "<11", "<11"),
        ("oromo", 9, 1, False, "<11", "<11"),
        ("veterans", 9, 0, False, "<11", "0"),
        ("hmong", 1, 0, False, "<11", "0"),
    ],
    "lived_experience": [
        ("opioids", 15, 13, False, "15", "≥11"),
        ("alcohol", 3, 3, False, "<11", "<11"),
        ("veteran", 9, 0, False, "<11", "0"),
    ],
    "region": [
        ("Metro", 21, 12, False, "≥11", "≥11"),
        ("—", 4, 12, None, "<11", "12"),  # 12 requests for 4 peers would be flagged, but no region is no place
        ("Southwest", 4, 2, False, "<11", "<11"),
        ("Northeast", 21, 0, False, "21", "0"),
    ],
}


@pytest.mark.parametrize(
    ("days", "totals", "cells"),
    [(90, (25, 67, "25", "67"), VARIED_90_DAYS), (7, (25, 26, "25", "26"), VARIED_7_DAYS)],
)
def test_the_whole_report_on_varied_data(
    varied: None, days: int, totals: tuple[int, int, str, str], cells: dict[str, list[Cells]]
) -> None:
    # Certified: 12 So, 3 Es, Hm and Many2-Many10, Many2 once with a profile in each organization; not Many0
    # (inactive profile), Many1 (left), the lapsed, the unmarked one past its date, nor the one with none.
    report = supply_demand(days=days)
    assert (report.certified_peers, report.requests, report.certified_peers_shown, report.requests_shown) == totals
    assert not report.requests_complementary
    shown = {
        facet: [
            (row.key, row.supply, row.demand, row.unmet, row.supply_shown, row.demand_shown)
            for row in report.facet(facet)
        ]
        for facet in cells
    }
    assert shown == cells


def _built_and_queries(client: Client, url: str) -> tuple[int, int]:
    """Help requests and peer profiles built as model instances, and queries run, to answer ``url``."""
    from django.db import connection
    from django.db.models.signals import post_init
    from django.test.utils import CaptureQueriesContext

    built = [0]

    def count(sender: object, **kwargs: object) -> None:
        built[0] += 1

    post_init.connect(count, sender=HelpRequest)
    post_init.connect(count, sender=PeerProfile)
    try:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
    finally:
        post_init.disconnect(count, sender=HelpRequest)
        post_init.disconnect(count, sender=PeerProfile)
    return built[0], len(queries)


def test_the_report_builds_no_request_or_profile_and_its_queries_do_not_grow(cast: Cast) -> None:
    # Each of the six URLs recomputes the whole report: counted in the database, none loads the requests of the
    # period or the peers in service one by one.
    from peerway.workforce.supply import FACETS

    ServiceArea.objects.create(organization=cast.org, county=county("Hennepin"))
    ServiceArea.objects.create(organization=cast.other_org, county=county("St. Louis"))
    client = Client()
    client.force_login(cast.analyst)
    urls = [reverse("career:supply"), reverse("career:supply_csv")]
    urls += [reverse("career:supply_chart", args=[facet]) for facet in FACETS]

    def add(peers: int, requests: int, start: int) -> None:
        for number in range(start, start + peers):
            peer = peer_profile(cast.org, name=f"Peer{number}", languages=("so",), communities=("somali",))
            credential(peer.user, expires_on=dt.date(2099, 1, 1))
            # Every other peer also works at the second organization: people counted once, in as many queries.
            if number % 2:
                _second_profile(peer, cast.other_org, languages=("so",), communities=("somali",))
        for _ in range(requests):
            _request("so", communities=("somali",), lived=("opioids",))

    add(2, 3, 0)
    few = [_built_and_queries(client, url) for url in urls]
    add(4, 6, 2)
    many = [_built_and_queries(client, url) for url in urls]
    assert [built for built, _ in many] == [0] * len(urls)
    assert many == few


def test_requests_without_a_county_are_not_flagged_as_a_region_with_unmet_demand(cast: Cast) -> None:
    # /help/ does not ask for a county: in the demo 96 of 165 requests gave none, and the region table's largest row
    # read "—, 0 certified peers, 96 requests, unmet demand: Yes", highlighted like a region nobody serves, although
    # no peer can ever be counted in it.
    ServiceArea.objects.create(organization=cast.org, county=county("Hennepin"))
    for number in range(12):
        peer = peer_profile(cast.org, name=f"Peer{number}", languages=("en",))
        credential(peer.user, expires_on=dt.date(2099, 1, 1))
    for _ in range(12):
        _request("en", county_name="Hennepin")
    for _ in range(12):
        _request("en", county_name=None)
    report = supply_demand()
    unknown = [row for row in report.facet("region") if row.key == "—"]
    assert [(row.label, row.demand, row.unmet) for row in unknown] == [("Region not known (no county given)", 12, None)]
    lines = list(csv.reader(io.StringIO(supply_demand_csv(report))))
    assert [line[4] for line in lines if line[:2] == ["region", "Region not known (no county given)"]] == [""]
    client = Client()
    client.force_login(MembershipFactory(role="analyst", organization=OrganizationFactory(kind="state_agency")).user)
    body = " ".join(client.get(reverse("career:supply")).content.decode().split())
    assert '<th scope="row">Region not known (no county given)</th>' in body
    row = body[body.index('<th scope="row">Region not known (no county given)</th>') :][:200]
    assert "<td>—</td>" in row and "Yes" not in row, row
