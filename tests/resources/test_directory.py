"""Who sees which resources, and the directory's search and filters."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from peerway.core.models import Community, Language
from peerway.organizations.models import Organization
from peerway.resources.models import Resource
from tests.factories import MembershipFactory, county
from tests.helpers import Cast, assert_staff_view_guarded

pytestmark = pytest.mark.django_db


def resource(name: str, organization: Organization | None, **fields: object) -> Resource:
    languages = fields.pop("languages", ())
    communities = fields.pop("communities", ())
    category = fields.pop("category", "food")
    item = Resource.objects.create(name=name, organization=organization, category=category, **fields)
    item.languages.set(Language.objects.filter(slug__in=languages))  # type: ignore[misc]
    item.communities.set(Community.objects.filter(slug__in=communities))  # type: ignore[misc]
    return item


def page_for(user: object, **params: str) -> str:
    client = Client()
    client.force_login(user)  # type: ignore[arg-type]
    response = client.get(reverse("resources:directory"), params)
    assert response.status_code == 200
    return response.content.decode()


def test_staff_see_shared_resources_and_their_own_organizations_only(cast: Cast) -> None:
    resource("Shared Pantry", None)
    resource("Riverbend Only Clinic", cast.org)
    resource("Prairie Only Clinic", cast.other_org)
    resource("Retired Shared Place", None, active=False)

    alice = page_for(cast.alice)
    assert "Shared Pantry" in alice and "Riverbend Only Clinic" in alice
    assert "Prairie Only Clinic" not in alice and "Retired Shared Place" not in alice
    olive = page_for(cast.olive)
    assert "Prairie Only Clinic" in olive and "Riverbend Only Clinic" not in olive
    analyst = page_for(cast.analyst)
    assert "Shared Pantry" in analyst and "Riverbend Only Clinic" not in analyst
    assert_staff_view_guarded(
        reverse("resources:directory"), allowed=[cast.alice, cast.olive, cast.analyst], outsiders=[], without_role=[]
    )


def test_a_signed_in_user_without_an_organization_has_no_directory(cast: Cast) -> None:
    from peerway.accounts.models import User

    loner = User.objects.create_user(username="loner")
    client = Client()
    client.force_login(loner)
    assert client.get(reverse("resources:directory")).status_code == 404


def test_search_and_filters_narrow_the_list(cast: Cast) -> None:
    resource(
        "Somali Family Clinic",
        None,
        category="moud",
        languages=["so"],
        communities=["somali"],
        county=county("Hennepin"),
    )
    resource("Spanish Legal Help", None, category="legal", languages=["es"], county=county("Ramsey"))
    resource(
        "Duluth Sober House", None, category="housing", languages=["en"], county=county("St. Louis"), city="Duluth"
    )

    assert "Somali Family Clinic" in page_for(cast.alice, language="so")
    assert "Spanish Legal Help" not in page_for(cast.alice, language="so")
    only_legal = page_for(cast.alice, category="legal")
    assert "Spanish Legal Help" in only_legal and "Duluth Sober House" not in only_legal
    by_county = page_for(cast.alice, county="St. Louis")
    assert "Duluth Sober House" in by_county and "Somali Family Clinic" not in by_county
    by_community = page_for(cast.alice, community="somali")
    assert "Somali Family Clinic" in by_community and "Spanish Legal Help" not in by_community
    searched = page_for(cast.alice, q="duluth")
    assert "Duluth Sober House" in searched and "Spanish Legal Help" not in searched


def test_the_directory_is_paginated(cast: Cast) -> None:
    for number in range(30):
        resource(f"Pantry {number:02d}", None)
    first = page_for(cast.alice)
    assert "Pantry 00" in first and "Pantry 29" not in first and "Page 1 of 2" in first
    second = page_for(cast.alice, page="2")
    assert "Pantry 29" in second


def test_a_state_agency_admin_imports_shared_resources(cast: Cast, sample_csv: bytes) -> None:
    state_admin = MembershipFactory(organization=cast.state, role="org_admin").user
    client = Client()
    client.force_login(state_admin)
    response = client.post(
        reverse("resources:import"), {"organization": "state-agency", "file": SimpleUploadedFile("r.csv", sample_csv)}
    )
    assert response.status_code == 302
    assert Resource.objects.filter(organization__isnull=True).count() == 5
    assert "North Star MOUD Clinic" in page_for(cast.olive)
