"""Review of contacts and their co-sign: what a supervisor signed and billing locked stays as it was, dates stay
inside the engagement, bad input is refused at its field, every look at a person's contact is audited, and the
forms work in Spanish, Somali and Hmong.

Complements test_contacts.py (service rules), test_guard_contacts.py, test_bad_input_staff_records.py and
test_sent_twice.py; cross-organization 404s are in tests/privacy/test_guard_cross_organization.py.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib
import re

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import translation

from peerway.core.models import AccessAction, AccessEvent
from peerway.recovery.models import Contact, ContactCosign, PlanGoal, RecoveryPlan
from peerway.recovery.services import (
    ActionRefused,
    contact_correct,
    contact_cosign,
    contact_lock_for_billing,
    engagement_transition,
)
from peerway.recovery.services.plans import goal_update
from tests.helpers import Cast
from tests.recovery.records import contact_fields, ready_engagement, record


def _client(user: object) -> Client:
    client = Client()
    client.force_login(user)  # type: ignore[arg-type]
    return client


def _cosigned_and_billed(cast: Cast, **overrides: object) -> Contact:
    """A contact of Alice's that Sam co-signed and billing then locked."""
    cast.org.contact_cosign_policy = "all"
    cast.org.save()
    contact = record(ready_engagement(cast), cast.alice, **overrides)
    contact = contact_cosign(contact=contact, actor=cast.sam, version=1)
    return contact_lock_for_billing(contact=contact)


def _post_data(**overrides: object) -> dict[str, object]:
    fields = contact_fields()
    data: dict[str, object] = {**fields, "occurred_on": fields["occurred_on"].isoformat(), "started_at": "14:00"}
    data.update(overrides)
    return data


# --- What a supervisor signed and billing locked -------------------------------------------------------------------


def test_after_a_correction_the_contact_page_still_says_who_co_signed_the_billed_version(cast: Cast) -> None:
    contact = _cosigned_and_billed(cast)
    contact_correct(
        contact=contact, actor=cast.alice, reason="Wrong length typed", **contact_fields(duration_minutes=60)
    )
    body = _client(cast.ada).get(reverse("recovery:contact_detail", args=[contact.public_id])).content.decode()
    assert "Billed as version 1" in body
    # Version 1 went out on a claim with Sam's co-sign; an auditor reading the record must still see that.
    assert "Co-signed by sam" in body, "nothing on the page says the billed version was co-signed, nor by whom"


def test_editing_a_plan_goal_does_not_rewrite_the_goal_a_signed_and_billed_contact_names(cast: Cast) -> None:
    cast.org.contact_cosign_policy = "all"
    cast.org.save()
    engagement = ready_engagement(cast)
    plan = RecoveryPlan.objects.create(engagement=engagement, kind="individual_recovery_plan")
    goal = PlanGoal.objects.create(plan=plan, life_area="housing", description="Sample goal: a place of my own")
    contact = record(engagement, cast.alice, goals=[goal])
    contact_cosign(contact=contact, actor=cast.sam, version=1)
    contact_lock_for_billing(contact=contact)

    goal_update(goal=goal, actor=cast.alice, description="Sample goal: keep my job", status="open", target_date=None)

    body = _client(cast.ada).get(reverse("recovery:contact_detail", args=[contact.public_id])).content.decode()
    # The session note ties the session to the plan (254B.052); the billed, co-signed version must keep saying which.
    assert "Sample goal: a place of my own" in body
    assert "Sample goal: keep my job" not in body


def test_saving_the_correction_form_unchanged_does_not_withdraw_the_co_sign(cast: Cast) -> None:
    cast.org.contact_cosign_policy = "all"
    cast.org.save()
    contact = record(ready_engagement(cast), cast.alice)
    contact_cosign(contact=contact, actor=cast.sam, version=1)
    with contextlib.suppress(ValidationError, ActionRefused):  # refusing "nothing changed" is one fix
        contact_correct(contact=contact, actor=cast.alice, reason="", **contact_fields())
    contact.refresh_from_db()
    assert contact.versions.count() == 1, "an identical version 2 was written"
    assert contact.cosigned_by == cast.sam, "the supervisor's co-sign was withdrawn though nothing changed"


