"""Seed stage "peers": a matching profile and weekly shifts for every peer, and for some supervisors.

As in many Minnesota RCOs, about half the supervisors also carry a small caseload as peers: they get a
peer membership in their organization besides their supervisor one (the app offers requests only to holders
of the peer role, and shows a caseload only to them), and a small caseload limit. A small organization's
only supervisor is its demo supervisor, so that account may hold both roles.

Each profile follows the community background the people stage drew for the staff member's name, so a
peer with a Somali name usually speaks Somali and names the Somali community, an Ojibwe peer may know
cultural and traditional pathways, and so on; the shares are rough and only make the demo look like
Minnesota. Peers serve in person around their organization's home county, located at the county's
centroid as the profile form does. About 30% are on shift now, and the demo peer ("riverbend-peer") always
is, so the live queue of `make demo` is alive. Profiles, shifts and every many-to-many link are inserted
with bulk_create (the through tables directly), which is what keeps 10,000 profiles fast.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import models

from peerway.accounts.models import Membership
from peerway.accounts.roles import Role
from peerway.core.models import Community, Language, LivedExperience, RecoveryPathway
from peerway.core.seed.communities import PROFILES
from peerway.core.seed.context import OrganizationSeed, PeerSeed, SeedContext, SeedError, StaffSeed
from peerway.core.seed.introductions import introduction_write
from peerway.organizations.geography import place_for_county
from peerway.organizations.models import County
from peerway.workforce.models import AgeBand, Gender, Modality, PeerProfile, PeerStatus, WeeklyShift

# The account `make demo` tells people to sign in with to see the live queue.
DEMO_PEER_USERNAME = "riverbend-peer"
ON_SHIFT_SHARE = 0.3
# Supervisors who also carry a small caseload as peers, with a caseload limit from SUPERVISOR_CASELOAD_LIMIT.
SUPERVISOR_PROFILE_SHARE = 0.5
ON_LEAVE_SHARE = 0.03
INACTIVE_SHARE = 0.02
CASELOAD_LIMIT = (15, 40)
SUPERVISOR_CASELOAD_LIMIT = (4, 10)
CHUNK = 2_000
PROFILE_WITHIN = dt.timedelta(days=14)

# Languages a peer of each community profile speaks besides English, each with its own probability.
# Peers are hired partly for the languages they bring, so these run above the share of people who asked
# for the language (communities.py).
PEER_LANGUAGES: dict[str, tuple[tuple[str, float], ...]] = {
    "general": (("es", 0.06), ("ase", 0.01)),
    "somali": (("so", 0.85), ("ar", 0.1)),
    "hmong": (("hmn", 0.8),),
    "latino": (("es", 0.9),),
    "oromo": (("om", 0.85), ("am", 0.35), ("so", 0.1)),
    "ethiopian": (("am", 0.85), ("om", 0.1)),
    "karen": (("ksw", 0.8),),
    "ojibwe": (("oj", 0.15),),
    "dakota": (("dak", 0.12),),
    "african_american": (("es", 0.03),),
    "liberian": (),
    "vietnamese": (("vi", 0.8),),
    "arab": (("ar", 0.9),),
    "rural_white": (("es", 0.03),),
    "deaf": (("ase", 0.95),),
}
# A few peers (Deaf peers who sign only, recent arrivals) do not list English.
ENGLISH_SHARE = 0.97

LIVED_EXPERIENCE_WEIGHTS: tuple[tuple[str, float], ...] = (
    ("alcohol", 45),
    ("opioids", 35),
    ("methamphetamine", 30),
    ("cannabis", 15),
    ("medication-recovery", 18),
    ("harm-reduction", 15),
    ("justice-involvement", 25),
    ("parenting", 25),
    ("homelessness", 15),
    ("co-occurring-mental-health", 20),
)
PATHWAY_WEIGHTS: tuple[tuple[str, float], ...] = (
    ("twelve-step", 40),
    ("secular-mutual-aid", 10),
    ("medication", 15),
    ("faith-based", 18),
    ("cultural-traditional", 8),
    ("harm-reduction", 12),
    ("treatment", 20),
    ("self-directed", 10),
)
# Communities whose peers more often name cultural and traditional ways or faith as their pathway.
CULTURAL_PATHWAY_PROFILES = frozenset({"ojibwe", "dakota", "hmong", "karen"})
FAITH_PATHWAY_PROFILES = frozenset({"somali", "oromo", "ethiopian", "african_american", "liberian", "latino", "arab"})

AGE_BAND_WEIGHTS: tuple[tuple[str, float], ...] = (
    (AgeBand.AGE_18_24, 6),
    (AgeBand.AGE_25_34, 28),
    (AgeBand.AGE_35_44, 32),
    (AgeBand.AGE_45_54, 20),
    (AgeBand.AGE_55_64, 11),
    (AgeBand.AGE_65_PLUS, 3),
)
MODALITY_SHARES: tuple[tuple[str, float], ...] = (
    (Modality.PHONE, 0.95),
    (Modality.TEXT, 0.85),
    (Modality.VIDEO, 0.5),
    (Modality.IN_PERSON, 0.7),
)
EXTRA_SERVICE_COUNTIES = (0, 2)
# Kilometres a peer travels to meet in person: short in the Twin Cities, long up north and out west.
METRO_RADIUS_KM = (15, 40)
RURAL_RADIUS_KM = (40, 120)


def _name_set(text: str) -> frozenset[str]:
    # Comma-separated, because some names (Hmong, Karen) contain spaces.
    return frozenset(name.strip() for name in text.split(","))


# First names of the name pools that are clearly feminine or masculine, so a generated peer's gender fits
# their name. Names in neither set (Alex, Casey, most Karen names, where "Naw" and "Saw" are the feminine and
# masculine honorifics) get a gender drawn at random.
FEMININE_NAMES = _name_set(
    "Amina, Asha, Ayan, Deqa, Fartun, Hawa, Hodan, Idil, Khadra, Maryan, Muna, Nasra, Nimco, Sagal, Sahra, "
    "Yasmin, Bao, Choua, Houa, Ka, Kia, Mai, Maiv, Nou, Pa, Shoua, Xee, Zoua, Adriana, Alejandra, Ana, "
    "Daniela, Elena, Guadalupe, Lucía, María, Marisol, Patricia, Rosa, Sofía, Verónica, Yesenia, Bilise, "
    "Bontu, Chaltu, Ebise, Fayo, Hawi, Lalise, Lensa, Meti, Bethlehem, Eden, Hana, Mekdes, Meron, Rahel, "
    "Selam, Tsion, Autumn, Brandy, Cheyenne, Jenna, Jolene, Leah, Raven, Roxanne, Shania, Sierra, Kendra, "
    "Mariah, Rochelle, Shawna, Loretta, Aaliyah, Brianna, Imani, Jasmine, Keisha, Kiara, Latoya, Monique, "
    "Nia, Tasha, Blessing, Comfort, Esther, Fatu, Korpo, Mamie, Musu, Patience, Satta, Hoa, Huong, Lan, "
    "Linh, Thao, Trang, Vy, Fatima, Huda, Layla, Mariam, Noor, Rania, Zainab, Amber, Brenda, Darcy, Heidi, "
    "Jodi, Kari, Lisa, Shelly, Tammy, Emily, Hannah, Jessica, Katie, Laura, Megan, Sarah, Mai Nhia, Pa Houa, "
    "Naw Paw"
)
MASCULINE_NAMES = _name_set(
    "Abdi, Abdirahman, Ahmed, Bashir, Farhan, Guled, Hamza, Ibrahim, Liban, Mahad, Mohamed, Zakariye, Cheng, "
    "Chue, Fue, Kou, Lue, Neng, Nhia, Pheng, Tou, Yeng, Yia, Alejandro, Carlos, Diego, Eduardo, Fernando, "
    "Héctor, Javier, Jesús, José, Juan, Luis, Miguel, Óscar, Ricardo, Chala, Gadaa, Gemechu, Ifa, Jaalo, "
    "Kedir, Obsa, Tolera, Urji, Abel, Biniam, Dawit, Samuel, Yared, Yonas, Cody, Dustin, Marlon, Shawn, "
    "Tanner, Travis, Vernon, Wade, Waylon, Darrell, Dion, Leon, Nathan, Tristan, Andre, Darnell, DeShawn, "
    "Jamal, Jerome, Malik, Marcus, Terrell, Tyrone, Xavier, Alfred, Emmanuel, Moses, Prince, Sekou, Duc, "
    "Hung, Minh, Nam, Quang, Tuan, Ahmad, Hassan, Khalid, Omar, Samir, Tariq, Arlen, Brent, Dale, Duane, "
    "Gary, Jeremy, Kyle, Lance, Randy, Wayne, Ben, Jake, Josh, Matt, Nick, Ryan, Tyler, Saw Htoo"
)
NONBINARY_SHARE = 0.03
# Two-Spirit is an identity of Indigenous people; only Ojibwe and Dakota peers may draw it.
TWO_SPIRIT_SHARE = 0.04
TWO_SPIRIT_PROFILES = frozenset({"ojibwe", "dakota"})
GENDER_UNSTATED_SHARE = 0.05

# Weekly patterns in Minnesota time: most peers work weekday days; some cover evenings or weekends.
# Each is (weight, weekdays, start choices, end choices).
SHIFT_PATTERNS: tuple[tuple[float, tuple[int, ...], tuple[dt.time, ...], tuple[dt.time, ...]], ...] = (
    (55, (0, 1, 2, 3, 4), (dt.time(8), dt.time(8, 30), dt.time(9)), (dt.time(16), dt.time(16, 30), dt.time(17))),
    (15, (0, 1, 2, 3), (dt.time(16), dt.time(17)), (dt.time(21), dt.time(22))),
    (12, (4, 5, 6), (dt.time(10), dt.time(12)), (dt.time(18), dt.time(20))),
    (18, (0, 1, 2, 3, 4), (dt.time(10), dt.time(12)), (dt.time(14), dt.time(16))),
)
# Part of a pattern's weekdays a part-timer keeps (the last pattern is part-time).
PART_TIME_DAYS = (2, 3)
EXTRA_EVENING_SHARE = 0.15
EXTRA_EVENING = (dt.time(17), dt.time(20))


@dataclass(frozen=True)
class PeerVocabulary:
    language_ids: dict[str, int]
    community_ids: dict[str, int]
    experience_ids: dict[str, int]
    pathway_ids: dict[str, int]
    county_ids: dict[str, int]


@dataclass
class BuiltPeer:
    profile: PeerProfile
    staff: StaffSeed
    seeded: OrganizationSeed
    languages: tuple[str, ...]
    communities: tuple[str, ...]
    lived_experience: tuple[str, ...]
    pathways: tuple[str, ...]
    counties: tuple[str, ...]
    shifts: list[tuple[int, dt.time, dt.time]]


def peer_vocabulary_load() -> PeerVocabulary:
    vocabulary = PeerVocabulary(
        language_ids=dict(Language.objects.values_list("slug", "id")),
        community_ids=dict(Community.objects.values_list("slug", "id")),
        experience_ids=dict(LivedExperience.objects.values_list("slug", "id")),
        pathway_ids=dict(RecoveryPathway.objects.values_list("slug", "id")),
        county_ids=dict(County.objects.filter(state="MN").values_list("name", "id")),
    )
    wanted = {slug for pairs in PEER_LANGUAGES.values() for slug, _ in pairs} | {"en"}
    missing = sorted(wanted - vocabulary.language_ids.keys())
    missing += sorted({slug for slug, _ in LIVED_EXPERIENCE_WEIGHTS} - vocabulary.experience_ids.keys())
    missing += sorted({slug for slug, _ in PATHWAY_WEIGHTS} - vocabulary.pathway_ids.keys())
    if missing:
        raise SeedError(f"Vocabulary terms are missing ({', '.join(missing)}): run `peerway migrate` first.")
    return vocabulary


def peers_seed(ctx: SeedContext) -> None:
    """Create a PeerProfile (with shifts and vocabulary links) for every peer and for the supervisors who carry
    a caseload, who also get a peer membership; record the profiles in ``ctx.peers``."""
    vocabulary = peer_vocabulary_load()
    organizations = {seeded.organization.pk: seeded for seeded in ctx.organizations}
    staff = [member for member in ctx.staff if member.role == Role.PEER or _carries_caseload(ctx, member)]
    pending: list[BuiltPeer] = []
    with ctx.progress_bar("peers", len(staff)) as bar:
        for member in staff:
            pending.append(_peer_build(ctx, member, organizations[member.organization_id]))
            if len(pending) == CHUNK:
                _peers_insert(ctx, pending, vocabulary)
                bar.update(len(pending))
                pending = []
        _peers_insert(ctx, pending, vocabulary)
        bar.update(len(pending))


def _carries_caseload(ctx: SeedContext, member: StaffSeed) -> bool:
    """Whether a supervisor also works as a peer."""
    return member.role == Role.SUPERVISOR and ctx.rng.random() < SUPERVISOR_PROFILE_SHARE


def _peer_build(ctx: SeedContext, member: StaffSeed, seeded: OrganizationSeed) -> BuiltPeer:
    rng = ctx.rng
    profile_key = member.profile
    languages = _languages(ctx, profile_key)
    communities = _communities(ctx, profile_key)
    age_band = rng.choices(*zip(*AGE_BAND_WEIGHTS, strict=True))[0]
    experience = _lived_experience(ctx, communities, age_band)
    pathways = _pathways(ctx, profile_key, experience)
    modalities = [modality for modality, share in MODALITY_SHARES if rng.random() < share] or [Modality.PHONE]
    counties: tuple[str, ...] = ()
    latitude = longitude = None
    metro = seeded.region == "Metro"
    radius = rng.randint(*(METRO_RADIUS_KM if metro else RURAL_RADIUS_KM))
    if Modality.IN_PERSON in modalities and seeded.service_counties:
        home, *others = seeded.service_counties
        extra = rng.sample(others, min(len(others), rng.randint(*EXTRA_SERVICE_COUNTIES)))
        counties = (home, *extra)
        # The first county served gives the home point, as peer_profile_update does for the form.
        place = place_for_county(home)
        if place is not None:
            latitude, longitude = place.latitude, place.longitude
    demo_peer = member.username == DEMO_PEER_USERNAME
    status = _status(ctx, demo_peer)
    on_shift = status == PeerStatus.ACTIVE and (demo_peer or rng.random() < ON_SHIFT_SHARE)
    # Peers fill in their profile within their first two weeks.
    created_at = ctx.moment_between(member.joined, min(member.joined + PROFILE_WITHIN, ctx.anchor))
    years = rng.randint(1, 4) if age_band == AgeBand.AGE_18_24 else rng.randint(2, 22)
    profile = PeerProfile(
        public_id=ctx.public_id(),
        user_id=member.user_id,
        organization_id=member.organization_id,
        display_name=member.first_name,
        introduction=introduction_write(
            rng,
            name=member.first_name,
            city=seeded.place.city,
            languages=languages,
            communities=communities,
            lived_experience=experience,
            pathways=pathways,
            modalities=modalities,
            years_in_recovery=years,
        ),
        gender=_gender(ctx, member.first_name, profile_key),
        age_band=age_band,
        modalities=list(modalities),
        latitude=latitude,
        longitude=longitude,
        service_radius_km=radius,
        caseload_limit=rng.randint(*(SUPERVISOR_CASELOAD_LIMIT if member.role == Role.SUPERVISOR else CASELOAD_LIMIT)),
        status=status,
        on_shift=on_shift,
        # A shift that began during the last evening before --today's midnight.
        on_shift_since=ctx.anchor - dt.timedelta(seconds=rng.randint(600, 5 * 3_600)) if on_shift else None,
        created_at=created_at,
        updated_at=ctx.moment_between(created_at, ctx.anchor),
    )
    return BuiltPeer(
        profile=profile,
        staff=member,
        seeded=seeded,
        languages=languages,
        communities=communities,
        lived_experience=experience,
        pathways=pathways,
        counties=counties,
        shifts=_shifts(ctx),
    )


def _languages(ctx: SeedContext, profile_key: str) -> tuple[str, ...]:
    spoken = [slug for slug, share in PEER_LANGUAGES[profile_key] if ctx.rng.random() < share]
    if not spoken or ctx.rng.random() < ENGLISH_SHARE:
        spoken.insert(0, "en")
    return tuple(spoken)


def _communities(ctx: SeedContext, profile_key: str) -> tuple[str, ...]:
    profile = PROFILES[profile_key]
    slugs: list[str] = []
    primary = ctx.rng.choices(*zip(*profile.primary, strict=True))[0]
    if primary is not None:
        slugs.append(primary)
    # Peers name LGBTQ+ and veteran communities a little more often than the people they serve, since
    # those lived experiences are a reason many were hired.
    for slug, share in (*profile.extras, ("lgbtq", 0.1), ("veterans", 0.06)):
        if ctx.rng.random() < share and slug not in slugs:
            slugs.append(slug)
    return tuple(slugs)


def _lived_experience(ctx: SeedContext, communities: Sequence[str], age_band: str) -> tuple[str, ...]:
    keys, weights = zip(*LIVED_EXPERIENCE_WEIGHTS, strict=True)
    chosen: list[str] = []
    for _ in range(ctx.rng.randint(1, 4)):
        slug = ctx.rng.choices(keys, weights)[0]
        if slug not in chosen:
            chosen.append(slug)
    if "lgbtq" in communities:
        chosen.append("lgbtq")
    if "veterans" in communities:
        chosen.append("veteran")
    if age_band == AgeBand.AGE_18_24 and ctx.rng.random() < 0.6:
        chosen.append("youth")
    if age_band in (AgeBand.AGE_55_64, AgeBand.AGE_65_PLUS) and ctx.rng.random() < 0.5:
        chosen.append("elder")
    return tuple(chosen)


def _pathways(ctx: SeedContext, profile_key: str, experience: Sequence[str]) -> tuple[str, ...]:
    keys, weights = zip(*PATHWAY_WEIGHTS, strict=True)
    chosen: list[str] = []
    if "medication-recovery" in experience:
        chosen.append("medication")
    if profile_key in CULTURAL_PATHWAY_PROFILES and ctx.rng.random() < 0.5:
        chosen.append("cultural-traditional")
    if profile_key in FAITH_PATHWAY_PROFILES and ctx.rng.random() < 0.35:
        chosen.append("faith-based")
    for _ in range(ctx.rng.randint(1, 2)):
        slug = ctx.rng.choices(keys, weights)[0]
        if slug not in chosen:
            chosen.append(slug)
    return tuple(chosen)


def _gender(ctx: SeedContext, first_name: str, profile_key: str) -> str:
    draw = ctx.rng.random()
    if draw < GENDER_UNSTATED_SHARE:
        return ""
    if profile_key in TWO_SPIRIT_PROFILES and draw < GENDER_UNSTATED_SHARE + TWO_SPIRIT_SHARE:
        return Gender.TWO_SPIRIT
    if draw > 1 - NONBINARY_SHARE:
        return Gender.NONBINARY
    if first_name in FEMININE_NAMES:
        return Gender.WOMAN
    if first_name in MASCULINE_NAMES:
        return Gender.MAN
    return Gender.WOMAN if ctx.rng.random() < 0.55 else Gender.MAN


def _status(ctx: SeedContext, demo_peer: bool) -> str:
    draw = ctx.rng.random()
    if demo_peer or draw >= ON_LEAVE_SHARE + INACTIVE_SHARE:
        return PeerStatus.ACTIVE
    return PeerStatus.ON_LEAVE if draw < ON_LEAVE_SHARE else PeerStatus.INACTIVE


def _shifts(ctx: SeedContext) -> list[tuple[int, dt.time, dt.time]]:
    """A peer's weekly shifts as (weekday, start, end), in Minnesota time, never overnight."""
    rng = ctx.rng
    index = rng.choices(range(len(SHIFT_PATTERNS)), [pattern[0] for pattern in SHIFT_PATTERNS])[0]
    _, weekdays, starts, ends = SHIFT_PATTERNS[index]
    if index == len(SHIFT_PATTERNS) - 1:
        weekdays = tuple(sorted(rng.sample(weekdays, rng.randint(*PART_TIME_DAYS))))
    start, end = rng.choice(starts), rng.choice(ends)
    shifts = [(weekday, start, end) for weekday in weekdays]
    if index == 0 and rng.random() < EXTRA_EVENING_SHARE:
        # A weekday-day peer who also covers one evening a week, after a break.
        evening_day = rng.choice(weekdays)
        shifts = [shift for shift in shifts if shift[0] != evening_day] + [(evening_day, start, dt.time(12))]
        shifts.append((evening_day, *EXTRA_EVENING))
    return sorted(shifts)


