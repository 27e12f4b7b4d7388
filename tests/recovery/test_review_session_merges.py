"""Review of the session's changes: pages left open that keep a colleague's change (resources, plan goals), the
co-sign and goal words each contact version keeps, billing that waits for the co-sign, and weekly shifts that
overlap. Forms are sent as a browser sends them: with every field the page drew.

Complements tests/resources/test_review_directory.py, tests/recovery/test_review_contacts.py,
tests/recovery/test_bad_input_staff_records.py and tests/workforce/test_profile.py.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from peerway.core.models import Community, Language
from peerway.organizations.geography import place_for_zip
from peerway.recovery.models import Contact, ContactCosign, PlanGoal, RecoveryPlan
from peerway.recovery.services import (
    ActionRefused,
    contact_correct,
    contact_cosign,
    contact_lock_for_billing,
)
from peerway.recovery.services.plans import goal_update
from peerway.resources.models import Resource
from peerway.workforce.models import WeeklyShift
from tests.factories import MembershipFactory, county
from tests.helpers import Cast
from tests.recovery.records import contact_fields, ready_engagement, record
from tests.recovery.test_bad_input_staff_records import drawn_form, drawn_form_in
from tests.workforce.test_profile import _alice, _profile_fields, _shift_rows

pytestmark = pytest.mark.django_db

CLASH = "Someone else changed this while your page was open"


def _client(user: object) -> Client:
    client = Client()
    client.force_login(user)  # type: ignore[arg-type]
    return client


def _drawn(client: Client, url: str, *, having: str) -> dict[str, list[str]]:
    return drawn_form(client, url, having=having)


def _drawn_in(html: str, *, having: str) -> dict[str, list[str]]:
    return drawn_form_in(html, having=having)


# --- Resources: a page left open -----------------------------------------------------------------------------------


def test_saving_again_after_a_resource_clash_keeps_every_kind_of_field_the_colleague_changed(cast: Cast) -> None:
    """Booleans (unticked), a model choice by name set to none, multiple choices, a choice and a text area: the
    page that comes back after the clash shows the record's values, so sending it again keeps them."""
    item = Resource.objects.create(
        name="Riverbend Pantry",
        organization=cast.org,
        category="food",
        description="Sample groceries",
        hours="Tue 10-4",
        county=county("Hennepin"),
        zip_code="55404",
        phone="(612) 555-0150",
    )
    item.languages.set(Language.objects.filter(slug="en"))
    community = Community.objects.filter(active=True).order_by("slug").first()
    assert community is not None
    colleague = MembershipFactory(organization=cast.org, role="org_admin").user
    url = reverse("resources:edit", args=[item.public_id])
    ada, other = _client(cast.ada), _client(colleague)
    ada_form = _drawn(ada, url, having="hours")
    theirs = {
        **_drawn(other, url, having="hours"),
        "hours": ["Tue and Thu 10-6"],
        "active": [],
        "county": [""],
        "category": ["housing"],
        "description": ["Sample beds\r\nand meals"],
        "languages": ["en", "es"],
        "communities": [community.slug],
        "phone": ["(612) 555-0151"],
    }
    assert other.post(url, theirs).status_code == 302

    refused = ada.post(url, {**ada_form, "hours": ["Closed until March"]})
    assert refused.status_code == 400
    page = refused.content.decode()
    assert CLASH in page
    assert ada.post(url, _drawn_in(page, having="hours")).status_code == 302

    saved = Resource.objects.get(pk=item.pk)
    assert saved.hours == "Closed until March"
    assert (saved.active, saved.county, saved.category, saved.phone) == (False, None, "housing", "(612) 555-0151")
    assert saved.description.replace("\r\n", "\n") == "Sample beds\nand meals"
    assert sorted(saved.languages.values_list("slug", flat=True)) == ["en", "es"]
    assert list(saved.communities.values_list("slug", flat=True)) == [community.slug]


