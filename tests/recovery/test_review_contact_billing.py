"""Review of contact versions, co-signs and the billing lock: what a supervisor signed and billing froze stays as it
was, one co-sign per version even when supervisors, corrections and the lock meet at the same instant, every
change is audited, and the HTTP layer answers a stray request with a 4xx, never a 500.

Complements test_contacts.py, test_review_contacts.py and test_guard_contacts.py.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import connection, connections, transaction
from django.test import Client
from django.urls import reverse

from peerway.core.models import AccessAction, AccessEvent
from peerway.recovery.models import Contact, ContactCosign, ContactVersion, PlanGoal, RecoveryPlan
from peerway.recovery.services import (
    ActionRefused,
    contact_correct,
    contact_cosign,
    contact_lock_for_billing,
)
from peerway.recovery.services.plans import goal_update
from tests.helpers import Cast, until_waiting_or_done
from tests.recovery.records import contact_fields, ready_engagement, record

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="races between writers need PostgreSQL; SQLite serializes every writer, so there is nothing to race",
)


def _client(user: object) -> Client:
    client = Client()
    client.force_login(user)  # type: ignore[arg-type]
    return client


def _cosign_policy_all(cast: Cast) -> None:
    cast.org.contact_cosign_policy = "all"
    cast.org.save()


def _page(user: object, contact: Contact) -> str:
    return _client(user).get(reverse("recovery:contact_detail", args=[contact.public_id])).content.decode()


def _cosign_url(contact: Contact) -> str:
    return reverse("recovery:contact_cosign", args=[contact.public_id])


def _with_goal(cast: Cast, words: str) -> tuple[Contact, PlanGoal]:
    engagement = ready_engagement(cast)
    plan = RecoveryPlan.objects.create(engagement=engagement, kind="individual_recovery_plan")
    goal = PlanGoal.objects.create(plan=plan, life_area="housing", description=words)
    return record(engagement, cast.alice, goals=[goal]), goal


def _recovery_data_migrations_from_0010() -> None:
    """Every data step (RunPython) of the recovery migrations from 0010 on, run on today's rows: what an upgrade
    does to the contacts written before it."""
    from django.db.migrations import RunPython
    from django.db.migrations.loader import MigrationLoader

    loader = MigrationLoader(None, ignore_no_migrations=True)
    names = sorted(name for app, name in loader.disk_migrations if app == "recovery" and name >= "0010")
    for name in names:
        module = importlib.import_module(f"peerway.recovery.migrations.{name}")
        for operation in module.Migration.operations:
            if isinstance(operation, RunPython):
                operation.code(apps, None)


# --- What a supervisor signed and billing froze ----------------------------------------------------------------------


def test_each_version_keeps_its_own_co_sign_and_a_superseded_version_cannot_be_signed_again(cast: Cast) -> None:
    _cosign_policy_all(cast)
    contact = record(ready_engagement(cast), cast.alice)
    contact_cosign(contact=contact, actor=cast.sam, version=1)
    contact = contact_lock_for_billing(contact=contact)
    contact_correct(contact=contact, actor=cast.alice, reason="Typed 45, was 60", **contact_fields(duration_minutes=60))

    # A co-sign of the billed, superseded version 1 (a page drawn before the correction) signs nothing.
    response = _client(cast.ada).post(_cosign_url(contact), {"version": "1"})
    assert response.status_code == 302
    assert ContactCosign.objects.filter(version__contact=contact).count() == 1
    # Version 2 is signed on its own, by someone else; version 1 keeps Sam's co-sign and stays billed.
    assert _client(cast.ada).post(_cosign_url(contact), {"version": "2"}).status_code == 302
    signs = {c.version.number: c.signed_by for c in ContactCosign.objects.filter(version__contact=contact)}
    assert signs == {1: cast.sam, 2: cast.ada}
    contact.refresh_from_db()
    assert contact.cosigned_version == contact.current_version and contact.cosigned_by == cast.ada
    assert contact.locked_version is not None and contact.locked_version.number == 1
    body = _page(cast.bill, contact)
    assert "Billed as version 1" in body and "Co-signed by sam" in body and "Co-signed by ada" in body


def test_each_version_shows_the_goal_words_it_was_written_with(cast: Cast) -> None:
    _cosign_policy_all(cast)
    contact, goal = _with_goal(cast, "Sample goal: a place of my own")
    contact_cosign(contact=contact, actor=cast.sam, version=1)
    contact_lock_for_billing(contact=contact)
    goal_update(goal=goal, actor=cast.alice, description="Sample goal: keep my job", status="open", target_date=None)
    contact_correct(
        contact=contact, actor=cast.alice, reason="Note clarified", **contact_fields(note="Clarified", goals=[goal])
    )
    versions = {v.number: v for v in ContactVersion.objects.filter(contact=contact)}
    assert versions[1].goals_as_written() == ["Sample goal: a place of my own"]
    assert versions[2].goals_as_written() == ["Sample goal: keep my job"]
    body = _page(cast.bill, contact)
    assert "Sample goal: a place of my own" in body and "Sample goal: keep my job" in body


def test_a_correction_of_a_billed_contact_without_a_reason_is_refused_at_its_field_and_writes_nothing(
    cast: Cast,
) -> None:
    _cosign_policy_all(cast)
    contact = record(ready_engagement(cast), cast.alice)
    contact_cosign(contact=contact, actor=cast.sam, version=1)
    contact_lock_for_billing(contact=contact)
    changes = AccessEvent.objects.filter(action=AccessAction.CHANGED).count()
    fields = contact_fields(duration_minutes=60)
    data = {**fields, "occurred_on": fields["occurred_on"].isoformat(), "started_at": "14:00", "reason": "   "}
    response = _client(cast.alice).post(reverse("recovery:contact_correct", args=[contact.public_id]), data)
    assert response.status_code == 400
    assert response.context["form"].errors.get("reason")
    contact.refresh_from_db()
    assert contact.versions.count() == 1 and contact.cosigned_by == cast.sam
    assert contact.locked_version == contact.current_version
    assert AccessEvent.objects.filter(action=AccessAction.CHANGED).count() == changes


def test_billing_does_not_lock_a_contact_recorded_without_the_plan_it_needed(cast: Cast) -> None:
    engagement = ready_engagement(cast)
    contacts = [record(engagement, cast.alice) for _ in range(4)]
    assert [c.plan_missing for c in contacts] == [False, False, False, True]
    with pytest.raises(ActionRefused, match="without the recovery plan it needed"):
        contact_lock_for_billing(contact=contacts[3], actor=cast.bill)
    contacts[3].refresh_from_db()
    assert contacts[3].locked_at is None and contacts[3].locked_version is None
    assert contact_lock_for_billing(contact=contacts[2], actor=cast.bill).locked_at is not None
    assert "Billed as version" not in _page(cast.bill, contacts[3])


def test_locking_a_contact_for_billing_is_audited_as_a_change_by_billing(cast: Cast) -> None:
    contact = record(ready_engagement(cast), cast.alice)

    def locks() -> list[tuple[object, str, str]]:
        events = AccessEvent.objects.filter(action=AccessAction.CHANGED, reason__startswith="locked a contact")
        return [(event.actor, event.actor_role, event.reason) for event in events.order_by("id")]

    for outsider in (cast.alice, cast.olive, cast.nobody):
        with pytest.raises(ActionRefused, match="bill a contact"):
            contact_lock_for_billing(contact=contact, actor=outsider)
    assert locks() == []
    contact = contact_lock_for_billing(contact=contact, actor=cast.bill)
    assert contact.locked_at is not None
    assert locks() == [(cast.bill, "billing", "locked a contact for billing (version 1)")]
    contact_lock_for_billing(contact=contact, actor=cast.ada)  # locked already: the first lock stays, nothing new
    assert len(locks()) == 1


def _as_before_the_upgrade() -> None:
    """The rows as they were before recovery/0010: no co-sign rows, no goal words on any version."""
    ContactCosign.objects.all().delete()
    ContactVersion.objects.update(goal_words=None)


def test_the_upgrade_keeps_the_co_sign_of_a_billed_version_corrected_before_it(cast: Cast) -> None:
    _cosign_policy_all(cast)
    contact = record(ready_engagement(cast), cast.alice)
    contact = contact_cosign(contact=contact, actor=cast.sam, version=1)
    signed_at = contact.cosigned_at
    contact_lock_for_billing(contact=contact, actor=cast.bill)
    contact_correct(contact=contact, actor=cast.alice, reason="Typed 45, was 60", **contact_fields(duration_minutes=60))
    _as_before_the_upgrade()
    _recovery_data_migrations_from_0010()
    [cosign] = ContactCosign.objects.filter(version__contact=contact)
    assert (cosign.version.number, cosign.signed_by, cosign.signed_at) == (1, cast.sam, signed_at)
    assert "Co-signed by sam" in _page(cast.bill, contact)


def test_after_the_upgrade_rewording_a_goal_does_not_rewrite_a_version_billed_before_it(cast: Cast) -> None:
    contact, goal = _with_goal(cast, "Sample goal: a place of my own")
    contact_lock_for_billing(contact=contact, actor=cast.bill)
    goal_update(goal=goal, actor=cast.alice, description="Sample goal: keep my job", status="open", target_date=None)
    _as_before_the_upgrade()
    _recovery_data_migrations_from_0010()
    version = ContactVersion.objects.get(contact=contact, number=1)
    assert version.goals_as_written() == ["Sample goal: a place of my own"]
    goal_update(goal=goal, actor=cast.alice, description="Sample goal: a new job", status="open", target_date=None)
    assert ContactVersion.objects.get(pk=version.pk).goals_as_written() == ["Sample goal: a place of my own"]


def test_a_co_sign_sent_twice_is_one_co_sign_and_one_change(cast: Cast) -> None:
    _cosign_policy_all(cast)
    contact = record(ready_engagement(cast), cast.alice)
    client = _client(cast.sam)
    answers = [client.post(_cosign_url(contact), {"version": "1"}).status_code for _ in range(2)]
    assert answers == [302, 302]
    assert ContactCosign.objects.filter(version__contact=contact).count() == 1
    events = AccessEvent.objects.filter(action=AccessAction.CHANGED, reason="co-signed a contact")
    assert [(event.actor, event.actor_role) for event in events] == [(cast.sam, "supervisor")]


def test_a_stray_co_sign_request_is_a_4xx_or_a_refusal_and_signs_nothing(cast: Cast) -> None:
    _cosign_policy_all(cast)
    contact = record(ready_engagement(cast), cast.alice)
    url = _cosign_url(contact)
    assert _client(cast.sam).get(url).status_code == 405
    unknown = reverse("recovery:contact_cosign", args=["00000000-0000-4000-8000-000000000000"])
    assert _client(cast.sam).post(unknown, {"version": "1"}).status_code == 404
    assert _client(cast.sam).post(url.replace(str(contact.public_id), "not-a-uuid"), {}).status_code == 404
    for outsider in (cast.olive, cast.alice, cast.bill):
        assert _client(outsider).post(url, {"version": "1"}).status_code == 404
    for version in ("one", "9" * 5000, ""):
        assert _client(cast.sam).post(url, {"version": version}).status_code == 302
    assert not ContactCosign.objects.filter(version__contact=contact).exists()


def test_the_correction_is_offered_only_to_who_may_make_it(cast: Cast) -> None:
    from tests.factories import MembershipFactory, UserFactory

    contact = record(ready_engagement(cast), cast.alice)
    bob = UserFactory(username="bob", first_name="Bob")
    MembershipFactory(user=bob, organization=cast.org, role="peer")
    correct = reverse("recovery:contact_correct", args=[contact.public_id])
    fields = contact_fields(duration_minutes=60)
    data = {**fields, "occurred_on": fields["occurred_on"].isoformat(), "started_at": "14:00", "reason": "Checking"}
    assert _client(bob).post(correct, data).status_code == 404
    assert contact.versions.count() == 1
    # Bob may read the contact, but he may not correct it: the correction is not offered and its page does not open.
    assert correct not in _page(bob, contact)
    assert _client(bob).get(correct).status_code == 404


# --- Races, with real threads on PostgreSQL -------------------------------------------------------------------------


def _while_held(first: Callable[[], object], second: Callable[[], object]) -> list[object]:
    """Run ``first`` in a transaction left open until ``second``, on its own connection, waits for it (or is done),
    then commit: the two requests at the same instant. What ``second`` returned or raised."""
    outcome: list[object] = []

    def run() -> None:
        try:
            outcome.append(second())
        except Exception as error:  # whatever it raises is what the second person gets
            outcome.append(error)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    with transaction.atomic():
        first()
        thread.start()
        until_waiting_or_done(thread)
        waited = thread.is_alive()
    thread.join(timeout=30)
    assert outcome, "the second request never ended"
    assert waited, f"the second request did not wait for the first (it ended with {outcome!r}): nothing orders them"
    return outcome


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_two_supervisors_co_signing_at_the_same_instant_leave_one_co_sign(cast: Cast) -> None:
    _cosign_policy_all(cast)
    contact = record(ready_engagement(cast), cast.alice)
    [second] = _while_held(
        lambda: contact_cosign(contact=contact, actor=cast.sam, version=1),
        lambda: contact_cosign(contact=contact, actor=cast.ada, version=1),
    )
    assert isinstance(second, ActionRefused) and "already co-signed" in str(second.message), repr(second)
    [cosign] = ContactCosign.objects.filter(version__contact=contact)
    contact.refresh_from_db()
    assert cosign.signed_by == cast.sam == contact.cosigned_by
    assert AccessEvent.objects.filter(reason="co-signed a contact").count() == 1


@on_postgresql
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("first", ["correction", "co-sign"])
def test_a_correction_and_a_co_sign_at_the_same_instant_never_sign_a_version_unseen(cast: Cast, first: str) -> None:
    _cosign_policy_all(cast)
    contact = record(ready_engagement(cast), cast.alice)

    def correct() -> object:
        return contact_correct(contact=contact, actor=cast.alice, reason="", **contact_fields(duration_minutes=60))

    def cosign() -> object:
        return contact_cosign(contact=contact, actor=cast.sam, version=1)

    [second] = _while_held(correct, cosign) if first == "correction" else _while_held(cosign, correct)
    contact.refresh_from_db()
    assert contact.current_version is not None and contact.current_version.number == 2
    # Whatever the order, version 2 is unsigned and waits for a supervisor; version 1 is signed only if Sam signed
    # it before the correction.
    assert contact.awaiting_cosign and contact.cosigned_version is None
    signed = list(ContactCosign.objects.filter(version__contact=contact).values_list("version__number", flat=True))
    if first == "correction":
        assert isinstance(second, ActionRefused) and "read version 2" in str(second.message), repr(second)
        assert signed == []
    else:
        assert isinstance(second, ContactVersion), repr(second)
        assert signed == [1]


@on_postgresql
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("first", ["correction", "lock"])
def test_a_correction_and_the_billing_lock_at_the_same_instant_bill_only_a_co_signed_version(
    cast: Cast, first: str
) -> None:
    _cosign_policy_all(cast)
    contact = record(ready_engagement(cast), cast.alice)
    contact_cosign(contact=contact, actor=cast.sam, version=1)

    def correct() -> object:
        fields = contact_fields(duration_minutes=60)
        return contact_correct(contact=contact, actor=cast.alice, reason="Typed 45, was 60", **fields)

    def lock() -> object:
        return contact_lock_for_billing(contact=contact, actor=cast.bill)

    [second] = _while_held(correct, lock) if first == "correction" else _while_held(lock, correct)
    contact.refresh_from_db()
    assert contact.current_version is not None and contact.current_version.number == 2
    if first == "correction":
        # Version 2 awaits its co-sign: billing waits for it.
        assert isinstance(second, ActionRefused) and "awaiting its co-sign" in str(second.message), repr(second)
        assert contact.locked_at is None
    else:
        assert isinstance(second, ContactVersion), repr(second)
        assert contact.locked_version is not None and contact.locked_version.number == 1
        assert ContactCosign.objects.get(version=contact.locked_version).signed_by == cast.sam


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_correction_refused_while_the_lock_is_taken_writes_nothing(cast: Cast) -> None:
    """The lock commits while the correction (with no reason) waits: the correction must then see the lock and be
    refused at its reason, with no version, no withdrawn co-sign and no event left behind."""
    _cosign_policy_all(cast)
    contact = record(ready_engagement(cast), cast.alice)
    contact_cosign(contact=contact, actor=cast.sam, version=1)
    changes = AccessEvent.objects.filter(action=AccessAction.CHANGED, actor=cast.alice).count()
    [second] = _while_held(
        lambda: contact_lock_for_billing(contact=contact, actor=cast.bill),
        lambda: contact_correct(contact=contact, actor=cast.alice, reason="", **contact_fields(duration_minutes=60)),
    )
    assert isinstance(second, ValidationError) and "reason" in second.message_dict, repr(second)
    contact.refresh_from_db()
    assert contact.versions.count() == 1 and contact.locked_version == contact.current_version
    assert contact.cosigned_by == cast.sam
    assert AccessEvent.objects.filter(action=AccessAction.CHANGED, actor=cast.alice).count() == changes
