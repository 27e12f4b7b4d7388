"""Guards found by mutation testing: the audit trail and tenancy of contact corrections and co-signs."""

from __future__ import annotations

from peerway.core.models import AccessEvent
from peerway.recovery.services import contact_correct
from tests.helpers import Cast
from tests.recovery.records import contact_fields, ready_engagement, record


def test_a_correction_is_logged_as_a_change_by_its_author(cast: Cast) -> None:
    engagement = ready_engagement(cast)
    contact = record(engagement, cast.alice)
    contact_correct(contact=contact, actor=cast.sam, reason="Wrong length", **contact_fields(duration_minutes=60))
    [event] = AccessEvent.objects.filter(subject_id=engagement.participant.public_id, action="changed")
    assert event.actor == cast.sam and event.actor_role == "supervisor"
    assert event.organization == cast.org and event.reason == "corrected a contact (version 2)"


def test_a_co_sign_is_logged_in_the_role_that_allows_it(cast: Cast) -> None:
    # Sam is a peer and a supervisor of the organization: he co-signs as a supervisor, and the log says so.
    from peerway.organizations.models import ContactCosignPolicy
    from peerway.recovery.services import contact_cosign
    from tests.factories import MembershipFactory

    MembershipFactory(user=cast.sam, organization=cast.org, role="peer")
    cast.org.contact_cosign_policy = ContactCosignPolicy.ALL
    cast.org.save()
    engagement = ready_engagement(cast)
    contact = record(engagement, cast.alice)
    contact_cosign(contact=contact, actor=cast.sam)
    [event] = AccessEvent.objects.filter(subject_id=engagement.participant.public_id, reason="co-signed a contact")
    assert event.actor == cast.sam and event.action == "changed" and event.actor_role == "supervisor"


def test_a_supervisor_of_another_organization_neither_co_signs_nor_corrects(cast: Cast) -> None:
    # Olive supervises and administers Prairie Light only: in Riverbend she leads nothing.
    import pytest

    from peerway.organizations.models import ContactCosignPolicy
    from peerway.recovery.services import ActionRefused, contact_cosign

    cast.org.contact_cosign_policy = ContactCosignPolicy.ALL
    cast.org.save()
    contact = record(ready_engagement(cast), cast.alice)
    with pytest.raises(ActionRefused, match="Only a supervisor co-signs"):
        contact_cosign(contact=contact, actor=cast.olive)
    with pytest.raises(ActionRefused, match="Only the peer who recorded"):
        contact_correct(contact=contact, actor=cast.olive, reason="", **contact_fields(note="Changed"))
    contact.refresh_from_db()
    assert contact.cosigned_at is None and contact.versions.count() == 1
