"""Adding and correcting one resource by hand: who may, what is kept on bad input, where it goes."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from peerway.resources.models import Resource
from tests.factories import MembershipFactory, county
from tests.helpers import Cast

pytestmark = pytest.mark.django_db

GOOD = {
    "name": "Cedar Avenue Food Shelf",
    "category": "food",
    "description": "Groceries twice a week.",
    "languages": ["en", "so"],
    "communities": ["somali"],
    "hours": "Tue and Thu 10-4",
    "street": "100 Example Ave",
    "city": "Minneapolis",
    "county": "Hennepin",
    "zip_code": "55404",
    "phone": "(612) 555-0150",
    "website": "https://food.example.org",
    "eligibility": "Anyone.",
    "active": "on",
}


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_an_administrator_adds_a_resource_to_their_organizations_directory(cast: Cast) -> None:
    county("Hennepin")
    client = client_for(cast.ada)
    response = client.post(reverse("resources:create"), {**GOOD, "owner": cast.org.slug})
    assert response.status_code == 302
    item = Resource.objects.get(name="Cedar Avenue Food Shelf")
    assert item.organization == cast.org
    assert sorted(item.languages.values_list("slug", flat=True)) == ["en", "so"]
    assert list(item.communities.values_list("slug", flat=True)) == ["somali"]
    assert item.county is not None and item.county.name == "Hennepin"
    assert item.latitude is not None  # placed by its ZIP code
    page = client.get(reverse("resources:directory")).content.decode()
    assert "Cedar Avenue Food Shelf" in page and reverse("resources:edit", args=[item.public_id]) in page
    # A peer of the organization sees it, without an edit link.
    page = client_for(cast.alice).get(reverse("resources:directory")).content.decode()
    assert "Cedar Avenue Food Shelf" in page and "/edit/" not in page


def test_bad_input_keeps_what_was_typed_and_saves_nothing(cast: Cast) -> None:
    response = client_for(cast.ada).post(
        reverse("resources:create"),
        {**GOOD, "owner": cast.org.slug, "county": "", "website": "not a web address", "zip_code": "5540"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Enter a valid URL." in page and "Enter a ZIP code like 55404 or 55404-1234." in page
    assert 'value="Cedar Avenue Food Shelf"' in page and "Groceries twice a week." in page
    assert not Resource.objects.exists()


def test_an_administrator_corrects_their_own_resource_and_no_one_elses(cast: Cast) -> None:
    own = Resource.objects.create(name="Riverbend Pantry", organization=cast.org, category="food", zip_code="55404")
    theirs = Resource.objects.create(name="Prairie Pantry", organization=cast.other_org, category="food")
    shared = Resource.objects.create(name="State Line", organization=None, category="other")
    client = client_for(cast.ada)
    edit = {**GOOD, "name": "Riverbend Pantry (new hours)", "county": "", "active": ""}
    assert client.post(reverse("resources:edit", args=[own.public_id]), edit).status_code == 302
    own.refresh_from_db()
    assert own.name == "Riverbend Pantry (new hours)" and not own.active and own.organization == cast.org
    for other in (theirs, shared):
        assert client.get(reverse("resources:edit", args=[other.public_id])).status_code == 404
        assert client.post(reverse("resources:edit", args=[other.public_id]), edit).status_code == 404
    assert Resource.objects.get(pk=theirs.pk).name == "Prairie Pantry"


def test_the_state_agencys_administrators_edit_the_shared_directory(cast: Cast) -> None:
    MembershipFactory(user=cast.analyst, organization=cast.state, role="org_admin")
    shared = Resource.objects.create(name="State Line", organization=None, category="other")
    client = client_for(cast.analyst)
    assert client.post(reverse("resources:create"), {**GOOD, "county": "", "owner": cast.state.slug}).status_code == 302
    assert Resource.objects.get(name="Cedar Avenue Food Shelf").organization is None
    edit = {**GOOD, "name": "State Line (24/7)", "county": "", "zip_code": ""}
    assert client.post(reverse("resources:edit", args=[shared.public_id]), edit).status_code == 302
    shared.refresh_from_db()
    assert shared.name == "State Line (24/7)" and shared.latitude is None
    # An organization's administrator does not edit the shared directory.
    assert client_for(cast.ada).get(reverse("resources:edit", args=[shared.public_id])).status_code == 404