def test_a_correction_of_a_billed_co_signed_contact_keeps_the_billed_version_and_asks_for_a_new_co_sign(
    cast: Cast,
) -> None:
    """What holds today: the billed version is untouched, the correction is a new version with its reason, and the
    corrected version waits for a supervisor again (it is back in Sam's queue)."""
    contact = _cosigned_and_billed(cast)
    contact_correct(contact=contact, actor=cast.alice, reason="Typed 45, was 60", **contact_fields(duration_minutes=60))
    contact.refresh_from_db()
    assert contact.locked_version is not None and contact.locked_version.number == 1
    assert contact.locked_version.duration_minutes == 45
    assert contact.current_version is not None and contact.current_version.reason == "Typed 45, was 60"
    assert contact.awaiting_cosign
    queue = _client(cast.sam).get(reverse("recovery:contact_cosign_queue")).content.decode()
    assert str(contact.public_id) in queue and 'name="version" value="2"' in queue


# --- Dates inside the engagement -----------------------------------------------------------------------------------


def test_a_correction_may_not_date_a_contact_after_the_engagement_closed(cast: Cast) -> None:
    start = dt.datetime(2026, 6, 10, 17, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        engagement = ready_engagement(cast)
        contact = record(engagement, cast.alice)
        engagement_transition(engagement=engagement, action="close", actor=cast.alice)  # closed on 10 June
    with time_machine.travel(start + dt.timedelta(days=10), tick=False), pytest.raises(ValidationError) as caught:
        contact_correct(
            contact=contact, actor=cast.alice, reason="", **contact_fields(occurred_on=dt.date(2026, 6, 15))
        )
    assert "occurred_on" in caught.value.message_dict
    assert contact.versions.count() == 1


def test_two_sessions_of_one_peer_with_one_person_may_not_overlap(cast: Cast) -> None:
    engagement = ready_engagement(cast)
    record(engagement, cast.alice, started_at=dt.time(14, 0), duration_minutes=60)
    # 14:30 to 15:30 while the 14:00 to 15:00 session was going on: a one-on-one session cannot happen twice at once.
    with pytest.raises(ValidationError) as caught:
        record(engagement, cast.alice, started_at=dt.time(14, 30), duration_minutes=60)
    assert "started_at" in caught.value.message_dict
    assert Contact.objects.filter(engagement=engagement).count() == 1


@time_machine.travel(dt.datetime(2026, 1, 16, 12, 0, tzinfo=dt.UTC), tick=False)
def test_a_contact_at_23_30_in_winter_is_shown_on_its_local_day_in_every_list(cast: Cast) -> None:
    """23:30 CST on 15 January is 05:30 UTC on the 16th: the contact page, the engagement page and the co-sign queue
    all show the 15th, and the billing instant is the UTC one."""
    cast.org.contact_cosign_policy = "all"
    cast.org.save()
    engagement = ready_engagement(cast)
    contact = record(engagement, cast.alice, occurred_on=dt.date(2026, 1, 15), started_at=dt.time(23, 30))
    assert contact.occurred_at == dt.datetime(2026, 1, 16, 5, 30, tzinfo=dt.UTC)
    shown = {
        "Contact on 01/15/2026": (cast.alice, reverse("recovery:contact_detail", args=[contact.public_id])),
        "01/15/2026 23:30</a>": (cast.alice, reverse("recovery:engagement_detail", args=[engagement.public_id])),
        "01/15/2026</a>": (cast.sam, reverse("recovery:contact_cosign_queue")),
    }
    for text, (user, page) in shown.items():
        assert text in _client(user).get(page).content.decode(), f"{page} does not show {text!r}"


# --- Bad input -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("duration_minutes", "-15"),
        ("duration_minutes", "thirty"),
        ("duration_minutes", "30.5"),
        ("duration_minutes", "1e3"),
        ("duration_minutes", "1440"),
        ("duration_minutes", "9" * 40),
        ("started_at", "24:00"),
        ("occurred_on", "2026-02-30"),
        ("occurred_on", "+10000-01-01"),
    ],
)
def test_odd_values_in_the_contact_and_correction_forms_are_refused_at_their_field(
    cast: Cast, field: str, value: str
) -> None:
    engagement = ready_engagement(cast)
    contact = record(engagement, cast.alice)
    client = _client(cast.alice)
    for url in (
        reverse("recovery:contact_create", args=[engagement.public_id]),
        reverse("recovery:contact_correct", args=[contact.public_id]),
    ):
        response = client.post(url, _post_data(**{field: value, "reason": "Checking"}))
        assert response.status_code == 400, f"{url} with {field}={value!r} gave {response.status_code}"
        assert response.context["form"].errors.get(field), f"{field}={value!r} not refused next to its field"
    assert Contact.objects.count() == 1 and contact.versions.count() == 1


