"""Guards found by mutation testing: an access event is never written outside the transaction it audits."""

from __future__ import annotations

import uuid

import pytest

from peerway.core.access import access_events_record
from peerway.core.models import AccessAction, AccessEvent
from peerway.workforce.selectors import SUBJECT_HELP_REQUEST
from tests.helpers import Cast


@pytest.mark.django_db(transaction=True)
def test_writing_an_access_event_outside_a_transaction_is_refused(cast: Cast) -> None:
    # Outside the caller's transaction a read could be logged and then fail (or succeed and the log fail):
    # the helper refuses rather than write an audit row that is not tied to what it audits.
    with pytest.raises(RuntimeError, match="inside the transaction"):
        access_events_record(
            actor=cast.sam,
            role="supervisor",
            organization=cast.org,
            subject_type=SUBJECT_HELP_REQUEST,
            subject_ids=[uuid.uuid4()],
            action=AccessAction.CREATED,
        )
    assert not AccessEvent.objects.exists()
