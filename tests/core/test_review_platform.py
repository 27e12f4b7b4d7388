"""Review of the core platform pieces: long jobs and the access log export, the log filter, notices."""

from __future__ import annotations

import io
import logging

import time_machine
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import translation

from peerway.core import services
from peerway.core.logging import RedactPersonalData
from peerway.core.models import Job, JobStatus
from tests.core.test_jobs import client_for, media_in_tmp  # noqa: F401 (an autouse fixture: files go to tmp)
from tests.factories import ParticipantFactory
from tests.helpers import Cast


def finished_export(cast: Cast) -> Job:
    job = Job.objects.create(kind=services.JOB_KIND_ACCESS_LOG_EXPORT, requested_by=cast.sam, organization=cast.org)
    services.job_finish(job=job, content=ContentFile(b"occurred_at\n"), file_name="export.csv", done=0)
    return job


# Long jobs: what their pages say ------------------------------------------------------------------------


def test_a_jobs_status_is_shown_in_the_readers_language(cast: Cast) -> None:
    queued = Job.objects.create(kind=services.JOB_KIND_ACCESS_LOG_EXPORT, requested_by=cast.sam, organization=cast.org)
    with translation.override("es"):
        detail = reverse("staff:job_detail", args=[queued.public_id])
        exports = reverse("staff:access_log_export")
        words = str(JobStatus.QUEUED.label)
    assert words == "En espera"
    sam = client_for(cast.sam)
    assert f"— {words}" in sam.get(detail).content.decode()
    assert f"<td>{words}</td>" in sam.get(exports).content.decode()


def test_the_access_historys_actions_are_shown_in_the_readers_language(cast: Cast) -> None:
    person = ParticipantFactory(organization=cast.org)
    with translation.override("es"):
        url = reverse("recovery:participant_access_history", args=[person.public_id])
    page = client_for(cast.sam).get(url)
    assert page.status_code == 200
    # Reading the history is itself a "viewed" access, listed on the page it writes.
    assert "<td>Consultado</td>" in page.content.decode() and "<td>viewed</td>" not in page.content.decode()


def test_the_export_file_is_named_by_the_organizations_date(cast: Cast) -> None:
    # 21:00 on 1 March in Minneapolis (America/Chicago, the organization's zone) is already 2 March in UTC.
    with time_machine.travel("2026-03-02 03:00 +00:00", tick=False):
        job = finished_export(cast)
        response = client_for(cast.sam).get(reverse("staff:job_download", args=[job.public_id]))
    assert response.status_code == 200
    assert 'filename="access-log-export-riverbend-2026-03-01.csv"' in response["Content-Disposition"]


# The log filter ------------------------------------------------------------------------------------------


def test_a_malformed_log_call_does_not_raise_into_the_code_that_logs() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactPersonalData())
    logger = logging.getLogger("peerway.tests.review_platform")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        # Without the filter, logging reports the bad arguments on stderr and the caller goes on; a library doing
        # this inside a request must not turn the page into a server error.
        logger.warning("%d people waiting", "several")
        logger.warning("%d people waiting for %s", "several", "612-555-0142")
    finally:
        logger.removeHandler(handler)
        logger.propagate = True
    written = stream.getvalue().splitlines()
    # The format and its arguments are kept side by side, and still redacted.
    assert written[0] == "%d people waiting 'several'"
    assert written[1].startswith("%d people waiting for %s 'several'") and "555-0142" not in written[1]