# --- Audit ---------------------------------------------------------------------------------------------------------


def test_opening_a_contact_and_its_correction_page_each_write_one_view_of_the_person(cast: Cast) -> None:
    engagement = ready_engagement(cast)
    contact = record(engagement, cast.alice)
    person = engagement.participant.public_id
    AccessEvent.objects.all().delete()
    _client(cast.bill).get(reverse("recovery:contact_detail", args=[contact.public_id]))
    _client(cast.alice).get(reverse("recovery:contact_correct", args=[contact.public_id]))
    events = AccessEvent.objects.filter(subject_id=person, action=AccessAction.VIEWED).order_by("id")
    assert [(e.actor, e.actor_role, e.reason) for e in events] == [
        (cast.bill, "billing", "contact page"),
        (cast.alice, "peer", "correcting a contact"),
    ]
    # A correction sent from the page is a view and a change, both of the same person.
    _client(cast.alice).post(reverse("recovery:contact_correct", args=[contact.public_id]), _post_data(note="More"))
    assert AccessEvent.objects.filter(subject_id=person, action=AccessAction.CHANGED, actor=cast.alice).count() == 1


# --- Languages -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "language",
    ["es", "so", "hmn"],
)
def test_the_contact_forms_draw_the_date_as_a_date_input_can_show_it(cast: Cast, language: str) -> None:
    """A browser's <input type="date"> only takes YYYY-MM-DD; any other value leaves the field empty, so quick entry
    loses its proposed date and a correction is refused with "This field is required" unless the date is typed
    again."""
    engagement = ready_engagement(cast)
    contact = record(engagement, cast.alice)
    with translation.override(language):
        pages = [
            reverse("recovery:contact_create", args=[engagement.public_id]),
            reverse("recovery:contact_correct", args=[contact.public_id]),
        ]
    client = _client(cast.alice)
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200
        [value] = re.findall(r'<input type="date" name="occurred_on" value="([^"]*)"', response.content.decode())
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", value), f"{page} draws the date as {value!r}"


def test_the_migration_keeps_each_existing_co_sign_on_the_version_it_signed(cast: Cast) -> None:
    from django.apps import apps

    migration = importlib.import_module("peerway.recovery.migrations.0010_contact_cosign_and_goal_words")
    contact = _cosigned_and_billed(cast)
    unsigned = record(contact.engagement, cast.alice)
    ContactCosign.objects.all().delete()  # as the contacts were before the migration

    migration.cosigns_copy(apps, None)

    [cosign] = ContactCosign.objects.all()
    assert (cosign.version_id, cosign.signed_by, cosign.signed_at) == (
        contact.current_version_id,
        cast.sam,
        contact.cosigned_at,
    )
    assert not ContactCosign.objects.filter(version__contact=unsigned).exists()


def test_billing_cannot_lock_a_contact_still_awaiting_its_co_sign(cast: Cast) -> None:
    cast.org.contact_cosign_policy = "all"
    cast.org.save()
    contact = record(ready_engagement(cast), cast.alice)
    with pytest.raises(ActionRefused, match="awaiting its co-sign"):
        contact_lock_for_billing(contact=contact)
    contact.refresh_from_db()
    assert contact.locked_at is None
    # Co-signed, it is billed; corrected after the lock, it stays billed as it was.
    contact = contact_lock_for_billing(contact=contact_cosign(contact=contact, actor=cast.sam, version=1))
    assert contact.locked_version is not None and contact.locked_version.number == 1
    contact_correct(
        contact=contact, actor=cast.alice, reason="Wrong length typed", **contact_fields(duration_minutes=60)
    )
    contact = contact_lock_for_billing(contact=contact)
    assert contact.locked_version is not None and contact.locked_version.number == 1
