"""The engine's explanations in words a person reads, in the page's language (Django side)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext as _

from peerway.core.models import Community, Language, LivedExperience, RecoveryPathway
from peerway.core.models.vocabulary import VocabularyTerm


def _labels(model: type[VocabularyTerm], slugs: list[str]) -> list[str]:
    terms = {term.slug: term for term in model.objects.filter(slug__in=slugs)}
    return [terms[slug].label() if slug in terms else slug for slug in slugs]


def unique_labels(labels: Iterable[str]) -> list[str]:
    """``labels`` in order, each once whatever its case: a term shared as lived experience and as a pathway (harm
    reduction) is named once."""
    seen: set[str] = set()
    unique = []
    for label in labels:
        if label.casefold() not in seen:
            seen.add(label.casefold())
            unique.append(label)
    return unique


def _community_label(label: str) -> str:
    """ "Somali community" for the community Somali (the language may be shared too), but a label that already says
    so ("Deaf community", "Comunidad sorda") as it is."""
    word = (_("%(community)s community") % {"community": ""}).strip()
    return (
        label if word and word.casefold() in label.casefold() else _("%(community)s community") % {"community": label}
    )


def shared_labels(explanation: dict[str, Any]) -> list[str]:
    """What a request and a peer share, as labels: ["Somali", "Somali community", "Opioids", …], each once."""
    labels = _labels(Language, explanation.get("languages", []))
    labels += [_community_label(label) for label in _labels(Community, explanation.get("communities", []))]
    labels += _labels(LivedExperience, explanation.get("lived_experience", []))
    labels += _labels(RecoveryPathway, explanation.get("pathways", []))
    return unique_labels(labels)


def shared_sentence(explanation: dict[str, Any]) -> str:
    """ "Shares: Somali, Somali community, recovery with medication", or "" when nothing is shared."""
    labels = shared_labels(explanation)
    return _("Shares: %(things)s") % {"things": ", ".join(labels)} if labels else ""
