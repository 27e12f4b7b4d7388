"""A failed export tells its requester why in the language of the page they read it on.

The message is written by the worker (no request, so English is active) and kept in Job.message untranslated; the
job page translates it for its reader, so a supervisor reading Peerway in Somali is not told in English.
"""

from __future__ import annotations

import datetime as dt

import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import translation

from peerway.core import services
from peerway.core.models import Job, JobStatus
from peerway.core.tasks import jobs_stalled_fail
from tests.helpers import Cast


def test_a_job_given_up_on_says_so_in_the_readers_language(cast: Cast) -> None:
    with time_machine.travel("2026-03-02 10:00 +00:00", tick=False) as clock:
        job = Job.objects.create(kind=services.JOB_KIND_ACCESS_LOG_EXPORT, requested_by=cast.sam, organization=cast.org)
        assert services.job_start(job_id=job.pk, kind=services.JOB_KIND_ACCESS_LOG_EXPORT) is not None
        clock.shift(services.JOB_STALLED_AFTER + dt.timedelta(minutes=1))
        assert jobs_stalled_fail.call() == 1
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED

    english = services.JOB_FAILED_MESSAGE
    with translation.override("so"):
        somali = translation.gettext(services.JOB_FAILED_MESSAGE)
        url = reverse("staff:job_detail", args=[job.public_id])
    translation.deactivate()
    assert somali != english, "the Somali catalog has no translation of the message: the test would be moot"

    client = Client()
    client.force_login(cast.sam)
    body = client.get(url).content.decode()
    assert url.startswith("/so/")
    assert english not in body, "the Somali job page shows the failure in English"
    assert somali in body
