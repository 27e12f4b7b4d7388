"""An application's entry sent twice (a double click, a browser's retry) is saved once: 8 hours of training
counted as 16 would carry an applicant past a requirement they have not met (core.submissions)."""

from __future__ import annotations

import datetime as dt

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from peerway.certification import services
from tests.certification.conftest import Boards
from tests.helpers import Cast
from tests.helpers_forms import post_twice


def test_a_training_entry_sent_twice_counts_its_hours_once(cast: Cast, boards: Boards) -> None:
    application = services.application_create(applicant=cast.alice, credential_type=boards.cprs)
    client = Client()
    client.force_login(cast.alice)
    day = (timezone.localdate() - dt.timedelta(days=3)).isoformat()
    data = {
        "training-domain": "ethics",
        "training-provider": "Sample Training Co",
        "training-completed_on": day,
        "training-hours": "8",
    }
    url = reverse("certification:entry_add", args=[application.public_id, "training"])
    page = reverse("certification:application", args=[application.public_id])
    first, second = post_twice(client, page, url, data, containing=url)
    assert application.training.count() == 1, "8 hours of ethics training counted as 16"
    assert first["Location"] == second["Location"]
