"""Contact services: recording rules, validation, versioning before and after the billing lock, co-sign,
and the plan flag after the third session."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from peerway.core.models import AccessEvent
from peerway.organizations.models import ContactCosignPolicy
from peerway.recovery.models import Contact, PlanGoal, RecoveryPlan
from peerway.recovery.selectors import contacts_awaiting_cosign_for_user
from peerway.recovery.services import (
    ActionRefused,
    contact_correct,
    contact_cosign,
    contact_lock_for_billing,
    contact_record,
    engagement_transition,
)
from peerway.recovery.views.engagements import contact_form_initial
from tests.factories import peer_profile
from tests.helpers import Cast
from tests.recovery.records import contact_fields, ready_engagement, record


def test_a_contact_is_recorded_as_version_one_and_logged(cast: Cast) -> None:
    engagement = ready_engagement(cast)
    contact = record(engagement, cast.alice, place="Library")
    version = contact.current_version
    assert version is not None and version.number == 1 and version.created_by == cast.alice
    assert version.note == "Talked through the housing goal." and version.place == "Library"
    assert not contact.plan_missing and not contact.needs_cosign
    assert AccessEvent.objects.filter(subject_id=engagement.participant.public_id, action="created").count() == 1


def test_only_the_engagements_peer_records_contacts(cast: Cast) -> None:
    engagement = ready_engagement(cast)
    with pytest.raises(ActionRefused, match="Only the engagement's peer"):
        record(engagement, cast.sam)


def test_a_peer_without_attestation_cannot_record(cast: Cast) -> None:
    engagement = ready_engagement(cast, attested=False)
    with pytest.raises(ActionRefused, match="Attest"):
        record(engagement, cast.alice)
    assert not Contact.objects.exists()


def test_no_contact_before_the_written_notice(cast: Cast) -> None:
    with pytest.raises(ActionRefused, match="written notice"):
        record(ready_engagement(cast, notice=False), cast.alice)


def test_no_contact_on_a_closed_engagement(cast: Cast) -> None:
    engagement = engagement_transition(engagement=ready_engagement(cast), action="close", actor=cast.alice)
    with pytest.raises(ActionRefused, match="closed"):
        record(engagement, cast.alice)


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"duration_minutes": 0}, "duration_minutes", "at least one minute"),
        ({"duration_minutes": 721}, "duration_minutes", "more than 12 hours"),
        ({"occurred_on": dt.date(2031, 1, 1)}, "occurred_on", "in the future"),
        ({"occurred_on": dt.date(9999, 12, 31), "started_at": dt.time(23, 30)}, "occurred_on", "in the future"),
        ({"occurred_on": dt.date(1, 1, 1)}, "occurred_on", "before the engagement began"),
        ({"occurred_on": dt.date(1, 1, 1), "started_at": dt.time(0, 0)}, "occurred_on", "before the engagement began"),
    ],
)
def test_bad_content_is_refused_next_to_its_field(cast: Cast, overrides: dict, field: str, message: str) -> None:
    engagement = ready_engagement(cast)
    with pytest.raises(ValidationError) as caught:
        record(engagement, cast.alice, **overrides)
    assert message in " ".join(caught.value.message_dict[field])
    assert not Contact.objects.exists()


@time_machine.travel(dt.datetime(2026, 6, 1, 15, 0, tzinfo=dt.UTC), tick=False)
def test_a_start_time_later_today_is_refused(cast: Cast) -> None:
    engagement = ready_engagement(cast)
    # 15:00 UTC is 10:00 in Minnesota (CDT): 11:00 the same day has not happened yet.
    with pytest.raises(ValidationError) as caught:
        record(engagement, cast.alice, occurred_on=dt.date(2026, 6, 1), started_at=dt.time(11, 0))
    assert "started_at" in caught.value.message_dict
    assert record(engagement, cast.alice, occurred_on=dt.date(2026, 6, 1), started_at=dt.time(9, 0)).pk


# 22:00 CDT on 31 May 2026 is already 1 June in UTC.
@time_machine.travel(dt.datetime(2026, 6, 1, 3, 0, tzinfo=dt.UTC), tick=False)
def test_a_contact_may_not_be_dated_before_the_day_the_engagement_began_in_the_organizations_zone(
    cast: Cast,
) -> None:
    engagement = ready_engagement(cast)
    engagement.started_at = timezone.now()
    engagement.save()
    with pytest.raises(ValidationError) as caught:
        record(engagement, cast.alice, occurred_on=dt.date(2026, 5, 30), started_at=dt.time(18, 0))
    assert "before the engagement began" in " ".join(caught.value.message_dict["occurred_on"])
    assert not Contact.objects.exists()
    # The day it began, read in Minnesota.
    contact = record(engagement, cast.alice, occurred_on=dt.date(2026, 5, 31), started_at=dt.time(21, 30))
    assert contact.occurred_at == dt.datetime(2026, 6, 1, 2, 30, tzinfo=dt.UTC)


def test_a_correction_may_not_move_a_contact_before_the_engagement_began(cast: Cast) -> None:
    contact = record(ready_engagement(cast), cast.alice)
    with pytest.raises(ValidationError) as caught:
        contact_correct(contact=contact, actor=cast.alice, reason="", **contact_fields(occurred_on=dt.date(1, 1, 1)))
    assert "occurred_on" in caught.value.message_dict
    assert contact.versions.count() == 1


def _record_the_quick_entry_defaults(cast: Cast) -> tuple[dict[str, object], dt.datetime]:
    """What quick entry proposes now, and when the contact recorded with those defaults unchanged began."""
    engagement = ready_engagement(cast)
    initial = contact_form_initial(engagement)
    contact = contact_record(
        engagement=engagement,
        actor=cast.alice,
        occurred_on=initial["occurred_on"],
        started_at=initial["started_at"],
        duration_minutes=initial["duration_minutes"],
        modality="phone",
        kind="recovery_support",
        note="Just finished a call.",
    )
    return initial, Contact.objects.get(pk=contact.pk).occurred_at


# 03:10 CDT on 8 March 2026, forty minutes after the clocks jumped from 02:00 to 03:00.
@time_machine.travel(dt.datetime(2026, 3, 8, 8, 10, tzinfo=dt.UTC), tick=False)
def test_quick_entry_defaults_after_the_spring_change_are_a_time_that_existed(cast: Cast) -> None:
    initial, began = _record_the_quick_entry_defaults(cast)
    # A 30-minute session that just ended began at 01:40 CST, not at 02:40, which never happened.
    assert (initial["occurred_on"], initial["started_at"]) == (dt.date(2026, 3, 8), dt.time(1, 40))
    assert began == dt.datetime(2026, 3, 8, 7, 40, tzinfo=dt.UTC)


# 01:10 CST on 1 November 2026, ten minutes into the hour repeated when the clocks went back from 02:00 to 01:00.
@time_machine.travel(dt.datetime(2026, 11, 1, 7, 10, tzinfo=dt.UTC), tick=False)
def test_quick_entry_defaults_after_the_autumn_change_are_accepted_and_not_in_the_future(cast: Cast) -> None:
    initial, began = _record_the_quick_entry_defaults(cast)
    # The session began at 01:40 CDT, the first 01:40 of the night, which is half an hour ago.
    assert (initial["occurred_on"], initial["started_at"]) == (dt.date(2026, 11, 1), dt.time(1, 40))
    assert began == dt.datetime(2026, 11, 1, 6, 40, tzinfo=dt.UTC)


def test_goals_come_from_the_engagements_own_plan(cast: Cast) -> None:
    engagement = ready_engagement(cast)
    other = ready_engagement(cast)
    own_goal = PlanGoal.objects.create(
        plan=RecoveryPlan.objects.create(engagement=engagement, kind="individual_recovery_plan"),
        life_area="housing",
        description="A place of my own",
    )
    foreign_goal = PlanGoal.objects.create(
        plan=RecoveryPlan.objects.create(engagement=other, kind="individual_recovery_plan"),
        life_area="work",
        description="Other person's goal",
    )
    contact = record(engagement, cast.alice, goals=[own_goal])
    assert list(contact.current_version.goals.all()) == [own_goal]  # type: ignore[union-attr]
    with pytest.raises(ValidationError):
        record(engagement, cast.alice, goals=[foreign_goal])


def test_a_correction_is_a_new_version_and_the_old_one_stays(cast: Cast) -> None:
    contact = record(ready_engagement(cast), cast.alice)
    version = contact_correct(contact=contact, actor=cast.alice, reason="", **contact_fields(duration_minutes=60))
    contact.refresh_from_db()
    assert version.number == 2 and contact.current_version == version
    assert [v.duration_minutes for v in contact.versions.order_by("number")] == [45, 60]


def test_after_the_billing_lock_a_correction_needs_a_reason_and_the_billed_version_stays(cast: Cast) -> None:
    contact = record(ready_engagement(cast), cast.alice)
    first = contact.current_version
    contact = contact_lock_for_billing(contact=contact)
    assert contact.locked_at is not None and contact.locked_version == first
    with pytest.raises(ValidationError) as caught:
        contact_correct(contact=contact, actor=cast.alice, reason="  ", **contact_fields(duration_minutes=60))
    assert "reason" in caught.value.message_dict
    assert contact.versions.count() == 1

    version = contact_correct(
        contact=contact, actor=cast.sam, reason="Wrong length typed", **contact_fields(duration_minutes=60)
    )
    contact.refresh_from_db()
    assert contact.current_version == version and version.reason == "Wrong length typed"
    assert contact.locked_version == first and first is not None and first.duration_minutes == 45
    locked_at = contact.locked_at
    contact_lock_for_billing(contact=contact)
    contact.refresh_from_db()
    assert contact.locked_at == locked_at and contact.locked_version == first


def test_another_peer_cannot_correct(cast: Cast) -> None:
    contact = record(ready_engagement(cast), cast.alice)
    bob = peer_profile(cast.org, name="Bob")
    with pytest.raises(ActionRefused, match="Only the peer who recorded"):
        contact_correct(contact=contact, actor=bob.user, reason="", **contact_fields())


def test_cosign_follows_the_organizations_policy(cast: Cast) -> None:
    engagement = ready_engagement(cast)
    unsigned = record(engagement, cast.alice)
    with pytest.raises(ActionRefused, match="does not need a co-sign"):
        contact_cosign(contact=unsigned, actor=cast.sam)

    cast.org.contact_cosign_policy = "all"
    cast.org.save()
    contact = record(engagement, cast.alice)
    assert contact.awaiting_cosign
    with pytest.raises(ActionRefused, match="Only a supervisor"):
        contact_cosign(contact=contact, actor=cast.alice)
    contact = contact_cosign(contact=contact, actor=cast.sam)
    assert contact.cosigned_by == cast.sam and contact.cosigned_version == contact.current_version
    with pytest.raises(ActionRefused, match="already co-signed"):
        contact_cosign(contact=contact, actor=cast.sam)

    # A correction withdraws the co-sign: the supervisor signs what the record now says.
    started_at = contact.current_version.started_at
    contact_correct(
        contact=contact, actor=cast.alice, reason="", **contact_fields(note="Clarified", started_at=started_at)
    )
    contact.refresh_from_db()
    assert contact.awaiting_cosign


def test_a_supervisor_does_not_cosign_their_own_contact(cast: Cast) -> None:
    cast.org.contact_cosign_policy = "all"
    cast.org.save()
    contact = record(ready_engagement(cast), cast.alice)
    contact_correct(contact=contact, actor=cast.sam, reason="", **contact_fields(note="Clarified by Sam"))
    Contact.objects.filter(pk=contact.pk).update(recorded_by=cast.sam)
    with pytest.raises(ActionRefused, match="Someone else co-signs"):
        contact_cosign(contact=contact, actor=cast.sam)


def test_contacts_after_the_third_session_without_a_complete_plan_are_flagged(cast: Cast) -> None:
    engagement = ready_engagement(cast)
    flags = [record(engagement, cast.alice).plan_missing for _ in range(4)]
    assert flags == [False, False, False, True]
    # A contact in which the person did not take part is not a session.
    other = ready_engagement(cast)
    for _ in range(3):
        record(other, cast.alice, person_present=False)
    assert not record(other, cast.alice).plan_missing


def test_a_complete_plan_clears_the_flag_for_later_contacts(cast: Cast) -> None:
    engagement = ready_engagement(cast)
    for _ in range(3):
        record(engagement, cast.alice)
    RecoveryPlan.objects.create(engagement=engagement, kind="individual_recovery_plan", completed_at=timezone.now())
    assert not record(engagement, cast.alice).plan_missing


def test_the_uncredentialed_policy_asks_a_cosign_only_of_peers_without_an_active_credential(cast: Cast) -> None:
    from peerway.certification.models import CredentialStatus
    from tests.workforce.credentials_helpers import credential

    cast.org.contact_cosign_policy = "uncredentialed"
    cast.org.save()
    engagement = ready_engagement(cast)
    assert record(engagement, cast.alice).awaiting_cosign  # no credential at all

    lapsed = credential(cast.alice, expires_on=timezone.localdate() - dt.timedelta(days=1))
    assert record(engagement, cast.alice).awaiting_cosign  # past its date: lapsed, even before the nightly job

    lapsed.delete()
    credential(cast.alice, expires_on=timezone.localdate() + dt.timedelta(days=200), status=CredentialStatus.ACTIVE)
    assert not record(engagement, cast.alice).awaiting_cosign


def test_a_supervisor_does_not_cosign_the_version_they_wrote(cast: Cast) -> None:
    cast.org.contact_cosign_policy = ContactCosignPolicy.ALL
    cast.org.save()
    engagement = ready_engagement(cast)
    contact = record(engagement, cast.alice)
    assert contact.needs_cosign
    contact_correct(contact=contact, actor=cast.sam, reason="", **contact_fields(duration_minutes=90))
    contact = Contact.objects.get(pk=contact.pk)
    with pytest.raises(ActionRefused):
        contact_cosign(contact=contact, actor=cast.sam)
    # Another supervisor co-signs what Sam wrote.
    contact = contact_cosign(contact=contact, actor=cast.ada)
    assert contact.cosigned_by == cast.ada and contact.cosigned_version == contact.current_version


def test_the_cosign_queue_leaves_out_the_versions_a_supervisor_wrote_for_others_to_sign(cast: Cast) -> None:
    from tests.factories import MembershipFactory, UserFactory

    cast.org.contact_cosign_policy = ContactCosignPolicy.ALL
    cast.org.save()
    sue = UserFactory(username="sue")
    MembershipFactory(user=sue, organization=cast.org, role="supervisor")
    engagement = ready_engagement(cast)
    corrected = record(engagement, cast.alice)
    contact_correct(contact=corrected, actor=cast.sam, reason="", **contact_fields(duration_minutes=90))
    untouched = record(engagement, cast.alice)
    assert [c.pk for c in contacts_awaiting_cosign_for_user(cast.sam)] == [untouched.pk]
    assert {c.pk for c in contacts_awaiting_cosign_for_user(sue)} == {corrected.pk, untouched.pk}
    assert {c.pk for c in contacts_awaiting_cosign_for_user(cast.ada)} == {corrected.pk, untouched.pk}
    # Once someone else corrects it again, the version is no longer Sam's and it is back in his queue.
    contact_correct(contact=corrected, actor=cast.alice, reason="", **contact_fields(duration_minutes=60))
    assert {c.pk for c in contacts_awaiting_cosign_for_user(cast.sam)} == {corrected.pk, untouched.pk}
    # Nor does a supervisor's queue list a contact they recorded themselves, as the peer of an engagement of
    # their own (here: the row says so): someone else co-signs it.
    recorded_by_sam = record(engagement, cast.alice)
    Contact.objects.filter(pk=recorded_by_sam.pk).update(recorded_by=cast.sam)
    assert recorded_by_sam.pk not in {c.pk for c in contacts_awaiting_cosign_for_user(cast.sam)}
    assert recorded_by_sam.pk in {c.pk for c in contacts_awaiting_cosign_for_user(sue)}


def test_the_contact_page_offers_a_co_sign_only_to_a_supervisor_who_may_give_it(cast: Cast) -> None:
    from django.test import Client
    from django.urls import reverse

    cast.org.contact_cosign_policy = ContactCosignPolicy.ALL
    cast.org.save()
    engagement = ready_engagement(cast)
    contact = record(engagement, cast.alice)
    contact_correct(contact=contact, actor=cast.sam, reason="", **contact_fields(duration_minutes=90))
    cosign_url = reverse("recovery:contact_cosign", args=[contact.public_id])
    page_url = reverse("recovery:contact_detail", args=[contact.public_id])
    pages = {}
    for user in (cast.sam, cast.ada):
        client = Client()
        client.force_login(user)
        pages[user.username] = client.get(page_url).content.decode()
    # Sam wrote the current version: co-signing it is refused, so his page does not offer it; Ada's does.
    assert cosign_url not in pages[cast.sam.username]
    assert cosign_url in pages[cast.ada.username]
