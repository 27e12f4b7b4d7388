"""Seed stage "organizations": service organizations with sites and service areas, the certification
board, the accreditation body and the state agency.

The first thirteen organizations are the same at every scale (so "riverbend-peer" exists in every
demo); larger scales add generated ones. Every name is invented; the board, the accreditation body and
the state agency say "Demo" in their names so nobody mistakes them for the real Minnesota bodies.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils.text import slugify

from peerway.core.seed.context import OrganizationSeed, SeedContext, SeedError
from peerway.core.seed.places import PLACES, Place, place_get
from peerway.organizations.models import County, Organization, OrganizationKind, ServiceArea, Site


@dataclass(frozen=True)
class PlannedOrganization:
    slug: str
    name: str
    kind: OrganizationKind
    city: str
    focus_profile: str | None = None


FIXED_ORGANIZATIONS: tuple[PlannedOrganization, ...] = (
    PlannedOrganization("riverbend", "Riverbend Recovery Community", OrganizationKind.RCO, "Minneapolis"),
    PlannedOrganization(
        "sunrise-bridge", "Sunrise Bridge Recovery Community", OrganizationKind.RCO, "Saint Paul", "somali"
    ),
    PlannedOrganization("northern-pines", "Northern Pines Recovery Community", OrganizationKind.RCO, "Duluth"),
    PlannedOrganization("birchwater", "Birchwater Recovery Circle", OrganizationKind.RCO, "Bemidji", "ojibwe"),
    PlannedOrganization(
        "prairie-light", "Prairie Light Recovery Community", OrganizationKind.RCO, "Worthington", "latino"
    ),
    PlannedOrganization(
        "kettle-creek", "Kettle Creek Treatment Center", OrganizationKind.SUD_PROGRAM_245G, "Saint Cloud"
    ),
    PlannedOrganization(
        "limestone-bluffs", "Limestone Bluffs Outpatient Program", OrganizationKind.SUD_PROGRAM_245G, "Rochester"
    ),
    PlannedOrganization(
        "blue-heron", "Blue Heron Counseling Services", OrganizationKind.SUD_PROGRAM_245G, "Burnsville"
    ),
    PlannedOrganization("sugar-maple", "Sugar Maple Outpatient Program", OrganizationKind.SUD_PROGRAM_245G, "Moorhead"),
    PlannedOrganization(
        "quiet-harbor",
        "Quiet Harbor Withdrawal Management Center",
        OrganizationKind.WITHDRAWAL_MANAGEMENT,
        "Coon Rapids",
    ),
    PlannedOrganization(
        "demo-cert-board", "Demo Peer Certification Board", OrganizationKind.CERTIFICATION_BOARD, "Saint Paul"
    ),
    PlannedOrganization(
        "demo-accreditation", "Demo Recovery Accreditation Council", OrganizationKind.ACCREDITATION_BODY, "Minneapolis"
    ),
    PlannedOrganization(
        "demo-state-agency", "Demo State Behavioral Health Agency", OrganizationKind.STATE_AGENCY, "Saint Paul"
    ),
)

# Words for generated names. Two of them plus a suffix ("Quiet Heron Recovery Circle") read like a
# Minnesota nonprofit without copying one.
NAME_ADJECTIVES = (
    "Bright", "Clear", "Evening", "Far", "Gentle", "Golden", "Green", "Hidden", "High", "Little", "Morning",
    "North", "Open", "Quiet", "Silver", "Steady", "Still", "True", "Wide", "Wild",
)  # fmt: skip
NAME_NOUNS = (
    "Aspen", "Bluestem", "Cattail", "Fern", "Heron", "Juneberry", "Lantern", "Larkspur", "Loon", "Meadow",
    "Otter", "Prairie", "Ridge", "Sumac", "Thistle", "Trillium", "Willow", "Wren", "Yarrow", "Bur Oak",
)  # fmt: skip
NAME_SUFFIXES: dict[str, tuple[str, ...]] = {
    OrganizationKind.RCO: ("Recovery Community", "Recovery Circle", "Recovery Collective", "Recovery Commons"),
    OrganizationKind.SUD_PROGRAM_245G: ("Treatment Program", "Outpatient Services", "Counseling Center", "Clinic"),
    OrganizationKind.WITHDRAWAL_MANAGEMENT: ("Withdrawal Management Center", "Withdrawal Management Program"),
}
# Invented street names: sites are in real cities, but at no real address.
STREETS = (
    "Aster Commons", "Bluestem Row", "Cattail Court", "Fireweed Way", "Juniper Row", "Lantern Way",
    "Loon Call Road", "Meadowlark Lane", "Prairie Smoke Drive", "Trillium Walk", "Wild Plum Street",
)  # fmt: skip

# Where generated organizations are, by share: most programs are in the Twin Cities.
REGION_SHARES: tuple[tuple[str, float], ...] = (
    ("Metro", 45),
    ("Central", 15),
    ("Southeast", 14),
    ("Northeast", 10),
    ("Northwest", 9),
    ("Southwest", 7),
)
# Share of generated RCOs that are culturally specific, and the profiles they focus on.
FOCUSED_RCO_SHARE = 0.3
FOCUS_PROFILES = ("somali", "hmong", "latino", "ojibwe", "dakota", "african_american", "karen", "oromo")
# How many neighbouring counties (same region) a service organization also serves.
EXTRA_SERVICE_COUNTIES: dict[str, tuple[int, int]] = {
    OrganizationKind.RCO: (0, 3),
    OrganizationKind.SUD_PROGRAM_245G: (0, 2),
    OrganizationKind.WITHDRAWAL_MANAGEMENT: (2, 5),
}
SECOND_SITE_SHARE = 0.25
# Organizations joined Peerway between five years and six years and two months before --today, so every
# participant (created within five years) is younger than their organization.
JOINED_DAYS_AGO = (5 * 365 + 30, 6 * 365 + 60)


def organizations_seed(ctx: SeedContext) -> None:
    """Create every organization, its sites and its service areas; record them in ``ctx.organizations``."""
    counties = {county.name: county for county in County.objects.filter(state="MN")}
    missing = sorted({place.county for place in PLACES} - counties.keys())
    if missing:
        raise SeedError(f"Minnesota counties are missing ({', '.join(missing)}): run `peerway migrate` first.")

    planned = _fixed_plan() + _generated_plan(ctx, counties)
    with ctx.progress_bar("organizations", len(planned)) as bar:
        organizations = [_organization_build(ctx, planned_org) for planned_org, _ in planned]
        ctx.insert(Organization, organizations)
        sites: list[Site] = []
        areas: list[ServiceArea] = []
        for organization, (planned_org, place) in zip(organizations, planned, strict=True):
            home = counties[place.county]
            sites.append(_site_build(ctx, organization, place, home))
            served: list[County] = []
            if organization.serves_people:
                served = _service_counties(ctx, organization, home, counties)
                areas.extend(ServiceArea(organization=organization, county=county) for county in served)
                second = _second_site_place(ctx, organization, served)
                if second is not None:
                    sites.append(_site_build(ctx, organization, second, counties[second.county]))
            ctx.organizations.append(
                OrganizationSeed(
                    organization=organization,
                    region=home.region,
                    place=place,
                    focus_profile=planned_org.focus_profile,
                    service_counties=tuple(county.name for county in served),
                )
            )
            bar.update(1)
        ctx.insert(Site, sites)
        ctx.insert(ServiceArea, areas)


def _fixed_plan() -> list[tuple[PlannedOrganization, Place]]:
    return [(fixed, place_get(fixed.city)) for fixed in FIXED_ORGANIZATIONS]


def _generated_plan(ctx: SeedContext, counties: dict[str, County]) -> list[tuple[PlannedOrganization, Place]]:
    """Organizations beyond the fixed thirteen, up to the scale's count of each kind."""
    fixed_counts = {kind: sum(1 for fixed in FIXED_ORGANIZATIONS if fixed.kind == kind) for kind in NAME_SUFFIXES}
    wanted = {
        OrganizationKind.RCO: ctx.scale.rcos,
        OrganizationKind.SUD_PROGRAM_245G: ctx.scale.programs_245g,
        OrganizationKind.WITHDRAWAL_MANAGEMENT: ctx.scale.withdrawal_programs,
    }
    places_by_region: dict[str, list[Place]] = {}
    for place in PLACES:
        places_by_region.setdefault(counties[place.county].region, []).append(place)
    regions = [region for region, _ in REGION_SHARES]
    region_weights = [share for _, share in REGION_SHARES]

    names_taken = {fixed.name for fixed in FIXED_ORGANIZATIONS}
    slugs_taken = {fixed.slug for fixed in FIXED_ORGANIZATIONS}
    plan: list[tuple[PlannedOrganization, Place]] = []
    for kind, count in wanted.items():
        for _ in range(max(0, count - fixed_counts[kind])):
            name = _unused_name(ctx, kind, names_taken)
            slug = slugify(name)
            if slug in slugs_taken:
                raise SeedError(f"Two generated organizations would share the slug {slug!r}.")
            names_taken.add(name)
            slugs_taken.add(slug)
            region = ctx.rng.choices(regions, region_weights)[0]
            candidates = places_by_region[region]
            place = ctx.rng.choices(candidates, [place.weight for place in candidates])[0]
            focus = None
            if kind == OrganizationKind.RCO and ctx.rng.random() < FOCUSED_RCO_SHARE:
                focus = ctx.rng.choice(FOCUS_PROFILES)
            plan.append((PlannedOrganization(slug, name, kind, place.city, focus), place))
    return plan