def _peers_insert(ctx: SeedContext, built: list[BuiltPeer], vocabulary: PeerVocabulary) -> None:
    if not built:
        return
    created = ctx.insert(PeerProfile, [item.profile for item in built])
    links: dict[str, list[models.Model]] = {}

    def link(field: str, profile_id: int, target_ids: Sequence[int]) -> None:
        relation = getattr(PeerProfile, field)
        through: type[models.Model] = relation.through
        source, target = relation.field.m2m_column_name(), relation.field.m2m_reverse_name()
        links.setdefault(field, []).extend(through(**{source: profile_id, target: item}) for item in target_ids)

    shifts: list[WeeklyShift] = []
    memberships: list[Membership] = []
    for profile, item in zip(created, built, strict=True):
        if profile.pk is None:
            raise SeedError("The database did not return ids from bulk_create; Peerway needs SQLite 3.35+.")
        link("languages", profile.pk, [vocabulary.language_ids[slug] for slug in item.languages])
        link("communities", profile.pk, [vocabulary.community_ids[slug] for slug in item.communities])
        link("lived_experience", profile.pk, [vocabulary.experience_ids[slug] for slug in item.lived_experience])
        link("pathways", profile.pk, [vocabulary.pathway_ids[slug] for slug in item.pathways])
        link("service_counties", profile.pk, [vocabulary.county_ids[name] for name in item.counties])
        shifts.extend(
            WeeklyShift(peer_id=profile.pk, weekday=weekday, starts_at=starts, ends_at=ends)
            for weekday, starts, ends in item.shifts
        )
        if item.staff.role == Role.SUPERVISOR:
            # The peer role comes before the profile it lets the supervisor fill in.
            memberships.append(
                Membership(
                    public_id=ctx.public_id(),
                    user_id=item.staff.user_id,
                    organization_id=item.staff.organization_id,
                    role=Role.PEER,
                    active=True,
                    created_at=ctx.moment_between(item.staff.joined, profile.created_at),
                )
            )
        ctx.peers.append(
            PeerSeed(
                profile_id=profile.pk,
                public_id=profile.public_id,
                user_id=item.staff.user_id,
                organization_id=item.staff.organization_id,
                region=item.seeded.region,
                role=item.staff.role,
                demo_username=item.staff.username if item.staff.demo else None,
                languages=item.languages,
                communities=item.communities,
                lived_experience=item.lived_experience,
                pathways=item.pathways,
                gender=profile.gender,
                age_band=profile.age_band,
                modalities=tuple(profile.modalities),
                service_counties=item.counties,
                latitude=profile.latitude,
                longitude=profile.longitude,
                service_radius_km=profile.service_radius_km,
                caseload_limit=profile.caseload_limit,
                status=profile.status,
                on_shift=profile.on_shift,
                created_at=profile.created_at,
            )
        )
    for field in ("languages", "communities", "lived_experience", "pathways", "service_counties"):
        relation = getattr(PeerProfile, field)
        ctx.insert(relation.through, links.get(field, []))
    ctx.insert(WeeklyShift, shifts)
    ctx.insert(Membership, memberships)
