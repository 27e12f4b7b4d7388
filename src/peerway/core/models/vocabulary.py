"""Shared vocabularies: languages, self-described communities, lived experience and recovery pathways.

These are data, loaded from the versioned fixture ``core/fixtures/vocabulary.json`` and editable in the
admin. Each term carries its own labels per language, so a new term needs no code or catalog change.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import get_language


class VocabularyTerm(models.Model):
    slug = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=120, help_text="English name, used when no label exists.")
    labels = models.JSONField(default=dict, blank=True, help_text='Names by language code, e.g. {"es": "…"}.')
    active = models.BooleanField(default=True)
    sort_order = models.PositiveSmallIntegerField(default=100)

    class Meta:
        abstract = True
        ordering = ["sort_order", "name"]

    def __str__(self) -> str:
        return self.label()

    def label(self, language: str | None = None) -> str:
        language = (language or get_language() or "en").split("-")[0]
        return str(self.labels.get(language) or self.name)

    def natural_key(self) -> tuple[str]:
        return (self.slug,)


class Language(VocabularyTerm):
    """A spoken or signed language; ``slug`` is its ISO 639 code (en, es, so, hmn, …)."""

    name_local = models.CharField(max_length=120, blank=True, help_text="The language's name in itself.")


class Community(VocabularyTerm):
    """A fine-grained, self-described community (never an umbrella such as "BIPOC" alone)."""

    umbrella = models.CharField(
        max_length=64, blank=True, help_text="Optional grouping for reports; equity is reported per community too."
    )

    class Meta(VocabularyTerm.Meta):
        verbose_name_plural = "communities"


class LivedExperience(VocabularyTerm):
    """A kind of lived experience a peer may share (opioids, parenting, justice involvement, …)."""


class RecoveryPathway(VocabularyTerm):
    """A recovery pathway (mutual aid, medication, faith-based, harm reduction, …); all are supported."""