def test_a_colleagues_new_county_and_ticked_listing_survive_a_clash_on_the_name(cast: Cast) -> None:
    item = Resource.objects.create(name="Riverbend Shelter", organization=cast.org, category="housing", active=False)
    colleague = MembershipFactory(organization=cast.org, role="org_admin").user
    url = reverse("resources:edit", args=[item.public_id])
    ada, other = _client(cast.ada), _client(colleague)
    ada_form = _drawn(ada, url, having="hours")
    theirs = {
        **_drawn(other, url, having="hours"),
        "name": ["Riverbend Night Shelter"],
        "active": ["on"],
        "county": ["Ramsey"],
    }
    assert other.post(url, theirs).status_code == 302
    refused = ada.post(url, {**ada_form, "name": ["Riverbend Family Shelter"]})
    assert refused.status_code == 400
    assert ada.post(url, _drawn_in(refused.content.decode(), having="hours")).status_code == 302
    saved = Resource.objects.get(pk=item.pk)
    assert (saved.name, saved.active, saved.county) == ("Riverbend Family Shelter", True, county("Ramsey"))


def test_after_a_zip_code_clash_the_map_position_follows_the_zip_code_saved(cast: Cast) -> None:
    item = Resource.objects.create(name="Riverbend Pantry", organization=cast.org, category="food", zip_code="55404")
    colleague = MembershipFactory(organization=cast.org, role="org_admin").user
    url = reverse("resources:edit", args=[item.public_id])
    ada, other = _client(cast.ada), _client(colleague)
    ada_form = _drawn(ada, url, having="zip_code")
    assert other.post(url, {**_drawn(other, url, having="zip_code"), "zip_code": ["55406"]}).status_code == 302
    refused = ada.post(url, {**ada_form, "zip_code": ["55408"]})
    assert refused.status_code == 400
    assert ada.post(url, _drawn_in(refused.content.decode(), having="zip_code")).status_code == 302
    saved = Resource.objects.get(pk=item.pk)
    place = place_for_zip("55408")
    assert saved.zip_code == "55408"
    assert (saved.latitude, saved.longitude) == ((place.latitude, place.longitude) if place else (None, None))


def test_a_colleagues_zip_code_and_its_map_position_stay_when_another_field_is_saved(cast: Cast) -> None:
    item = Resource.objects.create(name="Riverbend Pantry", organization=cast.org, category="food", zip_code="55404")
    colleague = MembershipFactory(organization=cast.org, role="org_admin").user
    url = reverse("resources:edit", args=[item.public_id])
    ada, other = _client(cast.ada), _client(colleague)
    ada_form = _drawn(ada, url, having="zip_code")
    assert other.post(url, {**_drawn(other, url, having="zip_code"), "zip_code": ["55406"]}).status_code == 302
    moved = Resource.objects.get(pk=item.pk)
    assert ada.post(url, {**ada_form, "hours": ["Mon 9-5"]}).status_code == 302
    saved = Resource.objects.get(pk=item.pk)
    assert (saved.hours, saved.zip_code, saved.latitude, saved.longitude) == (
        "Mon 9-5",
        "55406",
        moved.latitude,
        moved.longitude,
    )


def test_a_retired_language_a_colleague_removed_does_not_block_saving_a_page_left_open(cast: Cast) -> None:
    item = Resource.objects.create(name="Riverbend Clinic", organization=cast.org, category="moud", hours="Mon 9-5")
    item.languages.set(Language.objects.filter(slug__in=["en", "om"]))
    Language.objects.filter(slug="om").update(active=False)  # retired after the import
    colleague = MembershipFactory(organization=cast.org, role="org_admin").user
    url = reverse("resources:edit", args=[item.public_id])
    ada, other = _client(cast.ada), _client(colleague)
    ada_form = _drawn(ada, url, having="hours")
    assert ada_form["languages"] == ["en", "om"]
    assert other.post(url, {**_drawn(other, url, having="hours"), "languages": ["en"]}).status_code == 302

    response = ada.post(url, {**ada_form, "hours": ["Mon-Fri 9-5"]})

    assert response.status_code == 302, "Ada left the languages as drawn: the colleague's stay, her hours save"
    saved = Resource.objects.get(pk=item.pk)
    assert saved.hours == "Mon-Fri 9-5"
    assert list(saved.languages.values_list("slug", flat=True)) == ["en"]


# --- Plan goals: a prefixed form left open -------------------------------------------------------------------------


