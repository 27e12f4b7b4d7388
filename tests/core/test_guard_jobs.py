"""Guards found by mutation testing: an access log export is the log as it stood when the export began."""

from __future__ import annotations

from pathlib import Path

import pytest

from peerway.core import services
from peerway.core.models import Job, JobStatus
from tests.core.test_jobs import log_views, media_in_tmp  # noqa: F401  (media_in_tmp: autouse, files go to tmp)
from tests.helpers import Cast


def test_rows_logged_while_the_export_runs_are_left_out_and_done_never_passes_total(
    cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    log_views(cast.org, cast.alice, 3)
    job = services.access_log_export_start(organization=cast.org, actor=cast.sam)
    record = services.job_progress_record

    def meanwhile(*, job: Job, done: int, total: int) -> None:
        if done == 0:  # the export has counted its rows and not yet read them: someone opens a record now
            log_views(cast.org, cast.alice, 1, reason="opened during the export")
        record(job=job, done=done, total=total)

    monkeypatch.setattr(services, "job_progress_record", meanwhile)
    services.access_log_export_write(job_id=job.pk)
    job.refresh_from_db()
    assert (job.status, job.done, job.total) == (JobStatus.DONE, 4, 4)
    content = Path(job.result_file.path).read_text(encoding="utf-8-sig")
    assert "opened during the export" not in content
    assert len(content.strip().splitlines()) == 1 + 4