def _unused_name(ctx: SeedContext, kind: str, taken: set[str]) -> str:
    # 20 x 20 word pairs x 2-4 suffixes leave at least twice as many names as the large scale needs, so
    # a few redraws always find a free one.
    for _ in range(1_000):
        name = " ".join(
            (ctx.rng.choice(NAME_ADJECTIVES), ctx.rng.choice(NAME_NOUNS), ctx.rng.choice(NAME_SUFFIXES[kind]))
        )
        if name not in taken:
            return name
    raise SeedError(f"Ran out of invented names for {kind} organizations; add words to NAME_NOUNS.")


def _organization_build(ctx: SeedContext, planned: PlannedOrganization) -> Organization:
    created_at = ctx.moment_days_ago(ctx.rng.uniform(*JOINED_DAYS_AGO))
    return Organization(
        public_id=ctx.public_id(),
        slug=planned.slug,
        name=planned.name,
        kind=planned.kind,
        timezone="America/Chicago",
        # Licensed treatment and withdrawal management programs are federally assisted SUD programs, so
        # 42 CFR Part 2 applies to them; RCOs are non-clinical and usually are not.
        part2_program=planned.kind in (OrganizationKind.SUD_PROGRAM_245G, OrganizationKind.WITHDRAWAL_MANAGEMENT),
        active=True,
        created_at=created_at,
        updated_at=ctx.moment_between(created_at, ctx.anchor),
    )


