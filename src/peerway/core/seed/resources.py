"""Seed stage "resources": an invented resource directory and referrals for the engagements that exist.

Every name is invented from the word lists below (the description says so), phone numbers are in the
555-0100..0199 block reserved for fiction, websites are under example.org, streets are "Example" streets. Resources
are mostly shared state-wide, some belong to a service organization. Referrals are made for whatever
engagements earlier stages created (queried, not assumed), with outcomes and some overdue follow-ups.
"""

from __future__ import annotations

import datetime as dt

from peerway.core.models import Community, Language
from peerway.core.seed.context import SeedContext
from peerway.core.seed.places import PLACES
from peerway.organizations.models import County
from peerway.recovery.models import Engagement, Referral, ReferralStatus
from peerway.resources.models import Resource, ResourceCategory

OWNED_SHARE = 0.3
REFERRED_ENGAGEMENT_SHARE = 0.45
MAX_REFERRALS_PER_ENGAGEMENT = 3
# An open referral older than this has usually been acknowledged, completed or declined.
SETTLED_AFTER_DAYS = 30

PREFIXES = (
    "Cedar",
    "North Star",
    "Riverside",
    "Prairie",
    "Lakeside",
    "Pine Ridge",
    "Bluestem",
    "Loon Lake",
    "Birchwood",
    "Maple Hollow",
    "Red Pine",
    "Iron Range",
    "Sunrise",
    "Wild Rice",
    "Two Rivers",
    "Granite",
    "Meadowlark",
    "Willow Bend",
    "Aspen",
    "Harbor Light",
)
NOUNS: dict[str, tuple[str, ...]] = {
    ResourceCategory.HOUSING: ("Sober Living", "Recovery Residence", "Housing Access Desk", "Shelter Navigation"),
    ResourceCategory.MOUD: ("MOUD Clinic", "Bridge Clinic", "Medication Recovery Center", "Opioid Treatment Program"),
    ResourceCategory.WITHDRAWAL_MANAGEMENT: ("Withdrawal Management Unit", "Detox and Stabilization Center"),
    ResourceCategory.MUTUAL_AID: (
        "Recovery Circle",
        "All Pathways Meeting",
        "Secular Recovery Group",
        "Fellowship Hall",
    ),
    ResourceCategory.EMPLOYMENT: ("Work Ready Program", "Second Chance Jobs", "Career Bridge"),
    ResourceCategory.LEGAL: ("Legal Aid Hour", "Expungement Clinic", "Tenant Rights Desk"),
    ResourceCategory.FOOD: ("Food Shelf", "Community Pantry", "Free Meal Program"),
    ResourceCategory.TRANSPORT: ("Ride Link", "Medical Rides", "Bus Pass Program"),
    ResourceCategory.CULTURALLY_SPECIFIC: ("Wellness Circle", "Family Healing Lodge", "Community Recovery Center"),
    ResourceCategory.OTHER: ("Community Resource Center", "Recovery Café", "Family Support Line"),
}
CATEGORY_WEIGHTS: dict[str, int] = {
    ResourceCategory.HOUSING: 14,
    ResourceCategory.MOUD: 12,
    ResourceCategory.WITHDRAWAL_MANAGEMENT: 5,
    ResourceCategory.MUTUAL_AID: 20,
    ResourceCategory.EMPLOYMENT: 8,
    ResourceCategory.LEGAL: 6,
    ResourceCategory.FOOD: 12,
    ResourceCategory.TRANSPORT: 6,
    ResourceCategory.CULTURALLY_SPECIFIC: 10,
    ResourceCategory.OTHER: 7,
}
# A culturally specific service: the community it serves and the languages it works in.
CULTURAL_FOCUS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("somali", ("so", "en")),
    ("oromo", ("om", "en")),
    ("hmong", ("hmn", "en")),
    ("karen", ("ksw", "en")),
    ("latino-mexican", ("es", "en")),
    ("ojibwe", ("oj", "en")),
    ("dakota", ("dak", "en")),
    ("african-american", ("en",)),
    ("lgbtq", ("en",)),
    ("veterans", ("en",)),
    ("deaf", ("ase", "en")),
)
EXTRA_LANGUAGES = ("es", "so", "hmn", "vi", "ar", "om", "am")
HOURS = (
    "Mon-Fri 8:00-16:30",
    "Mon-Sat 6:00-14:00",
    "Tuesdays 19:00",
    "Daily 10:00-20:00",
    "Wed and Sat 10:00-13:00",
    "By appointment",
    "24 hours",
)
ELIGIBILITY = ("Open to all", "Adults 18+", "Minnesota residents", "Medical Assistance accepted", "No cost", "")
REFERRAL_NOTES = (
    "Asked for help finding a place to stay.",
    "Wants to start medication; prefers a walk-in clinic.",
    "Looking for a meeting close to home.",
    "Needs groceries this week.",
    "Court date coming up; wants advice.",
    "Needs rides to appointments.",
)
OUTCOMES = {
    ReferralStatus.ACKNOWLEDGED: ("Called them together; intake scheduled.", "Clinic confirmed they received it."),
    ReferralStatus.COMPLETED: ("Went and got what they needed.", "Started there and going weekly.", "Moved in."),
    ReferralStatus.DECLINED: ("Decided not to go for now.", "Waiting list too long.", "Found something else."),
}