def test_saving_a_goal_again_after_a_clash_keeps_the_colleagues_status_and_target_date(cast: Cast) -> None:
    engagement = ready_engagement(cast)
    plan = RecoveryPlan.objects.create(engagement=engagement, kind="individual_recovery_plan")
    goal = PlanGoal.objects.create(plan=plan, life_area="housing", description="Sample goal: a place of my own")
    url = reverse("recovery:engagement_plan", args=[engagement.public_id])
    prefix = f"edit-{goal.public_id}"
    alice, sam = _client(cast.alice), _client(cast.sam)
    alices = drawn_form(alice, url, having=f"{prefix}-description")
    sams = {
        **drawn_form(sam, url, having=f"{prefix}-description"),
        f"{prefix}-description": ["Sample goal: a room of my own"],
        f"{prefix}-status": ["met"],
        f"{prefix}-target_date": ["2027-03-01"],
    }
    assert sam.post(url, sams).status_code == 302

    refused = alice.post(url, {**alices, f"{prefix}-description": ["Sample goal: an apartment"]})
    assert refused.status_code == 400
    page = refused.content.decode()
    assert CLASH in page
    assert alice.post(url, drawn_form_in(page, having=f"{prefix}-description")).status_code == 302
    goal.refresh_from_db()
    assert (goal.description, goal.status, str(goal.target_date)) == ("Sample goal: an apartment", "met", "2027-03-01")


# --- Contacts: the co-sign and goal words each version keeps --------------------------------------------------------


def test_each_co_sign_stays_on_the_version_it_signed(cast: Cast) -> None:
    cast.org.contact_cosign_policy = "all"
    cast.org.save()
    contact = record(ready_engagement(cast), cast.alice)
    contact_cosign(contact=contact, actor=cast.sam, version=1)
    contact_correct(contact=contact, actor=cast.alice, reason="Typed 45, was 60", **contact_fields(duration_minutes=60))
    contact.refresh_from_db()
    assert contact.awaiting_cosign
    with pytest.raises(ActionRefused):
        contact_lock_for_billing(contact=contact)
    assert not ContactCosign.objects.filter(version__contact=contact, version__number=2).exists()
    body = _client(cast.ada).get(reverse("recovery:contact_detail", args=[contact.public_id])).content.decode()
    version_two, version_one = body.split("Version 2", 1)[1].split("Version 1", 1)
    assert "Co-signed by sam" not in version_two and "Co-signed by sam" in version_one

    contact_cosign(contact=contact, actor=cast.sam, version=2)
    contact = contact_lock_for_billing(contact=Contact.objects.get(pk=contact.pk))
    assert contact.locked_version is not None and contact.locked_version.number == 2
    signed = ContactCosign.objects.filter(version__contact=contact).order_by("version__number")
    assert [(c.version.number, c.signed_by) for c in signed] == [(1, cast.sam), (2, cast.sam)]


def test_a_contact_that_needs_no_co_sign_is_billed_without_one_and_a_lock_is_kept_after_a_correction(
    cast: Cast,
) -> None:
    contact = record(ready_engagement(cast), cast.alice)
    assert not contact.needs_cosign
    contact = contact_lock_for_billing(contact=contact)
    assert contact.locked_version is not None and contact.locked_version.number == 1
    cast.org.contact_cosign_policy = "all"
    cast.org.save()
    contact = contact_lock_for_billing(contact=contact)  # locking twice keeps the first lock, and refuses nothing
    assert contact.locked_version.number == 1  # type: ignore[union-attr]
    assert not ContactCosign.objects.exists()


def test_a_version_keeps_the_words_of_a_goal_a_later_correction_dropped_and_the_plan_reworded(cast: Cast) -> None:
    engagement = ready_engagement(cast)
    plan = RecoveryPlan.objects.create(engagement=engagement, kind="individual_recovery_plan")
    housing = PlanGoal.objects.create(plan=plan, life_area="housing", description="Sample goal: a place of my own")
    work = PlanGoal.objects.create(plan=plan, life_area="work", description="Sample goal: a steady job")
    contact = record(engagement, cast.alice, goals=[housing])
    contact_correct(contact=contact, actor=cast.alice, reason="Wrong goal", **contact_fields(goals=[work]))
    goal_update(goal=housing, actor=cast.alice, description="Sample goal: a room", status="open", target_date=None)
    goal_update(goal=work, actor=cast.alice, description="Sample goal: any job", status="set_aside", target_date=None)

    versions = {v.number: v for v in Contact.objects.get(pk=contact.pk).versions.all()}
    assert versions[1].goals_as_written() == ["Sample goal: a place of my own"]
    assert versions[2].goals_as_written() == ["Sample goal: a steady job"]
    body = _client(cast.ada).get(reverse("recovery:contact_detail", args=[contact.public_id])).content.decode()
    assert "Sample goal: a place of my own" in body and "Sample goal: a steady job" in body
    assert "Sample goal: a room" not in body and "Sample goal: any job" not in body


