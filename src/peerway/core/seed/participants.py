"""Seed stage "participants": the people served, spread over the last five years.

Every identifier is fictional: phone numbers are in the 555-0100..0199 block reserved for fiction,
e-mail addresses are at example.org / example.test, Medicaid ids start with "DEMO-". Encrypted fields are
set on the model, so bulk_create encrypts them (the field encrypts in get_prep_value); blind indexes are
computed before the insert because bulk_create skips Participant.save().
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import models

from peerway.core.models import Community, Language
from peerway.core.seed.apportion import apportion
from peerway.core.seed.communities import COMMON_EXTRAS, PROFILES, profile_weights
from peerway.core.seed.context import OrganizationSeed, ParticipantSeed, SeedContext, SeedError
from peerway.core.seed.names import NAME_POOLS, ascii_handle
from peerway.core.seed.places import AREA_CODES_BY_REGION
from peerway.recovery.models import Participant

HISTORY_DAYS = 5 * 365
# Participants are built and inserted this many at a time, so memory stays flat at the large scale.
CHUNK = 5_000
# Shares of participants for whom each optional item is recorded.
PHONE_SHARE = 0.88
LOCAL_AREA_CODE_SHARE = 0.75
EMAIL_SHARE = 0.3
MEDICAID_SHARE = 0.45
DATE_OF_BIRTH_SHARE = 0.55
OWN_WORDS_SHARE = 0.35
NICKNAME_SHARE = 0.15
UNCHANGED_SINCE_CREATED_SHARE = 0.6
EMAIL_DOMAINS = ("example.org", "example.test")


@dataclass(frozen=True)
class ParticipantVocabulary:
    """Row ids of the languages and communities the profiles name, looked up once per run."""

    language_ids: dict[str, int]
    community_ids: dict[str, int]


@dataclass(frozen=True)
class BuiltParticipant:
    participant: Participant
    community_ids: list[int]
    profile: str


FIRST_WEEK_DAYS = 7


def participant_vocabulary_load() -> ParticipantVocabulary:
    """The vocabulary ids the profiles need; raises SeedError naming any slug the database lacks."""
    language_ids = dict(Language.objects.values_list("slug", "id"))
    community_ids = dict(Community.objects.values_list("slug", "id"))
    wanted_languages = {slug for profile in PROFILES.values() for slug, _ in profile.languages}
    wanted_communities = {slug for profile in PROFILES.values() for slug, _ in profile.primary if slug} | {
        slug for profile in PROFILES.values() for slug, _ in (*profile.extras, *COMMON_EXTRAS)
    }
    missing = sorted((wanted_languages - language_ids.keys()) | (wanted_communities - community_ids.keys()))
    if missing:
        raise SeedError(f"Vocabulary terms are missing ({', '.join(missing)}): run `peerway migrate` first.")
    return ParticipantVocabulary(language_ids=language_ids, community_ids=community_ids)


def participants_seed(ctx: SeedContext) -> None:
    """Create ``scale.participants`` participants with their communities; record them in ``ctx.participants``."""
    vocabulary = participant_vocabulary_load()
    service = ctx.service_organizations
    peers_by_org: dict[int, int] = {}
    for staff in ctx.staff:
        if staff.role == "peer":
            peers_by_org[staff.organization_id] = peers_by_org.get(staff.organization_id, 0) + 1
    # Participants follow peers: an organization with more peers serves more people, give or take.
    weights = [peers_by_org.get(seeded.organization.pk, 1) * ctx.rng.uniform(0.7, 1.3) for seeded in service]
    counts = apportion(ctx.scale.participants, weights, minimum=1)

    pending: list[BuiltParticipant] = []
    with ctx.progress_bar("participants", ctx.scale.participants) as bar:
        for seeded, count in zip(service, counts, strict=True):
            for index in range(count):
                pending.append(participant_build(ctx, seeded, vocabulary, first=index == 0))
                if len(pending) == CHUNK:
                    _participants_insert(ctx, pending)
                    bar.update(len(pending))
                    pending = []
        _participants_insert(ctx, pending)
        bar.update(len(pending))


def participant_build(
    ctx: SeedContext, seeded: OrganizationSeed, vocabulary: ParticipantVocabulary, *, first: bool = False
) -> BuiltParticipant:
    """One unsaved participant of ``seeded``'s organization and the ids of the communities they name.

    The ``first`` of an organization's people came to it in the first week of the five years of history.

    Also used by the benchmark's one-row-at-a-time baseline, so both paths insert the same kind of row.
    """
    rng = ctx.rng
    keys, weights = profile_weights(seeded.region, seeded.focus_profile)
    profile_key = rng.choices(keys, weights)[0]
    profile = PROFILES[profile_key]
    pool = NAME_POOLS[profile.name_pool]
    first_name, last_name = rng.choice(pool.first_names), rng.choice(pool.last_names)

    # More people reached Peerway recently than five years ago: the mode of the spread is --today.
    days_ago = rng.triangular(0, HISTORY_DAYS, 0)
    created_at = ctx.moment_days_ago(HISTORY_DAYS - days_ago % FIRST_WEEK_DAYS if first else days_ago)
    updated_at = (
        created_at if rng.random() < UNCHANGED_SINCE_CREATED_SHARE else ctx.moment_between(created_at, ctx.anchor)
    )

    participant = Participant(
        public_id=ctx.public_id(),
        organization=seeded.organization,
        preferred_name=f"{first_name} {last_name[0]}." if rng.random() < NICKNAME_SHARE else first_name,
        phone=_phone(ctx, seeded) if rng.random() < PHONE_SHARE else None,
        email=(
            f"{ascii_handle(first_name, last_name)}{rng.randint(1, 99)}@{rng.choice(EMAIL_DOMAINS)}"
            if rng.random() < EMAIL_SHARE
            else None
        ),
        medicaid_id=(
            f"DEMO-{rng.randint(0, 9999):04d}-{rng.randint(0, 9999):04d}" if rng.random() < MEDICAID_SHARE else None
        ),
        date_of_birth=_date_of_birth(ctx, created_at) if rng.random() < DATE_OF_BIRTH_SHARE else None,
        language_id=vocabulary.language_ids[rng.choices(*zip(*profile.languages, strict=True))[0]],
        communities_own_words=(
            rng.choice(profile.own_words) if profile.own_words and rng.random() < OWN_WORDS_SHARE else None
        ),
        created_at=created_at,
        updated_at=updated_at,
    )
    return BuiltParticipant(
        participant=participant, community_ids=_community_ids(ctx, profile_key, vocabulary), profile=profile_key
    )


def _participants_insert(ctx: SeedContext, built: list[BuiltParticipant]) -> None:
    if not built:
        return
    for item in built:
        item.participant.refresh_blind_indexes()
    created = ctx.insert(Participant, [item.participant for item in built])
    through: type[models.Model] = Participant.communities.through
    links: list[models.Model] = []
    for participant, item in zip(created, built, strict=True):
        if participant.pk is None:
            raise SeedError("The database did not return ids from bulk_create; Peerway needs SQLite 3.35+.")
        links.extend(
            through(participant_id=participant.pk, community_id=community_id) for community_id in item.community_ids
        )
        ctx.participants.append(
            ParticipantSeed(
                participant_id=participant.pk,
                organization_id=participant.organization_id,
                created_at=participant.created_at,
                profile=item.profile,
            )
        )
    ctx.insert(through, links)


def _phone(ctx: SeedContext, seeded: OrganizationSeed) -> str:
    if ctx.rng.random() < LOCAL_AREA_CODE_SHARE:
        area_code = seeded.place.area_code
    else:
        area_code = ctx.rng.choice(AREA_CODES_BY_REGION[seeded.region])
    return f"({area_code}) 555-01{ctx.rng.randint(0, 99):02d}"


def _date_of_birth(ctx: SeedContext, created_at: dt.datetime) -> dt.date:
    # Adults, most between their mid-twenties and mid-forties when they first reach out.
    age_years = ctx.rng.triangular(18, 75, 32)
    return created_at.date() - dt.timedelta(days=int(age_years * 365.25))


def _community_ids(ctx: SeedContext, profile_key: str, vocabulary: ParticipantVocabulary) -> list[int]:
    profile = PROFILES[profile_key]
    slugs: list[str] = []
    primary = ctx.rng.choices(*zip(*profile.primary, strict=True))[0]
    if primary is not None:
        slugs.append(primary)
    for slug, share in (*profile.extras, *COMMON_EXTRAS):
        if ctx.rng.random() < share and slug not in slugs:
            slugs.append(slug)
    return [vocabulary.community_ids[slug] for slug in slugs]
