"""The synthetic people who ask for a peer: who they are, how to reach them, what they would like to share.

An asker is drawn like a participant (a community profile of the region of the organization whose area
they live in, a name from that profile's pool), then fills in the request form the way people do: most
leave a first name, a few need a peer who speaks their language, many pick no lived experience at all.
Phone numbers are in the 555-0100..0199 block reserved for fiction; e-mail addresses are at example.org.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from peerway.core.models import Community, Language, LivedExperience, RecoveryPathway
from peerway.core.seed.communities import COMMON_EXTRAS, PROFILES, profile_weights
from peerway.core.seed.context import MINNESOTA, OrganizationSeed, SeedContext, SeedError, StaffSeed
from peerway.core.seed.names import NAME_POOLS, ascii_handle
from peerway.core.seed.places import AREA_CODES_BY_REGION
from peerway.intake.models import ContactMethod, RequestSource
from peerway.matching.specs import Location, RequestSpec
from peerway.organizations.geography import Place, place_for_county, place_for_zip
from peerway.organizations.models import County, OrganizationKind
from peerway.workforce.models import Gender, Modality

# Where a request comes from depends on who the person reached: an RCO's lines and drop-in, a treatment
# program referring someone, a withdrawal management program at discharge. Most people use the web form.
SOURCE_WEIGHTS: dict[str, tuple[tuple[str, float], ...]] = {
    OrganizationKind.RCO: (
        (RequestSource.WEB, 60),
        (RequestSource.PHONE_LINE, 16),
        (RequestSource.TEXT_LINE, 11),
        (RequestSource.WALK_IN, 6),
        (RequestSource.EMERGENCY_DEPARTMENT, 7),
    ),
    OrganizationKind.SUD_PROGRAM_245G: (
        (RequestSource.WEB, 35),
        (RequestSource.PROGRAM_245G, 45),
        (RequestSource.PHONE_LINE, 10),
        (RequestSource.WALK_IN, 10),
    ),
    OrganizationKind.WITHDRAWAL_MANAGEMENT: (
        (RequestSource.WEB, 25),
        (RequestSource.WITHDRAWAL_DISCHARGE, 55),
        (RequestSource.PHONE_LINE, 10),
        (RequestSource.EMERGENCY_DEPARTMENT, 10),
    ),
}
CONTACT_WEIGHTS: tuple[tuple[str, float], ...] = (
    (ContactMethod.CALL, 40),
    (ContactMethod.TEXT, 38),
    (ContactMethod.EMAIL, 8),
    (ContactMethod.PAGE, 14),
)
FIRST_NAME_SHARE = 0.85
OWN_WORDS_SHARE = 0.15
EXTRA_PHONE_SHARE = 0.3
EXTRA_EMAIL_SHARE = 0.08
LOCAL_AREA_CODE_SHARE = 0.75
# Of people whose language is not English, the share who tick "I need a peer who speaks it" (ASL: most).
LANGUAGE_REQUIRED_SHARE = 0.55
SIGN_LANGUAGE_REQUIRED_SHARE = 0.9
WANTS_TO_CHOOSE_SHARE = 0.08
# How many kinds of lived experience and pathways people pick (most pick few or none).
EXPERIENCE_COUNT_WEIGHTS = ((0, 30), (1, 40), (2, 20), (3, 10))
PATHWAY_COUNT_WEIGHTS = ((0, 50), (1, 40), (2, 10))
REQUEST_EXPERIENCE_WEIGHTS: tuple[tuple[str, float], ...] = (
    ("alcohol", 35),
    ("opioids", 35),
    ("methamphetamine", 28),
    ("cannabis", 8),
    ("medication-recovery", 16),
    ("harm-reduction", 12),
    ("justice-involvement", 12),
    ("parenting", 18),
    ("homelessness", 8),
    ("co-occurring-mental-health", 14),
)
REQUEST_PATHWAY_WEIGHTS: tuple[tuple[str, float], ...] = (
    ("twelve-step", 25),
    ("secular-mutual-aid", 8),
    ("medication", 22),
    ("faith-based", 15),
    ("cultural-traditional", 8),
    ("harm-reduction", 12),
    ("treatment", 18),
    ("self-directed", 6),
)
GENDER_PREFERENCE_SHARE = 0.3
GENDER_PREFERENCE_WEIGHTS = ((Gender.WOMAN, 55), (Gender.MAN, 40), (Gender.NONBINARY, 5))
TWO_SPIRIT_PREFERENCE_PROFILES = frozenset({"ojibwe", "dakota"})
MODALITY_SHARES: tuple[tuple[str, float], ...] = (
    (Modality.PHONE, 0.7),
    (Modality.TEXT, 0.55),
    (Modality.VIDEO, 0.2),
    (Modality.IN_PERSON, 0.3),
)
# People who do not want to meet in person still give their county this often.
COUNTY_ANYWAY_SHARE = 0.25
ZIP_INSTEAD_SHARE = 0.4
# The community profile whose names and communities go with a language, for requests drawn by language.
LANGUAGE_PROFILES: dict[str, str] = {
    "es": "latino",
    "so": "somali",
    "hmn": "hmong",
    "om": "oromo",
    "ksw": "karen",
    "oj": "ojibwe",
    "dak": "dakota",
    "am": "ethiopian",
    "vi": "vietnamese",
    "ar": "arab",
    "ase": "deaf",
    "en": "general",
}


@dataclass(frozen=True)
class RequestVocabulary:
    language_ids: dict[str, int]
    community_ids: dict[str, int]
    experience_ids: dict[str, int]
    pathway_ids: dict[str, int]
    county_ids: dict[str, int]


def request_vocabulary_load() -> RequestVocabulary:
    vocabulary = RequestVocabulary(
        language_ids=dict(Language.objects.values_list("slug", "id")),
        community_ids=dict(Community.objects.values_list("slug", "id")),
        experience_ids=dict(LivedExperience.objects.values_list("slug", "id")),
        pathway_ids=dict(RecoveryPathway.objects.values_list("slug", "id")),
        county_ids=dict(County.objects.filter(state="MN").values_list("name", "id")),
    )
    missing = sorted(set(LANGUAGE_PROFILES) - vocabulary.language_ids.keys())
    missing += sorted({slug for slug, _ in REQUEST_EXPERIENCE_WEIGHTS} - vocabulary.experience_ids.keys())
    missing += sorted({slug for slug, _ in REQUEST_PATHWAY_WEIGHTS} - vocabulary.pathway_ids.keys())
    if missing:
        raise SeedError(f"Vocabulary terms are missing ({', '.join(missing)}): run `peerway migrate` first.")
    return vocabulary


@dataclass
class Asker:
    """What one person entered (or a staff member entered for them), before anything happened to it."""

    profile: str
    home: OrganizationSeed
    source: str
    entered_by_id: int | None
    first_name: str | None
    contact_method: str
    phone: str | None
    email: str | None
    language: str
    language_required: bool
    communities: tuple[str, ...]
    communities_own_words: str | None
    lived_experience: tuple[str, ...]
    pathways: tuple[str, ...]
    gender_preference: str
    modalities: tuple[str, ...]
    county: str | None
    zip_code: str
    latitude: float | None
    longitude: float | None
    wants_to_choose: bool

    def spec(self, request_id: str) -> RequestSpec:
        """The engine's view of the request, built as matching.service.request_spec builds it."""
        located = self.latitude is not None and self.longitude is not None
        return RequestSpec(
            id=request_id,
            languages=(self.language,),
            language_required=self.language_required,
            communities=self.communities,
            lived_experience=self.lived_experience,
            pathways=self.pathways,
            gender_preference=self.gender_preference or None,
            modalities=self.modalities,
            location=Location(self.latitude, self.longitude) if located else None,  # type: ignore[arg-type]
        )