def _site_build(ctx: SeedContext, organization: Organization, place: Place, county: County) -> Site:
    # A site is entered within the month the organization joined.
    created_at = ctx.moment_between(organization.created_at, organization.created_at + dt.timedelta(days=30))
    return Site(
        public_id=ctx.public_id(),
        organization=organization,
        name=f"{place.city} office",
        street=f"{ctx.rng.randint(100, 4999)} {ctx.rng.choice(STREETS)}",
        city=place.city,
        zip_code=place.zip_code,
        county=county,
        created_at=created_at,
        updated_at=created_at,
    )


def _service_counties(
    ctx: SeedContext, organization: Organization, home: County, counties: dict[str, County]
) -> list[County]:
    """The home county first, then a few others from the same region, in a stable order."""
    low, high = EXTRA_SERVICE_COUNTIES[organization.kind]
    neighbours = [
        county for name, county in sorted(counties.items()) if county.region == home.region and county != home
    ]
    extra = ctx.rng.sample(neighbours, min(len(neighbours), ctx.rng.randint(low, high)))
    return [home, *extra]


def _second_site_place(ctx: SeedContext, organization: Organization, served: list[County]) -> Place | None:
    """An RCO sometimes has a second site in another county it serves, when that county has a city we know."""
    if organization.kind != OrganizationKind.RCO or ctx.rng.random() >= SECOND_SITE_SHARE:
        return None
    served_names = {county.name for county in served[1:]}
    candidates = [place for place in PLACES if place.county in served_names]
    return ctx.rng.choice(candidates) if candidates else None
