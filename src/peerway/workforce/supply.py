"""Workforce supply vs demand: certified peers against first-call requests, per language, community, lived
experience and region. Aggregates only.

Supply: people with a profile in service who hold an active credential (``peer_credential_statuses``). A person
has one profile per organization they work at, and counts once: once per term any of their profiles lists; for
region, once per region any of their organizations serves (service-area counties → County.region). Demand: help
requests created in the period, per requested term; for region, the request's county. Counts from 1 to
``SMALL_CELL - 1`` are suppressed (shown as "<11") so that a rare community's few peers or requests cannot be
recognized; unmet demand is still flagged from the true counts. In each facet's columns, the next smallest counts
are suppressed too (shown as "≥11") until the hidden counts cannot be worked out from the total minus the others
(``complementary_cells``); totals from 1 to ``SMALL_CELL - 1`` are suppressed as well, and the requests total when
the hidden counts cannot be protected otherwise: each column that adds up to it (language, region) then hides one
more count, unless it hides one of ``SMALL_CELL`` or more already, so that it does not give the total back
(``withhold_the_total``).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from typing import Any

from django.db.models import Count, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from peerway.accounts.models import User
from peerway.accounts.roles import Role
from peerway.accounts.selectors import memberships_for_user
from peerway.core.models import Community, Language, LivedExperience
from peerway.core.services import csv_cell
from peerway.intake.models import HelpRequest
from peerway.organizations.models import ServiceArea
from peerway.workforce.credentials import CredentialState, peer_credential_statuses
from peerway.workforce.models import PeerProfile

SMALL_CELL = 11
DEFAULT_DAYS = 90
# A facet value is flagged when it has requests and no certified peer, or more than this many times the
# overall requests per certified peer.
UNMET_FACTOR = 2
FACETS = ("language", "community", "lived_experience", "region")
# Facets with exactly one value per request: their demand column adds up to the requests total shown.
ONE_PER_REQUEST = ("language", "region")
UNKNOWN_REGION = "—"


def supply_demand_allowed(user: User) -> bool:
    """Board administrators, analysts and platform administrators, and administrators of a board or the state."""
    for membership in memberships_for_user(user):
        if membership.role in (Role.BOARD_ADMIN, Role.ANALYST, Role.PLATFORM_ADMIN):
            return True
        if membership.role == Role.ORG_ADMIN and membership.organization.kind in ("cert_board", "state_agency"):
            return True
    return False


def small(count: int) -> bool:
    return 0 < count < SMALL_CELL


def suppress(count: int, *, complementary: bool = False) -> str:
    """How a count is shown: "<11" when small, "≥11" when hidden only to protect a small count."""
    if small(count):
        return f"<{SMALL_CELL}"
    return f"≥{SMALL_CELL}" if complementary else str(count)


@dataclass(frozen=True)
class FacetRow:
    facet: str
    key: str
    label: str
    supply: int
    demand: int
    # None where supply and demand cannot be compared: the row of requests without a region (no county given) and
    # of peers whose counties have none; no peer can ever be counted in it, so "no certified peer" would always
    # flag it.
    unmet: bool | None
    # Set by ``complementary_suppress``: a count of SMALL_CELL or more hidden to protect a small one; and by
    # ``withhold_the_total``, to keep a withheld requests total from being the column's sum.
    supply_complementary: bool = False
    demand_complementary: bool = False

    @property
    def supply_shown(self) -> str:
        return suppress(self.supply, complementary=self.supply_complementary)

    @property
    def demand_shown(self) -> str:
        return suppress(self.demand, complementary=self.demand_complementary)

    @property
    def supply_visible(self) -> int | None:
        return None if small(self.supply) or self.supply_complementary else self.supply

    @property
    def demand_visible(self) -> int | None:
        return None if small(self.demand) or self.demand_complementary else self.demand


def complementary_cells(counts: Sequence[int], suppressed: Collection[int], threshold: int) -> tuple[list[int], bool]:
    """Which more cells of a column to hide so that the suppressed ones cannot be worked out from its total.

    ``counts`` are a column's cells and ``suppressed`` the indexes of the small ones, for a column that adds up
    to a total shown. A reader gets the hidden cells' sum S as the total minus the cells shown, and knows each
    small cell lies from 1 to ``threshold - 1`` and each cell hidden here (above zero, not small) from
    ``threshold`` up, unbounded. So S lies between L, the sum of those lower bounds, and U, the sum of the upper
    bounds (infinite as soon as one cell is hidden here). The column is protected when S is 0, or when S is at
    least ``threshold`` and L < S < U: at S == L every hidden cell is at its lower bound, at S == U at its upper
    one. Until it is, the smallest shown cell above zero is hidden, one by one (ties by index): two groups of 1
    are not given away as 2 = 1 + 1, eleven groups of 1 not as 11, a group of 1 hidden with one of 11 not as 12,
    and two groups of ``threshold - 1`` not as their sum ``2 * (threshold - 1)``. One small cell needs at least
    one more hidden.

    Returns the indexes to hide, and whether the total must be hidden too (the shown cells ran out first).
    Pure: the matching report and the supply report both use it.
    """
    hidden_sum = sum(counts[index] for index in suppressed)
    lower_bounds = len(suppressed)
    upper_bounds: float = len(suppressed) * (threshold - 1)
    more: list[int] = []

    def protected() -> bool:
        return hidden_sum == 0 or (hidden_sum >= threshold and lower_bounds < hidden_sum < upper_bounds)

    shown = sorted(
        (index for index, count in enumerate(counts) if count > 0 and index not in suppressed),
        key=lambda index: (counts[index], index),
    )
    for index in shown:
        if protected():
            break
        more.append(index)
        hidden_sum += counts[index]
        lower_bounds += threshold
        upper_bounds = math.inf
    return more, not protected()


def complementary_suppress(rows: list[FacetRow]) -> tuple[list[FacetRow], set[str]]:
    """``rows`` with, in each column (supply, demand) that has small counts, the counts ``complementary_cells``
    picks marked as hidden, so the small ones are not the column's total minus the counts shown; and the
    columns whose total must be hidden as well.

    Only the demand column of a facet with one value per request adds up to a total shown
    (``SupplyDemand.requests_shown``): peers list several languages or communities, or none, and so do
    requests for communities and lived experience. The other columns are protected the same way all the same."""
    rows = sorted(rows, key=lambda row: (row.label, row.key))
    hide_totals: set[str] = set()
    for column in ("supply", "demand"):
        counts = [getattr(row, column) for row in rows]
        suppressed = {index for index, count in enumerate(counts) if small(count)}
        more, hide_total = complementary_cells(counts, suppressed, SMALL_CELL)
        for index in more:
            rows[index] = (
                replace(rows[index], supply_complementary=True)
                if column == "supply"
                else replace(rows[index], demand_complementary=True)
            )
        if hide_total:
            hide_totals.add(column)
    return rows, hide_totals


def withhold_the_total(rows: list[FacetRow]) -> list[FacetRow]:
    """``rows`` of a facet with one value per request, once the requests total is withheld: unless its demand
    column already hides a count of ``SMALL_CELL`` or more, its smallest count shown of ``SMALL_CELL`` or more
    (ties by label) is hidden too, so that the counts it shows no longer add up to the total withheld (every
    request has one language and one region: the region column would give back a total the language column
    withheld, and with it the small language counts).

    The reader then learns only that the total is at least the counts shown plus ``SMALL_CELL``."""
    if any(row.demand_complementary for row in rows):
        return rows
    rows = sorted(rows, key=lambda row: (row.label, row.key))
    shown = [index for index, row in enumerate(rows) if row.demand >= SMALL_CELL]
    if shown:
        index = min(shown, key=lambda index: rows[index].demand)
        rows[index] = replace(rows[index], demand_complementary=True)
    return rows


@dataclass(frozen=True)
class SupplyDemand:
    start: dt.date
    end: dt.date
    certified_peers: int
    requests: int
    rows: dict[str, list[FacetRow]]
    # Set when a column that adds up to the requests total cannot protect its small counts otherwise.
    requests_complementary: bool = False

    def facet(self, name: str) -> list[FacetRow]:
        return self.rows[name]

    @property
    def certified_peers_shown(self) -> str:
        return suppress(self.certified_peers)

    @property
    def requests_shown(self) -> str:
        return suppress(self.requests, complementary=self.requests_complementary)


def facet_labels() -> dict[str, str]:
    return {
        "language": _("Language"),
        "community": _("Community"),
        "lived_experience": _("Lived experience"),
        "region": _("Region"),
    }


def _period(days: int, today: dt.date | None) -> tuple[dt.date, dt.date, dt.datetime]:
    today = today or timezone.localdate()
    start = today - dt.timedelta(days=days - 1)
    since = timezone.make_aware(dt.datetime.combine(start, dt.time.min))
    return start, today, since


def _count_by(rows: QuerySet[Any], field: str, *, distinct: str | None = None) -> QuerySet[Any, dict[str, Any]]:
    """``rows`` counted per value of ``field`` in the database (GROUP BY): {field: value, "count": rows}, or with
    ``distinct``, the number of different values of that field among them (COUNT DISTINCT)."""
    count = Count(distinct, distinct=True) if distinct else Count("pk")
    return rows.order_by().values(field).annotate(count=count)


def _per_slug(rows: QuerySet[Any], field: str, *, distinct: str | None = None) -> Counter[str]:
    return Counter({row[field]: row["count"] for row in _count_by(rows, field, distinct=distinct)})


def supply_demand(*, days: int = DEFAULT_DAYS, today: dt.date | None = None) -> SupplyDemand:
    """Counted in the database, GROUP BY on the help requests and on the vocabularies' link tables (one row per
    profile or request and term it lists): no request or profile is loaded, and no encrypted field read.

    Supply counts people, not profiles: a peer with a profile at each of two organizations is one certified peer,
    counted once per term either profile lists and once per region either organization serves, as
    ``peer_credential_summary`` counts them."""
    start, end, since = _period(days, today)
    profiles = list(PeerProfile.objects.in_service().order_by().values_list("pk", "user_id", "organization_id"))
    states = peer_credential_statuses([user_id for _, user_id, _ in profiles], today=end)
    certified = [(pk, user_id, org) for pk, user_id, org in profiles if states[user_id] is CredentialState.ACTIVE]
    certified_ids = [pk for pk, _, _ in certified]
    certified_people = len({user_id for _, user_id, _ in certified})
    regions_by_org: dict[int, set[str]] = {}
    for org, region in ServiceArea.objects.values_list("organization_id", "county__region"):
        regions_by_org.setdefault(org, set()).add(region or UNKNOWN_REGION)

    requests = HelpRequest.objects.filter(created_at__gte=since)
    request_count = requests.count()
    supply: dict[str, Counter[str]] = {facet: Counter() for facet in FACETS}
    demand: dict[str, Counter[str]] = {facet: Counter() for facet in FACETS}
    # facet, the vocabulary's field on PeerProfile and on HelpRequest (None: a request has one language, its
    # own column), the term's column in the link tables
    vocabularies = (
        ("language", "languages", None, "language"),
        ("community", "communities", "communities", "community"),
        ("lived_experience", "lived_experience", "lived_experience", "livedexperience"),
    )
    for facet, peer_field, request_field, column in vocabularies:
        links = getattr(PeerProfile, peer_field).through.objects.filter(peerprofile_id__in=certified_ids)
        # A person whose two profiles both list the term is one peer who has it.
        supply[facet].update(_per_slug(links, f"{column}__slug", distinct="peerprofile__user_id"))
        if request_field:
            links = getattr(HelpRequest, request_field).through.objects.filter(helprequest__created_at__gte=since)
            demand[facet].update(_per_slug(links, f"{column}__slug"))
    demand["language"].update(_per_slug(requests, "language__slug"))
    # Once per region any of a person's organizations serves, however many of them serve it.
    regions_by_person: dict[int, set[str]] = {}
    for _pk, user_id, org in certified:
        regions_by_person.setdefault(user_id, set()).update(regions_by_org.get(org, set()))
    for regions in regions_by_person.values():
        supply["region"].update(regions)
    # A request's region is its county's: with no county, or a county without a region, UNKNOWN_REGION.
    for row in _count_by(requests, "county__region"):
        demand["region"][row["county__region"] or UNKNOWN_REGION] += row["count"]

    labels = {
        "language": {t.slug: t.label() for t in Language.objects.all()},
        "community": {t.slug: t.label() for t in Community.objects.all()},
        "lived_experience": {t.slug: t.label() for t in LivedExperience.objects.all()},
        # Region names come from the county data (organizations/fixtures/mn_counties.json); they are translated by
        # value, and templates/i18n/strings_from_code.html lists them for the catalogs.
        "region": {region: _(region) for region in (set(supply["region"]) | set(demand["region"])) - {UNKNOWN_REGION}}
        | {UNKNOWN_REGION: _("Region not known (no county given)")},
    }
    overall = request_count / certified_people if certified_people else None
    rows: dict[str, list[FacetRow]] = {}
    hide_requests = False
    for facet in FACETS:
        keys = set(supply[facet]) | set(demand[facet])
        facet_rows = []
        for key in keys:
            have, want = supply[facet][key], demand[facet][key]
            unmet: bool | None = want > 0 and (
                have == 0 or (overall is not None and want / have > UNMET_FACTOR * overall)
            )
            if facet == "region" and key == UNKNOWN_REGION:
                unmet = None
            facet_rows.append(FacetRow(facet, key, labels[facet].get(key, key), have, want, unmet))
        protected, hide_totals = complementary_suppress(facet_rows)
        hide_requests |= facet in ONE_PER_REQUEST and "demand" in hide_totals
        rows[facet] = protected
    if hide_requests:
        for facet in ONE_PER_REQUEST:
            rows[facet] = withhold_the_total(rows[facet])
    for facet in FACETS:
        rows[facet] = sorted(rows[facet], key=lambda row: (-row.demand, -row.supply, row.label))
    return SupplyDemand(start, end, certified_people, request_count, rows, requests_complementary=hide_requests)


def supply_demand_csv(report: SupplyDemand) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["facet", "value", "certified_peers", "requests", "unmet_demand", "period_start", "period_end"])
    for facet in FACETS:
        for row in report.facet(facet):
            writer.writerow(
                [
                    facet,
                    # A vocabulary term's name is typed by an administrator: inert if it looks like a formula.
                    csv_cell(row.label),
                    row.supply_shown,
                    row.demand_shown,
                    "" if row.unmet is None else "yes" if row.unmet else "no",
                    report.start,
                    report.end,
                ]
            )
    writer.writerow([])
    writer.writerow([f"# counts from 1 to {SMALL_CELL - 1} are suppressed (<{SMALL_CELL})"])
    writer.writerow([f"# where a column has such counts, its next smallest are suppressed too (≥{SMALL_CELL})"])
    if report.requests_complementary:
        writer.writerow(
            [
                f"# the requests total is withheld: the language and region columns each suppress a count of"
                f" {SMALL_CELL} or more too, where they have one (≥{SMALL_CELL})"
            ]
        )
    return out.getvalue()


def supply_demand_svg(report: SupplyDemand, facet: str) -> bytes:
    """A horizontal bar chart of one facet (suppressed cells are left out of the bars)."""
    import pygal
    from pygal.style import Style

    rows = report.facet(facet)[:15]
    style = Style(background="white", plot_background="white", colors=("#1f5f8b", "#c2410c"), font_family="sans-serif")
    chart = pygal.HorizontalBar(
        style=style,
        width=720,
        height=max(240, 40 + 36 * len(rows)),
        js=[],
        disable_xml_declaration=False,
        legend_at_bottom=True,
    )
    chart.title = facet_labels()[facet]
    chart.x_labels = [row.label for row in reversed(rows)]
    chart.add(_("Certified peers"), [row.supply_visible for row in reversed(rows)])
    chart.add(_("Requests"), [row.demand_visible for row in reversed(rows)])
    rendered: bytes = chart.render()
    return rendered