def asker_build(
    ctx: SeedContext,
    home: OrganizationSeed,
    staff_by_org: Mapping[int, Sequence[StaffSeed]],
    *,
    profile: str | None = None,
    language: str | None = None,
    language_required: bool | None = None,
    at: dt.datetime | None = None,
) -> Asker:
    """One person asking for a peer in ``home``'s area; ``profile`` and ``language`` fix who they are.

    A request a staff member entered was entered by someone who had joined by ``at`` (``staff_by_org`` lists
    each organization's staff in the order they joined)."""
    rng = ctx.rng
    if profile is None:
        keys, weights = profile_weights(home.region, home.focus_profile)
        profile = rng.choices(keys, weights)[0]
    community_profile = PROFILES[profile]
    pool = NAME_POOLS[community_profile.name_pool]
    first, last = rng.choice(pool.first_names), rng.choice(pool.last_names)
    if language is None:
        language = rng.choices(*zip(*community_profile.languages, strict=True))[0]
    if language_required is None:
        share = SIGN_LANGUAGE_REQUIRED_SHARE if language == "ase" else LANGUAGE_REQUIRED_SHARE
        language_required = language != "en" and rng.random() < share
    source = rng.choices(*zip(*SOURCE_WEIGHTS[home.organization.kind], strict=True))[0]
    entered_by_id = None
    if source != RequestSource.WEB:
        staff = staff_by_org.get(home.organization.pk, ())
        there = len(staff) if at is None else bisect_right(staff, at, key=lambda member: member.joined)
        entered_by_id = staff[rng.randrange(there)].user_id if there else None
    contact_method = rng.choices(*zip(*CONTACT_WEIGHTS, strict=True))[0]
    wants_phone = contact_method in (ContactMethod.CALL, ContactMethod.TEXT) or rng.random() < EXTRA_PHONE_SHARE
    wants_email = contact_method == ContactMethod.EMAIL or rng.random() < EXTRA_EMAIL_SHARE
    modalities = tuple(sorted(m for m, share in MODALITY_SHARES if rng.random() < share)) or (Modality.PHONE,)
    county, zip_code, place = _where(ctx, home, in_person=Modality.IN_PERSON in modalities)
    return Asker(
        profile=profile,
        home=home,
        source=source,
        entered_by_id=entered_by_id,
        first_name=first if rng.random() < FIRST_NAME_SHARE else None,
        contact_method=contact_method,
        phone=_phone(ctx, home) if wants_phone else None,
        email=f"{ascii_handle(first, last)}{rng.randint(1, 99)}@example.org" if wants_email else None,
        language=language,
        language_required=language_required,
        communities=_communities(ctx, profile),
        communities_own_words=(
            rng.choice(community_profile.own_words)
            if community_profile.own_words and rng.random() < OWN_WORDS_SHARE
            else None
        ),
        lived_experience=_picked(ctx, REQUEST_EXPERIENCE_WEIGHTS, EXPERIENCE_COUNT_WEIGHTS),
        pathways=_picked(ctx, REQUEST_PATHWAY_WEIGHTS, PATHWAY_COUNT_WEIGHTS),
        gender_preference=_gender_preference(ctx, profile),
        modalities=modalities,
        county=county,
        zip_code=zip_code,
        latitude=place.latitude if place else None,
        longitude=place.longitude if place else None,
        wants_to_choose=rng.random() < WANTS_TO_CHOOSE_SHARE,
    )