def resources_seed(ctx: SeedContext) -> None:
    rng = ctx.rng
    county_ids = dict(County.objects.filter(state="MN").values_list("name", "id"))
    language_ids = dict(Language.objects.values_list("slug", "id"))
    community_ids = dict(Community.objects.values_list("slug", "id"))
    places = [place for place in PLACES if place.county in county_ids]
    place_weights = [place.weight for place in places]
    categories = list(CATEGORY_WEIGHTS)
    category_weights = [CATEGORY_WEIGHTS[c] for c in categories]
    owners = [seeded.organization for seeded in ctx.service_organizations]

    resources: list[Resource] = []
    language_links: list[tuple[int, int]] = []  # (resource index, language id)
    community_links: list[tuple[int, int]] = []
    for index in range(ctx.scale.resources):
        category = rng.choices(categories, category_weights)[0]
        place = rng.choices(places, place_weights)[0]
        name = f"{rng.choice(PREFIXES)} {rng.choice(NOUNS[category])} of {place.city}"
        slug = "-".join(name.lower().replace(".", "").split())
        languages = ["en"]
        if category == ResourceCategory.CULTURALLY_SPECIFIC:
            community, languages_spoken = rng.choice(CULTURAL_FOCUS)
            languages = list(languages_spoken)
            if community in community_ids:
                community_links.append((index, community_ids[community]))
        elif rng.random() < 0.35:
            languages.append(rng.choice(EXTRA_LANGUAGES))
        for slug_language in dict.fromkeys(languages):
            if slug_language in language_ids:
                language_links.append((index, language_ids[slug_language]))
        created_at = ctx.moment_days_ago(rng.uniform(30, 5 * 365))
        resources.append(
            Resource(
                public_id=ctx.public_id(),
                organization=rng.choice(owners) if owners and rng.random() < OWNED_SHARE else None,
                external_id=f"seed-{index + 1:05d}",
                name=name[:200],
                category=category,
                description="Invented for demonstration; not a real service.",
                hours=rng.choice(HOURS),
                street=f"{rng.randint(100, 9999)} Example {rng.choice(('Avenue', 'Street', 'Road', 'Lane'))}",
                city=place.city,
                county_id=county_ids[place.county],
                zip_code=place.zip_code,
                phone=f"({place.area_code}) 555-01{rng.randint(0, 99):02d}",
                website=f"https://{slug[:50]}-{index + 1}.example.org",
                eligibility=rng.choice(ELIGIBILITY),
                active=rng.random() > 0.03,
                created_at=created_at,
                updated_at=created_at,
            )
        )
    resources = ctx.insert(Resource, resources)
    ctx.insert(
        Resource.languages.through,
        [Resource.languages.through(resource_id=resources[i].pk, language_id=lid) for i, lid in language_links],
    )
    ctx.insert(
        Resource.communities.through,
        [Resource.communities.through(resource_id=resources[i].pk, community_id=cid) for i, cid in community_links],
    )
    _referrals_seed(ctx, [r for r in resources if r.active])