# --- Weekly shifts that overlap ------------------------------------------------------------------------------------


def test_three_shifts_that_each_overlap_the_one_before_are_refused_not_a_server_error(cast: Cast) -> None:
    profile = _alice(cast)
    client = _client(cast.alice)
    rows = _shift_rows(("2", "09:00", "11:00"), ("2", "10:00", "12:00"), ("2", "11:30", "13:00"))
    response = client.post(reverse("workforce:profile_edit"), _profile_fields() | rows)
    assert response.status_code == 400
    body = response.content.decode()
    assert "This overlaps the Wednesday shift from 09:00 to 11:00" in body
    assert "This overlaps the Wednesday shift from 10:00 to 12:00" in body
    assert not profile.shifts.exists()


def test_every_shift_inside_a_long_one_is_named(cast: Cast) -> None:
    _alice(cast)
    client = _client(cast.alice)
    rows = _shift_rows(("4", "09:00", "17:00"), ("4", "10:00", "11:00"), ("4", "12:00", "13:00"))
    response = client.post(reverse("workforce:profile_edit"), _profile_fields() | rows)
    assert response.status_code == 400
    assert response.content.decode().count("This overlaps the Friday shift from 09:00 to 17:00") == 2


def test_a_long_shift_and_a_short_one_it_holds_are_refused_whatever_their_order(cast: Cast) -> None:
    profile = _alice(cast)
    client = _client(cast.alice)
    for rows in (
        (("1", "10:00", "11:00"), ("1", "09:00", "17:00")),
        (("1", "09:00", "17:00"), ("1", "09:00", "10:00")),
    ):
        response = client.post(reverse("workforce:profile_edit"), _profile_fields() | _shift_rows(*rows))
        assert response.status_code == 400, rows
        assert response.content.decode().count("This overlaps the Tuesday shift") == 1, rows
    assert not profile.shifts.exists()


def test_an_existing_shift_edited_to_overlap_another_is_refused_and_one_removed_frees_the_hours(cast: Cast) -> None:
    profile = _alice(cast)
    first = WeeklyShift.objects.create(peer=profile, weekday=0, starts_at="09:00", ends_at="12:00")
    second = WeeklyShift.objects.create(peer=profile, weekday=0, starts_at="13:00", ends_at="17:00")
    client = _client(cast.alice)
    ids = {"shifts-0-id": str(first.pk), "shifts-1-id": str(second.pk)}
    rows = _shift_rows(("0", "09:00", "14:00"), ("0", "13:00", "17:00"), existing=2) | ids
    response = client.post(reverse("workforce:profile_edit"), _profile_fields() | rows)
    assert response.status_code == 400
    assert "This overlaps the Monday shift from 09:00 to 14:00" in response.content.decode()
    assert [f"{s:%H:%M}" for s in profile.shifts.values_list("ends_at", flat=True)] == ["12:00", "17:00"]
    # Removing the second (an existing row) lets the first grow over its hours; a new row after it is checked.
    rows = _shift_rows(("0", "09:00", "14:00"), ("0", "13:00", "17:00"), ("0", "14:00", "15:00"), existing=2)
    rows |= ids | {"shifts-1-DELETE": "on"}
    assert client.post(reverse("workforce:profile_edit"), _profile_fields() | rows).status_code == 302
    shifts = [(f"{a:%H:%M}", f"{b:%H:%M}") for a, b in profile.shifts.values_list("starts_at", "ends_at")]
    assert shifts == [("09:00", "14:00"), ("14:00", "15:00")]


def test_an_invalid_or_half_filled_row_next_to_an_overlap_is_named_without_a_server_error(cast: Cast) -> None:
    profile = _alice(cast)
    client = _client(cast.alice)
    rows = _shift_rows(
        ("3", "09:00", "12:00"), ("3", "11:00", "10:00"), ("3", "", "12:00"), ("3", "10:00", "11:00"), ("", "", "")
    )
    response = client.post(reverse("workforce:profile_edit"), _profile_fields() | rows)
    assert response.status_code == 400
    body = response.content.decode()
    assert "The shift must end after it starts" in body
    assert body.count("This overlaps the Thursday shift from 09:00 to 12:00") == 1
    assert not profile.shifts.exists()
