"""Search and filters of the staff directory."""

from __future__ import annotations

import django_filters
from django.db.models import F, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from peerway.core.casefold import UnicodeIContains
from peerway.core.models import Community, Language
from peerway.organizations.models import County
from peerway.resources.models import Resource, ResourceCategory


class ResourceFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    category = django_filters.ChoiceFilter(choices=ResourceCategory.choices, label=_("Category"))
    language = django_filters.ModelChoiceFilter(
        field_name="languages",
        queryset=Language.objects.filter(active=True),
        to_field_name="slug",
        label=_("Language spoken"),
    )
    county = django_filters.ModelChoiceFilter(
        queryset=County.objects.filter(state="MN"), to_field_name="name", label=_("County")
    )
    community = django_filters.ModelChoiceFilter(
        field_name="communities",
        queryset=Community.objects.filter(active=True),
        to_field_name="slug",
        label=_("Community served"),
    )

    class Meta:
        model = Resource
        fields = ["q", "category", "language", "county", "community"]

    def search(self, queryset: QuerySet[Resource], name: str, value: str) -> QuerySet[Resource]:
        # Every word must appear somewhere; UnicodeIContains folds "Peñasco" and "PEÑASCO" alike on SQLite too.
        # At most six words of at most 100 characters each: SQLite refuses a LIKE pattern of 50,000, and no word in a
        # resource is that long, so a longer one still finds nothing.
        for word in (word[:100] for word in value.split()[:6]):
            queryset = queryset.filter(
                Q(UnicodeIContains(F("name"), word))
                | Q(UnicodeIContains(F("description"), word))
                | Q(UnicodeIContains(F("city"), word))
                | Q(UnicodeIContains(F("eligibility"), word))
                | Q(zip_code__startswith=word)
            )
        return queryset
