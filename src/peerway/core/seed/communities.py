"""Community profiles: how a synthetic person's name, language and self-described communities fit together.

A profile is a generator's device, not a category Peerway records: it makes a Somali name come with
Somali or English as the language and "Somali" (often also "Muslim") as communities, in the proportions
of the region the person lives in. The proportions are rough and meant only to make demo data look like
Minnesota (Somali in the Twin Cities, St. Cloud and Rochester; Karen and Latino in Worthington; Ojibwe
in the north), never to be reported as facts. Slugs refer to the core vocabulary fixture.
"""

from __future__ import annotations

from dataclasses import dataclass

# Extra communities anybody may name, with the share of people who do.
COMMON_EXTRAS: tuple[tuple[str, float], ...] = (("lgbtq", 0.07), ("veterans", 0.04))


@dataclass(frozen=True)
class CommunityProfile:
    name_pool: str
    # Language slug → relative weight.
    languages: tuple[tuple[str, float], ...]
    # The main community a person names (None: they named none), by relative weight.
    primary: tuple[tuple[str | None, float], ...]
    # Further communities, each named independently with its probability.
    extras: tuple[tuple[str, float], ...] = ()
    # Short self-descriptions in a person's own words, as an intake form might record them.
    own_words: tuple[str, ...] = ()


PROFILES: dict[str, CommunityProfile] = {
    "general": CommunityProfile(
        name_pool="general",
        languages=(("en", 1.0),),
        primary=((None, 1.0),),
        own_words=("City kid, sober since my twenties", "Queer and sober", "Army veteran", "Mom of two teens"),
    ),
    "somali": CommunityProfile(
        name_pool="somali",
        languages=(("so", 0.5), ("en", 0.5)),
        primary=(("somali", 0.9), (None, 0.1)),
        extras=(("faith-muslim", 0.6),),
        own_words=("Somali, Muslim, raised in Minneapolis", "Somali mom of three", "Somali, came here as a teenager"),
    ),
    "hmong": CommunityProfile(
        name_pool="hmong",
        languages=(("hmn", 0.4), ("en", 0.6)),
        primary=(("hmong", 0.9), (None, 0.1)),
        own_words=("Hmong, second generation", "Hmong and Christian", "Hmong, my parents speak only Hmong"),
    ),
    "latino": CommunityProfile(
        name_pool="latino",
        languages=(("es", 0.6), ("en", 0.4)),
        primary=(("latino-mexican", 0.65), ("latino-central-american", 0.25), (None, 0.1)),
        own_words=("Mexican American, Catholic", "Guatemalan, I work on dairy farms", "Chicana", "Salvadoran"),
    ),
    "oromo": CommunityProfile(
        name_pool="oromo",
        languages=(("om", 0.55), ("en", 0.35), ("am", 0.1)),
        primary=(("oromo", 0.9), (None, 0.1)),
        extras=(("faith-muslim", 0.4),),
        own_words=("Oromo, from Ethiopia", "Oromo and Muslim"),
    ),
    "ethiopian": CommunityProfile(
        name_pool="ethiopian",
        languages=(("am", 0.6), ("en", 0.4)),
        primary=(("ethiopian", 0.9), (None, 0.1)),
        own_words=("Ethiopian, Orthodox Christian", "Amharic speaker, Ethiopian"),
    ),
    "karen": CommunityProfile(
        name_pool="karen",
        languages=(("ksw", 0.7), ("en", 0.3)),
        primary=(("karen", 0.9), (None, 0.1)),
        own_words=("Karen, grew up in a camp in Thailand", "Karen Baptist"),
    ),
    "ojibwe": CommunityProfile(
        name_pool="ojibwe",
        languages=(("en", 0.95), ("oj", 0.05)),
        primary=(("ojibwe", 0.9), (None, 0.1)),
        extras=(("two-spirit", 0.05),),
        own_words=("Anishinaabe, enrolled member", "Ojibwe, grew up on the rez, in the city now", "Native"),
    ),
    "dakota": CommunityProfile(
        name_pool="dakota",
        languages=(("en", 0.96), ("dak", 0.04)),
        primary=(("dakota", 0.9), (None, 0.1)),
        extras=(("two-spirit", 0.05),),
        own_words=("Dakota, close to my family's traditions", "Native, Dakota on my mom's side"),
    ),
    "african_american": CommunityProfile(
        name_pool="african_american",
        languages=(("en", 1.0),),
        primary=(("african-american", 0.85), (None, 0.15)),
        own_words=("Black, from the North Side", "African American, church is important to me", "Black and queer"),
    ),
    "liberian": CommunityProfile(
        name_pool="liberian",
        languages=(("en", 1.0),),
        primary=(("liberian", 0.85), (None, 0.15)),
        own_words=("Liberian American", "Liberian, Christian, big family"),
    ),
    "vietnamese": CommunityProfile(
        name_pool="vietnamese",
        languages=(("vi", 0.5), ("en", 0.5)),
        primary=(("vietnamese", 0.9), (None, 0.1)),
        own_words=("Vietnamese American", "Vietnamese, Buddhist"),
    ),
    "arab": CommunityProfile(
        name_pool="arab",
        languages=(("ar", 0.6), ("en", 0.4)),
        primary=((None, 1.0),),
        extras=(("faith-muslim", 0.7),),
        own_words=("Iraqi, Muslim", "Arab American"),
    ),
    "rural_white": CommunityProfile(
        name_pool="rural_white",
        languages=(("en", 1.0),),
        primary=(("rural-white", 0.6), (None, 0.4)),
        extras=(("veterans", 0.06),),
        own_words=("Farm kid from up north", "Small-town Minnesotan, Lutheran", "Grew up on a dairy farm"),
    ),
    "deaf": CommunityProfile(
        name_pool="general",
        languages=(("ase", 0.85), ("en", 0.15)),
        primary=(("deaf", 0.95), (None, 0.05)),
        own_words=("Deaf, part of the Deaf community", "Hard of hearing"),
    ),
}

