"""Short self-introductions for synthetic peers, in the first person, the way peers write them.

A peer's introduction is the first thing a person who chose to pick their peer reads, so the sentences
are warm and plain: what the peer has lived through, what helped, how they meet people. They avoid
clinical words (no diagnoses, no "disorder", no "patient", no "addict") because peer support is not
treatment and people seeking help are not cases. Each introduction is assembled from pieces chosen for
the peer's own generated profile (experience, pathway, community, languages, how they meet), so no two
read quite alike and none contradicts the profile it belongs to.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

# The longest introduction the profile form accepts (PeerProfile.introduction's max_length).
MAX_LENGTH = 600

GREETINGS = (
    "Hi, I'm {name}.",
    "Hello! My name is {name}.",
    "I'm {name}.",
    "Hey there, I'm {name}.",
    "Hi there, {name} here.",
    "Welcome, I'm {name}.",
)

# One sentence per kind of lived experience, told as the peer's own story.
STORIES: dict[str, tuple[str, ...]] = {
    "alcohol": (
        "Drinking ran my life for a long time, and I remember how lonely that felt.",
        "I put the bottle down {years} years ago, one day at a time.",
    ),
    "opioids": (
        "I've been where you are with opioids, and I know how hard that first call can be.",
        "Pills and then heroin took a lot from me; people who had been there helped me find my way back.",
    ),
    "methamphetamine": (
        "Meth had a hold on me for years. Getting free of it took people who didn't give up on me.",
        "I know the long nights meth brings, and I know there is a way through them.",
    ),
    "cannabis": ("Weed was my way of not feeling anything for a long time.",),
    "medication-recovery": (
        "Medication is part of my recovery, and I'm proud of that. I'll never judge yours.",
        "Recovery with medication gave me room to rebuild my life.",
    ),
    "harm-reduction": (
        "I believe in meeting people where they are: every step counts, and staying alive comes first.",
        "Naloxone saved my life once. Now I carry it and teach others to.",
    ),
    "justice-involvement": (
        "I've been through the courts and came home from prison, so I know what starting over looks like.",
        "I spent years in and out of jail before things changed for me.",
    ),
    "parenting": (
        "As a parent in recovery, I know how much our kids keep us going, and how heavy the guilt can feel.",
        "Getting my kids back was the proudest day of my life.",
    ),
    "lgbtq": ("As a queer person in recovery, I know what it means to find people who get all of you.",),
    "veteran": (
        "I served in the military, and coming home was harder than I expected.",
        "I'm a veteran. Finding other vets in recovery changed everything for me.",
    ),
    "youth": ("I started my recovery young, and I know how it feels to be the only one your age trying.",),
    "elder": ("I came into recovery later in life. It's never too late, I promise.",),
    "homelessness": (
        "I've slept in my car and in shelters, so I'll never look down on where you are.",
        "There was a winter I had nowhere to sleep. I remember who helped me.",
    ),
    "co-occurring-mental-health": (
        "My mental health and my use were tangled together, and I learned to care for both.",
        "Anxiety was a big part of my story too, and it gets lighter when we talk about it.",
    ),
}
# Lines that fit only some communities: Indigenous ceremony, a church or a mosque community.
COMMUNITY_HELPED: dict[tuple[str, str], str] = {
    ("cultural-traditional", "ojibwe"): "Ceremony, our teachings and my relatives brought me home to myself.",
    ("cultural-traditional", "dakota"): "Ceremony, our teachings and my relatives brought me home to myself.",
    ("faith-based", "faith-muslim"): "Prayer and my mosque community keep me steady.",
    ("faith-based", "african-american"): "My church family stood by me when I couldn't stand by myself.",
    ("faith-based", "liberian"): "My church family stood by me when I couldn't stand by myself.",
    ("faith-based", "latino-mexican"): "My faith and my family carried me through.",
}
STORY_FALLBACK = ("I've been in recovery for {years} years, and I still remember my first hard weeks.",)

# What helped, by recovery pathway.
WHAT_HELPED: dict[str, tuple[str, ...]] = {
    "twelve-step": ("Meetings and my sponsor keep me grounded.", "The rooms gave me a second family."),
    "secular-mutual-aid": ("Secular mutual-aid groups gave me tools I still use every day.",),
    "medication": ("Medication and good people around me made the difference.",),
    "faith-based": ("My faith carried me through the hardest days.", "Prayer keeps me steady, one day at a time."),
    "cultural-traditional": (
        "Coming back to my culture and my elders is what healed me.",
        "My family's traditions gave me back a sense of who I am.",
    ),
    "harm-reduction": ("Small, safer steps added up for me, and they can for you.",),
    "treatment": ("A program with people who believed in me was where things began to turn.",),
    "self-directed": ("I found my own way, with long walks, honest friends and a lot of patience.",),
}

# How a peer names their community, in their own voice; {city} is where their organization is.
COMMUNITY_LINES: dict[str, str] = {
    "somali": "I'm Somali and live in {city}.",
    "oromo": "I'm Oromo, and my family came to {city} when I was young.",
    "ethiopian": "I'm Ethiopian and have lived in {city} for years.",
    "hmong": "I'm Hmong and grew up around {city}.",
    "karen": "I'm Karen, and my family resettled in {city}.",
    "vietnamese": "I'm Vietnamese American and live in {city}.",
    "latino-mexican": "I'm Mexican American, and {city} is home.",
    "latino-central-american": "My family is from Central America, and {city} is home now.",
    "ojibwe": "I'm Anishinaabe (Ojibwe), and my community means everything to me.",
    "dakota": "I'm Dakota, and our ways are at the center of my recovery.",
    "african-american": "I'm a Black Minnesotan, born and raised near {city}.",
    "liberian": "I'm Liberian American and live in {city}.",
    "rural-white": "I grew up in a small town not far from {city}.",
    "deaf": "I'm Deaf, and I sign.",
    "two-spirit": "I'm Two-Spirit.",
    "faith-muslim": "My faith as a Muslim is important to me.",
    "lgbtq": "I'm part of the LGBTQ+ community.",
    "veterans": "I'm proud to be a veteran.",
}

LANGUAGE_NAMES: dict[str, str] = {
    "es": "Spanish",
    "so": "Somali",
    "hmn": "Hmong",
    "om": "Afaan Oromoo",
    "ksw": "Karen",
    "oj": "Ojibwemowin",
    "dak": "Dakota",
    "am": "Amharic",
    "vi": "Vietnamese",
    "ar": "Arabic",
    "ase": "ASL",
}

MODALITY_WORDS: dict[str, str] = {
    "phone": "by phone",
    "text": "by text",
    "video": "on video",
    "in_person": "in person over coffee",
}

CLOSINGS = (
    "I'm here to listen, not to judge.",
    "You don't have to have it all figured out to reach out.",
    "Whatever you're carrying today, you don't have to carry it alone.",
    "There's no wrong way to start. Let's just talk.",
    "I'm glad you're here.",
    "Reaching out takes courage, and you already did it.",
)


def introduction_write(
    rng: random.Random,
    *,
    name: str,
    city: str,
    languages: Sequence[str],
    communities: Sequence[str],
    lived_experience: Sequence[str],
    pathways: Sequence[str],
    modalities: Sequence[str],
    years_in_recovery: int,
) -> str:
    """A first-person introduction of at most MAX_LENGTH characters, consistent with the given profile."""
    sentences = [rng.choice(GREETINGS).format(name=name)]
    lines = [COMMUNITY_LINES[slug] for slug in communities if slug in COMMUNITY_LINES]
    if lines and rng.random() < 0.8:
        sentences.append(lines[0].format(city=city))
    story_pool = [story for slug in lived_experience for story in STORIES.get(slug, ())] or list(STORY_FALLBACK)
    sentences.append(rng.choice(story_pool).format(years=years_in_recovery))
    helped = [line for slug in pathways for line in WHAT_HELPED.get(slug, ())]
    helped += [COMMUNITY_HELPED[(slug, c)] for slug in pathways for c in communities if (slug, c) in COMMUNITY_HELPED]
    if helped and rng.random() < 0.75:
        sentences.append(rng.choice(helped))
    other_languages = [LANGUAGE_NAMES[slug] for slug in languages if slug in LANGUAGE_NAMES]
    if other_languages and rng.random() < 0.85:
        spoken = " and ".join(other_languages[:2])
        sentences.append(f"I speak {spoken}{' and English' if 'en' in languages else ''}.")
    ways = [MODALITY_WORDS[modality] for modality in modalities if modality in MODALITY_WORDS]
    if ways and rng.random() < 0.6:
        sentences.append(f"We can talk {_joined(ways)}.")
    sentences.append(rng.choice(CLOSINGS))
    text = " ".join(sentences)
    # Drop middle sentences (never the greeting or the closing) until it fits the form's limit.
    while len(text) > MAX_LENGTH and len(sentences) > 2:
        del sentences[-2]
        text = " ".join(sentences)
    return text[:MAX_LENGTH]


def _joined(words: Sequence[str]) -> str:
    if len(words) == 1:
        return words[0]
    return ", ".join(words[:-1]) + " or " + words[-1]
