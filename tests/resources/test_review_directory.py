"""Review of the resource directory: odd search input, filters with values that are not choices, who edits what,
and an edit from a page left open. Forms are sent as a browser sends them: with every field the page drew.

The directory is a staff page (/staff/resources/); tests/e2e/test_resources.py already checks it at 360 px.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from peerway.core.models import Language
from peerway.resources.models import Resource
from tests.factories import MembershipFactory, county
from tests.helpers import Cast
from tests.recovery.test_bad_input_staff_records import drawn_form, drawn_form_in

pytestmark = pytest.mark.django_db

ON_SQLITE = connection.vendor == "sqlite"


def _client(user: object) -> Client:
    client = Client()
    client.force_login(user)  # type: ignore[arg-type]
    return client


def _directory(user: object, **params: str) -> str:
    response = _client(user).get(reverse("resources:directory"), params)
    assert response.status_code == 200
    return response.content.decode()


def _two_resources() -> None:
    Resource.objects.create(name="Duluth Sober House", category="housing", city="Duluth", county=county("St. Louis"))
    Resource.objects.create(name="Cedar Pantry", category="food", city="Minneapolis", zip_code="55404")


@pytest.mark.parametrize(
    "params",
    [
        {"page": "0"},
        {"page": "-1"},
        {"page": "9" * 40},
        {"page": "two"},
        {"page": "1e9"},
        {"q": "' OR 1=1 --"},
        {"q": "%"},
        {"q": "x\x00y"},
        {"q": "99999"},  # a ZIP code nobody has
        {"q": "duluth", "lat": "999", "lon": "-999", "zip": "00000", "sort": "name; drop"},
    ],
)
def test_odd_search_input_and_page_numbers_answer_with_a_page(cast: Cast, params: dict[str, str]) -> None:
    _two_resources()
    page = _directory(cast.alice, **params)
    assert "resource" in page  # the count line is there: a page, not an error
    if params.get("q") in ("' OR 1=1 --", "%", "99999"):
        assert "Cedar Pantry" not in page and "Duluth Sober House" not in page


def test_html_typed_into_the_search_or_saved_in_a_resource_is_shown_as_text(cast: Cast) -> None:
    Resource.objects.create(name="<b>Bold</b> Clinic", category="moud", description="<script>alert(1)</script>")
    page = _directory(cast.alice, q="<script>clinic")
    assert "<script>" not in page and "<b>Bold</b>" not in page
    page = _directory(cast.alice, q="clinic")
    assert "&lt;b&gt;Bold&lt;/b&gt; Clinic" in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_a_very_long_search_answers_with_a_page(cast: Cast) -> None:
    _two_resources()
    response = _client(cast.alice).get(reverse("resources:directory"), {"q": "ab" * 30_000})
    assert response.status_code in (200, 400)
    assert "Cedar Pantry" not in response.content.decode()


@pytest.mark.parametrize("bad", [{"category": "retired_category"}, {"county": "Nowhere"}, {"language": "xx"}])
def test_a_filter_value_that_is_not_a_choice_does_not_drop_the_search(cast: Cast, bad: dict[str, str]) -> None:
    _two_resources()
    page = _directory(cast.alice, q="duluth", **bad)
    assert 'class="field-errors"' in page  # the bad filter is named at its field (true today)
    assert "Duluth Sober House" in page
    assert "Cedar Pantry" not in page, "the search for “duluth” was not applied"


def test_only_the_owners_administrators_add_or_edit_a_resource_post_included(cast: Cast) -> None:
    own = Resource.objects.create(name="Riverbend Pantry", organization=cast.org, category="food")
    data = {"name": "Renamed", "category": "food", "active": "on"}
    # A peer of the same organization: no edit page, GET or POST.
    alice = _client(cast.alice)
    assert alice.get(reverse("resources:edit", args=[own.public_id])).status_code == 404
    assert alice.post(reverse("resources:edit", args=[own.public_id]), data).status_code == 404
    assert alice.post(reverse("resources:create"), {**data, "owner": cast.org.slug}).status_code == 404
    # An administrator cannot add a resource to another organization's directory by naming it.
    response = _client(cast.ada).post(reverse("resources:create"), {**data, "owner": cast.other_org.slug})
    assert response.status_code == 400
    assert not Resource.objects.filter(organization=cast.other_org).exists()
    # An unknown id is a 404 too.
    unknown = "00000000-0000-4000-8000-000000000000"
    assert _client(cast.ada).post(reverse("resources:edit", args=[unknown]), data).status_code == 404
    assert Resource.objects.get(pk=own.pk).name == "Riverbend Pantry"


def test_an_edit_from_a_page_left_open_keeps_a_colleagues_change(cast: Cast) -> None:
    item = Resource.objects.create(
        name="Riverbend Pantry", organization=cast.org, category="food", hours="Tue 10-4", phone="(612) 555-0150"
    )
    colleague = MembershipFactory(organization=cast.org, role="org_admin").user
    url = reverse("resources:edit", args=[item.public_id])
    ada, other = _client(cast.ada), _client(colleague)
    ada_form = drawn_form(ada, url, having="hours")
    # While Ada's page is open, her colleague records the pantry's new hours; Ada then fixes the name.
    response = other.post(url, {**drawn_form(other, url, having="hours"), "hours": ["Tue and Thu 10-6"]})
    assert response.status_code == 302
    response = ada.post(url, {**ada_form, "name": ["Riverbend Food Pantry"]})
    assert response.status_code < 500
    assert Resource.objects.get(pk=item.pk).hours == "Tue and Thu 10-6"


def test_two_edits_of_one_field_from_pages_open_at_once_ask_the_second_editor_which_stays(cast: Cast) -> None:
    item = Resource.objects.create(
        name="Riverbend Pantry", organization=cast.org, category="food", hours="Tue 10-4", zip_code="55404"
    )
    item.languages.set(Language.objects.filter(slug="en"))
    colleague = MembershipFactory(organization=cast.org, role="org_admin").user
    url = reverse("resources:edit", args=[item.public_id])
    ada, other = _client(cast.ada), _client(colleague)
    ada_form = drawn_form(ada, url, having="hours")
    colleague_form = {**drawn_form(other, url, having="hours"), "hours": ["Tue and Thu 10-6"], "zip_code": ["55406"]}
    assert other.post(url, colleague_form).status_code == 302
    moved = Resource.objects.get(pk=item.pk)
    response = ada.post(url, {**ada_form, "hours": ["Closed until March"], "languages": ["en", "es"]})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Someone else changed this while your page was open" in page and "Tue and Thu 10-6" in page
    assert "Closed until March" in page  # what Ada typed is kept
    assert Resource.objects.get(pk=item.pk).hours == "Tue and Thu 10-6"  # nothing of hers saved yet
    # Sending the page again keeps hers; the colleague's new ZIP code and its map position stay.
    again = drawn_form_in(page, having="hours")
    assert ada.post(url, again).status_code == 302
    saved = Resource.objects.get(pk=item.pk)
    assert saved.hours == "Closed until March"
    assert sorted(saved.languages.values_list("slug", flat=True)) == ["en", "es"]
    assert (saved.zip_code, saved.latitude, saved.longitude) == ("55406", moved.latitude, moved.longitude)


def test_correcting_a_resource_keeps_a_language_no_longer_offered_for_new_ones(cast: Cast) -> None:
    item = Resource.objects.create(name="Riverbend Clinic", organization=cast.org, category="moud", hours="Mon 9-5")
    item.languages.set(Language.objects.filter(slug__in=["en", "om"]))
    Language.objects.filter(slug="om").update(active=False)  # retired in the admin after the import
    url = reverse("resources:edit", args=[item.public_id])
    ada = _client(cast.ada)
    assert ada.post(url, {**drawn_form(ada, url, having="hours"), "hours": ["Mon-Fri 9-5"]}).status_code == 302
    item = Resource.objects.get(pk=item.pk)
    assert item.hours == "Mon-Fri 9-5"
    assert sorted(item.languages.values_list("slug", flat=True)) == ["en", "om"]


def test_an_administrator_finds_an_unlisted_resource_to_list_it_again(cast: Cast) -> None:
    hidden = Resource.objects.create(name="Riverbend Night Shelter", organization=cast.org, category="housing")
    url = reverse("resources:edit", args=[hidden.public_id])
    ada = _client(cast.ada)
    assert ada.post(url, {**drawn_form(ada, url, having="hours"), "active": []}).status_code == 302
    assert not Resource.objects.get(pk=hidden.pk).active
    # Peers never see it again...
    assert "Riverbend Night Shelter" not in _directory(cast.alice, q="shelter")
    # ...but the administrator who unticked it by mistake (or whose shelter reopened) can reach it again.
    page = _directory(cast.ada, q="shelter")
    assert url in page and "Not listed in the directory" in page
