"""Two saves of the same attestations at the same instant (a double click) on PostgreSQL."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections, transaction

from peerway.certification import services
from peerway.certification.models import Attestation
from tests.certification.conftest import Boards
from tests.helpers import Cast, until_waiting_or_done

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="races between writers need PostgreSQL; SQLite serializes every writer, so there is nothing to race",
)


@pytest.mark.django_db(transaction=True)
def test_the_same_attestations_saved_twice_at_once_are_not_a_server_error(cast: Cast, boards: Boards) -> None:
    application = services.application_create(applicant=cast.alice, credential_type=boards.cprs)
    outcome: list[object] = []

    def second_click() -> None:
        try:
            services.attestations_set(application, kinds={"ethics"}, jurisdiction_share_percent=100)
            outcome.append("saved")
        except Exception as error:  # any error here is what the applicant gets as a 500
            outcome.append(error)
        finally:
            connections.close_all()

    second = threading.Thread(target=second_click)
    with transaction.atomic():  # the first click's request: its attestations written, not yet committed
        services.attestations_set(application, kinds={"ethics"}, jurisdiction_share_percent=100)
        second.start()
        until_waiting_or_done(second)
    second.join(timeout=30)
    assert outcome == ["saved"], f"the second click failed with {outcome!r}"
    assert Attestation.objects.filter(application=application, kind="ethics").count() == 1