def _communities(ctx: SeedContext, profile: str) -> tuple[str, ...]:
    community_profile = PROFILES[profile]
    slugs: list[str] = []
    primary = ctx.rng.choices(*zip(*community_profile.primary, strict=True))[0]
    if primary is not None:
        slugs.append(primary)
    for slug, share in (*community_profile.extras, *COMMON_EXTRAS):
        if ctx.rng.random() < share and slug not in slugs:
            slugs.append(slug)
    return tuple(slugs)


def _picked(
    ctx: SeedContext, weights: Sequence[tuple[str, float]], counts: Sequence[tuple[int, float]]
) -> tuple[str, ...]:
    count = ctx.rng.choices(*zip(*counts, strict=True))[0]
    keys, key_weights = zip(*weights, strict=True)
    chosen: list[str] = []
    for _ in range(count):
        slug = ctx.rng.choices(keys, key_weights)[0]
        if slug not in chosen:
            chosen.append(slug)
    return tuple(chosen)


def _gender_preference(ctx: SeedContext, profile: str) -> str:
    if ctx.rng.random() >= GENDER_PREFERENCE_SHARE:
        return ""
    choices = list(GENDER_PREFERENCE_WEIGHTS)
    if profile in TWO_SPIRIT_PREFERENCE_PROFILES:
        choices.append((Gender.TWO_SPIRIT, 5))
    return str(ctx.rng.choices(*zip(*choices, strict=True))[0])


def _where(ctx: SeedContext, home: OrganizationSeed, *, in_person: bool) -> tuple[str | None, str, Place | None]:
    """County name, ZIP code and location, as request_submit derives them (a ZIP code wins over a county)."""
    if not home.service_counties or not (in_person or ctx.rng.random() < COUNTY_ANYWAY_SHARE):
        return None, "", None
    county = ctx.rng.choice(home.service_counties)
    if county == home.place.county and ctx.rng.random() < ZIP_INSTEAD_SHARE:
        return county, home.place.zip_code, _zip_place(home.place.zip_code)
    return county, "", place_for_county(county)


@lru_cache(maxsize=256)
def _zip_place(zip_code: str) -> Place | None:
    # zipcodes scans its whole table on every lookup (tens of milliseconds); the seed asks for few ZIPs.
    return place_for_zip(zip_code)


def _phone(ctx: SeedContext, home: OrganizationSeed) -> str:
    if ctx.rng.random() < LOCAL_AREA_CODE_SHARE:
        area_code = home.place.area_code
    else:
        area_code = ctx.rng.choice(AREA_CODES_BY_REGION[home.region])
    return f"({area_code}) 555-01{ctx.rng.randint(0, 99):02d}"


def local_moment(day: dt.date, seconds: int) -> dt.datetime:
    """``seconds`` of wall-clock time after midnight starting ``day`` in Minnesota, in UTC."""
    return (dt.datetime.combine(day, dt.time.min, tzinfo=MINNESOTA) + dt.timedelta(seconds=seconds)).astimezone(dt.UTC)