def _referrals_seed(ctx: SeedContext, resources: list[Resource]) -> None:
    rng = ctx.rng
    shared = [r for r in resources if r.organization_id is None]
    by_org: dict[int, list[Resource]] = {}
    for resource in resources:
        if resource.organization_id is not None:
            by_org.setdefault(resource.organization_id, []).append(resource)
    engagements = Engagement.objects.order_by("id").values_list(
        "id", "organization_id", "started_at", "ended_at", "peer__user_id"
    )
    today = ctx.today
    referrals: list[Referral] = []
    for engagement_id, organization_id, started_at, ended_at, user_id in engagements.iterator():
        if rng.random() >= REFERRED_ENGAGEMENT_SHARE:
            continue
        choices = shared + by_org.get(organization_id, [])
        if not choices:
            continue
        latest = min(ended_at or ctx.anchor, ctx.anchor)
        if latest <= started_at:
            continue
        for _ in range(rng.randint(1, MAX_REFERRALS_PER_ENGAGEMENT)):
            sent_at = ctx.moment_between(started_at, latest)
            age_days = (ctx.anchor - sent_at).days
            status = _status(ctx, age_days)
            acknowledged_at = closed_at = None
            if status != ReferralStatus.SENT:
                acknowledged_at = ctx.moment_between(sent_at, min(sent_at + dt.timedelta(days=7), ctx.anchor))
            if acknowledged_at is not None and status in (ReferralStatus.COMPLETED, ReferralStatus.DECLINED):
                closed_at = ctx.moment_between(
                    acknowledged_at, min(acknowledged_at + dt.timedelta(days=30), ctx.anchor)
                )
                if status == ReferralStatus.DECLINED and rng.random() < 0.5:
                    acknowledged_at = None
            follow_up_on = sent_at.date() + dt.timedelta(days=rng.choice((3, 7, 14, 21)))
            open_ = status in (ReferralStatus.SENT, ReferralStatus.ACKNOWLEDGED)
            # Overdue: open and its date has passed; most were already reminded by the worker.
            reminded = open_ and follow_up_on < today and rng.random() < 0.7
            referrals.append(
                Referral(
                    public_id=ctx.public_id(),
                    engagement_id=engagement_id,
                    resource=rng.choice(choices),
                    status=status,
                    note=rng.choice(REFERRAL_NOTES),
                    outcome_note=rng.choice(OUTCOMES[status]) if status in OUTCOMES else None,
                    sent_at=sent_at,
                    acknowledged_at=acknowledged_at,
                    closed_at=closed_at,
                    follow_up_on=follow_up_on,
                    reminder_sent_at=(
                        dt.datetime.combine(follow_up_on, dt.time(14, 0), tzinfo=dt.UTC) if reminded else None
                    ),
                    created_by_id=user_id,
                    created_at=sent_at,
                    updated_at=closed_at or acknowledged_at or sent_at,
                )
            )
    ctx.insert(Referral, referrals)


def _status(ctx: SeedContext, age_days: int) -> str:
    roll = ctx.rng.random()
    if age_days < 7:
        return ReferralStatus.SENT if roll < 0.7 else ReferralStatus.ACKNOWLEDGED
    if age_days < SETTLED_AFTER_DAYS:
        if roll < 0.3:
            return ReferralStatus.SENT
        return ReferralStatus.ACKNOWLEDGED if roll < 0.7 else ReferralStatus.COMPLETED
    if roll < 0.08:
        return ReferralStatus.SENT
    if roll < 0.15:
        return ReferralStatus.ACKNOWLEDGED
    return ReferralStatus.COMPLETED if roll < 0.75 else ReferralStatus.DECLINED