# Relative weight of each profile among the people of a region.
REGION_MIX: dict[str, tuple[tuple[str, float], ...]] = {
    "Metro": (
        ("general", 30),
        ("african_american", 15),
        ("somali", 10),
        ("latino", 10),
        ("hmong", 9),
        ("ojibwe", 4),
        ("rural_white", 3),
        ("oromo", 3),
        ("liberian", 3),
        ("ethiopian", 2),
        ("karen", 2),
        ("vietnamese", 2),
        ("dakota", 1),
        ("arab", 1),
        ("deaf", 1),
    ),
    "Northeast": (
        ("rural_white", 45),
        ("ojibwe", 25),
        ("general", 20),
        ("african_american", 3),
        ("latino", 2),
        ("hmong", 1),
        ("somali", 1),
        ("deaf", 1),
    ),
    "Northwest": (
        ("rural_white", 45),
        ("ojibwe", 28),
        ("general", 15),
        ("latino", 6),
        ("somali", 2),
        ("dakota", 1),
        ("deaf", 1),
    ),
    "Central": (
        ("rural_white", 40),
        ("general", 20),
        ("somali", 15),
        ("latino", 7),
        ("ojibwe", 5),
        ("african_american", 3),
        ("karen", 2),
        ("oromo", 2),
        ("deaf", 1),
    ),
    "Southeast": (
        ("general", 30),
        ("rural_white", 30),
        ("latino", 12),
        ("somali", 10),
        ("african_american", 4),
        ("karen", 2),
        ("ethiopian", 2),
        ("vietnamese", 2),
        ("hmong", 2),
        ("oromo", 2),
        ("deaf", 1),
    ),
    "Southwest": (
        ("rural_white", 40),
        ("latino", 25),
        ("karen", 10),
        ("general", 10),
        ("somali", 5),
        ("dakota", 5),
        ("oromo", 3),
        ("ethiopian", 2),
    ),
}

# How much more likely a culturally specific organization's people are to come from its focus profile.
FOCUS_WEIGHT = 6.0


def profile_weights(region: str, focus_profile: str | None) -> tuple[list[str], list[float]]:
    """Profiles and their weights for the people of one organization, ready for ``random.choices``."""
    keys = [key for key, _ in REGION_MIX[region]]
    weights = [weight for _, weight in REGION_MIX[region]]
    if focus_profile is not None:
        if focus_profile not in keys:
            keys.append(focus_profile)
            weights.append(0.0)
        index = keys.index(focus_profile)
        weights[index] += FOCUS_WEIGHT * sum(weights) / len(weights)
    return keys, weights
