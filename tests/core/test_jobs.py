"""Long jobs, end to end, through the first real one: a supervisor exports the organization's access log."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult
from pytest_django.fixtures import Settings

from peerway.accounts.models import User
from peerway.core import services
from peerway.core.access import access_events_record
from peerway.core.models import AccessAction, AccessEvent, Job, JobStatus
from peerway.core.tasks import jobs_stalled_fail
from peerway.organizations.models import Organization
from peerway.recovery.models import SUBJECT_PARTICIPANT
from tests.core.batch_worker import run_worker_batch
from tests.factories import MembershipFactory, OrganizationFactory, ParticipantFactory
from tests.helpers import Cast, assert_staff_view_guarded

EXPORT_URL = reverse("staff:access_log_export")
CaptureOnCommit = Callable[..., AbstractContextManager[object]]


@pytest.fixture(autouse=True)
def media_in_tmp(settings: Settings, tmp_path: Path) -> Path:
    """Exported files go to a throwaway directory, never to var/media."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": tmp_path}},
    }
    return tmp_path


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def log_views(organization: Organization, actor: User, count: int, reason: str = "record page") -> list[AccessEvent]:
    """``count`` participants of ``organization``, each viewed once by ``actor``."""
    people = [ParticipantFactory(organization=organization) for _ in range(count)]
    with transaction.atomic():
        return access_events_record(
            actor=actor,
            role="peer",
            organization=organization,
            subject_type=SUBJECT_PARTICIPANT,
            subject_ids=[person.public_id for person in people],
            action=AccessAction.VIEWED,
            reason=reason,
        )


def start_export(user: User, organization: Organization, capture: CaptureOnCommit) -> Job:
    with capture(execute=True):
        response = client_for(user).post(EXPORT_URL, {"organization": str(organization.public_id)})
    job = Job.objects.get(requested_by=user)
    assert response.status_code == 302
    assert response["Location"] == reverse("staff:job_detail", args=[job.public_id])
    return job


def csv_rows(response: object) -> list[dict[str, str]]:
    content = b"".join(response.streaming_content).decode("utf-8-sig")  # type: ignore[attr-defined]
    return list(csv.DictReader(io.StringIO(content)))


# The export page --------------------------------------------------------------------------------------


def test_the_page_offers_the_export_for_the_supervisors_organization(cast: Cast) -> None:
    response = client_for(cast.sam).get(EXPORT_URL)
    assert response.status_code == 200
    assert f'value="{cast.org.public_id}"' in response.content.decode()
    assert cast.other_org.name not in response.content.decode()


def test_the_page_offers_a_choice_to_someone_with_the_role_in_several_organizations(cast: Cast) -> None:
    MembershipFactory(user=cast.sam, organization=cast.other_org, role="org_admin")
    page = client_for(cast.sam).get(EXPORT_URL).content.decode()
    assert "<select" in page
    assert cast.org.name in page and cast.other_org.name in page


def test_it_starts_a_job_and_records_the_export_in_the_access_log(
    cast: Cast, django_capture_on_commit_callbacks: CaptureOnCommit
) -> None:
    job = start_export(cast.sam, cast.org, django_capture_on_commit_callbacks)
    assert (job.kind, job.status, job.organization) == ("access_log_export", JobStatus.QUEUED, cast.org)
    event = AccessEvent.objects.get(action=AccessAction.EXPORTED)
    assert (event.actor, event.actor_role, event.organization) == (cast.sam, "supervisor", cast.org)
    assert (event.subject_type, event.subject_id) == ("access_log", cast.org.public_id)
    task = DBTaskResult.objects.get()
    assert task.task_path == "peerway.core.tasks.access_log_export_run"
    assert task.args_kwargs == {"args": [job.pk], "kwargs": {}}


def test_an_export_sent_twice_starts_one_job(cast: Cast) -> None:
    """A double click on "Export" (one drawing of the form, its one-time token sent twice) starts one export."""
    client = client_for(cast.sam)
    token = re.search(r'name="submission" value="([^"]+)"', client.get(EXPORT_URL).content.decode())
    assert token is not None
    sent = {"organization": str(cast.org.public_id), "submission": token.group(1)}
    first, second = client.post(EXPORT_URL, sent), client.post(EXPORT_URL, sent)
    assert first.status_code == second.status_code == 302 and first["Location"] == second["Location"]
    assert Job.objects.count() == 1
    assert AccessEvent.objects.filter(action=AccessAction.EXPORTED).count() == 1


@pytest.mark.parametrize("who", ["olive", "alice", "bill", "nobody"])
def test_posting_an_organization_without_the_role_there_is_404(
    cast: Cast, who: str, django_capture_on_commit_callbacks: CaptureOnCommit
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(getattr(cast, who)).post(EXPORT_URL, {"organization": str(cast.org.public_id)})
    assert response.status_code == 404
    assert not Job.objects.exists()
    assert not AccessEvent.objects.filter(action=AccessAction.EXPORTED).exists()
    assert not DBTaskResult.objects.exists()


@pytest.mark.parametrize("value", ["", "not-a-uuid", "00000000-0000-0000-0000-000000000000"])
def test_posting_no_or_an_unknown_organization_is_404(cast: Cast, value: str) -> None:
    assert client_for(cast.sam).post(EXPORT_URL, {"organization": value}).status_code == 404
    assert not Job.objects.exists()


def test_the_service_refuses_an_actor_without_the_role(cast: Cast) -> None:
    with pytest.raises(PermissionDenied):
        services.access_log_export_start(organization=cast.org, actor=cast.alice)


# End to end ----------------------------------------------------------------------------------------------


def test_the_export_end_to_end(
    cast: Cast, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: CaptureOnCommit
) -> None:
    ours = log_views(cast.org, cast.alice, 3, reason="=HYPERLINK(evil)")
    theirs = log_views(cast.other_org, cast.olive, 2)
    job = start_export(cast.sam, cast.org, django_capture_on_commit_callbacks)

    run_worker_batch(monkeypatch, "--no-scheduler")

    job.refresh_from_db()
    assert (job.status, job.done, job.total, job.percent) == (JobStatus.DONE, 4, 4, 100)
    response = client_for(cast.sam).get(reverse("staff:job_download", args=[job.public_id]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith('attachment; filename="access-log-export-riverbend-')
    rows = csv_rows(response)
    assert list(rows[0]) == list(services.ACCESS_LOG_CSV_HEADER)
    subject_ids = {row["subject_id"] for row in rows}
    assert subject_ids == {str(event.subject_id) for event in ours} | {str(cast.org.public_id)}
    assert not subject_ids & {str(event.subject_id) for event in theirs}
    viewed = next(row for row in rows if row["action"] == "viewed")
    assert (viewed["actor"], viewed["actor_role"], viewed["subject_type"]) == ("alice", "peer", "participant")
    assert viewed["occurred_at"].endswith("+00:00")
    assert viewed["reason"] == "'=HYPERLINK(evil)", "a formula in free text must reach the spreadsheet inert"
    exported = next(row for row in rows if row["action"] == "exported")
    assert (exported["actor"], exported["subject_type"]) == ("sam", "access_log")


def test_the_file_names_no_participant(
    cast: Cast, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: CaptureOnCommit
) -> None:
    log_views(cast.org, cast.alice, 2)
    job = start_export(cast.sam, cast.org, django_capture_on_commit_callbacks)
    run_worker_batch(monkeypatch, "--no-scheduler")
    job.refresh_from_db()
    content = Path(job.result_file.path).read_text(encoding="utf-8-sig")
    for person in cast.org.participants.all():  # type: ignore[attr-defined]
        assert person.preferred_name not in content
        assert person.phone not in content


def test_progress_moves_while_the_export_runs(
    cast: Cast, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: CaptureOnCommit
) -> None:
    log_views(cast.org, cast.alice, 6)
    job = start_export(cast.sam, cast.org, django_capture_on_commit_callbacks)
    page = client_for(cast.sam).get(reverse("staff:job_detail", args=[job.public_id]), HTTP_HX_REQUEST="true")
    assert "0 of 0 (0%)" in page.content.decode()
    assert 'hx-trigger="every 1s"' in page.content.decode(), "an unfinished job keeps polling"

    seen: list[tuple[int, int]] = []
    record = services.job_progress_record

    def spy(*, job: Job, done: int, total: int) -> None:
        seen.append((done, total))
        record(job=job, done=done, total=total)

    monkeypatch.setattr(services, "EXPORT_PROGRESS_EVERY", 2)
    monkeypatch.setattr(services, "job_progress_record", spy)
    run_worker_batch(monkeypatch, "--no-scheduler")

    assert seen == [(0, 7), (2, 7), (4, 7), (6, 7)]
    page = client_for(cast.sam).get(reverse("staff:job_detail", args=[job.public_id]), HTTP_HX_REQUEST="true")
    body = page.content.decode()
    assert "7 of 7 (100%)" in body
    assert "hx-trigger" not in body, "a finished job stops polling"
    assert reverse("staff:job_download", args=[job.public_id]) in body


def test_a_poll_that_finds_nothing_new_changes_nothing_and_news_reaches_the_live_region(cast: Cast) -> None:
    job = Job.objects.create(kind=services.JOB_KIND_ACCESS_LOG_EXPORT, requested_by=cast.sam, organization=cast.org)
    url = reverse("staff:job_detail", args=[job.public_id])
    client = client_for(cast.sam)
    page = client.get(url).content.decode()
    # The live region is outside the block that polling replaces, and the block asks with what it shows.
    assert '<p id="job-announce" class="visually-hidden" role="status">' in page
    assert f'hx-get="{url}?seen=0.queued"' in page
    assert client.get(url, {"seen": "0.queued"}, HTTP_HX_REQUEST="true").status_code == 204
    Job.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, done=3, total=7)
    news = client.get(url, {"seen": "0.queued"}, HTTP_HX_REQUEST="true")
    body = news.content.decode()
    assert news.status_code == 200 and '<p id="job-announce" hx-swap-oob="innerHTML">3 of 7 (42%)' in body
    assert 'role="status"' not in body, "the replaced block holds no live region of its own"


def test_the_job_page_tells_the_start_by_the_jobs_organizations_clock(cast: Cast) -> None:
    # Sam supervises Riverbend (Minnesota, first by name) and administers an organization in Hawaii.
    hawaii = OrganizationFactory(name="Zenith Hawaii", timezone="Pacific/Honolulu")
    MembershipFactory(user=cast.sam, organization=hawaii, role="org_admin")
    job = Job.objects.create(
        kind=services.JOB_KIND_ACCESS_LOG_EXPORT,
        requested_by=cast.sam,
        organization=hawaii,
        created_at=dt.datetime(2026, 3, 2, 3, 0, tzinfo=dt.UTC),  # 21:00 on 1 March in Minnesota, 17:00 in Hawaii
    )
    page = client_for(cast.sam).get(reverse("staff:job_detail", args=[job.public_id])).content.decode()
    assert "started 03/01/2026 5 p.m." in page, page[page.find("started") : page.find("started") + 40]


def test_a_failed_export_keeps_no_file_and_tells_the_requester_plainly(
    cast: Cast, monkeypatch: pytest.MonkeyPatch, media_in_tmp: Path, django_capture_on_commit_callbacks: CaptureOnCommit
) -> None:
    log_views(cast.org, cast.alice, 3)
    job = start_export(cast.sam, cast.org, django_capture_on_commit_callbacks)
    real_row = services.access_event_csv_row
    rows_written = []

    def row_then_fail(event: AccessEvent) -> list[str]:
        if len(rows_written) == 2:
            raise OSError("disk full")
        rows_written.append(event)
        return real_row(event)

    monkeypatch.setattr(services, "access_event_csv_row", row_then_fail)
    run_worker_batch(monkeypatch, "--no-scheduler")

    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert not job.result_file
    assert "disk full" not in job.message and "could not be finished" in job.message
    assert not list(media_in_tmp.rglob("*.csv"))
    assert DBTaskResult.objects.get().status == TaskResultStatus.FAILED, "operators see the failure in the queue"
    page = client_for(cast.sam).get(reverse("staff:job_detail", args=[job.public_id])).content.decode()
    assert "could not be finished" in page
    assert reverse("staff:job_download", args=[job.public_id]) not in page
    assert client_for(cast.sam).get(reverse("staff:job_download", args=[job.public_id])).status_code == 404


def test_a_job_delivered_twice_is_exported_once(
    cast: Cast, django_capture_on_commit_callbacks: CaptureOnCommit
) -> None:
    job = start_export(cast.sam, cast.org, django_capture_on_commit_callbacks)
    assert services.access_log_export_write(job_id=job.pk) is not None
    assert services.access_log_export_write(job_id=job.pk) is None


def test_an_export_of_an_empty_log_still_finishes(cast: Cast) -> None:
    organization = OrganizationFactory()
    MembershipFactory(user=cast.sam, organization=organization, role="supervisor")
    with transaction.atomic():
        job = services.access_log_export_start(organization=organization, actor=cast.sam)
    services.access_log_export_write(job_id=job.pk)
    job.refresh_from_db()
    assert (job.status, job.done, job.total) == (JobStatus.DONE, 1, 1)  # the export's own event


# Pages of the job ----------------------------------------------------------------------------------------


def test_the_job_page_is_a_full_page_and_its_htmx_request_only_the_progress_partial(
    cast: Cast, django_capture_on_commit_callbacks: CaptureOnCommit
) -> None:
    job = start_export(cast.sam, cast.org, django_capture_on_commit_callbacks)
    url = reverse("staff:job_detail", args=[job.public_id])
    full = client_for(cast.sam).get(url).content.decode()
    partial = client_for(cast.sam).get(url, HTTP_HX_REQUEST="true").content.decode()
    assert "<html" in full and 'id="job-progress"' in full and "Access log export" in full
    assert "<html" not in partial and partial.lstrip().startswith('<div id="job-progress"')


def test_the_export_page_lists_only_the_users_own_exports(
    cast: Cast, django_capture_on_commit_callbacks: CaptureOnCommit
) -> None:
    own = start_export(cast.sam, cast.org, django_capture_on_commit_callbacks)
    someone_elses = start_export(cast.ada, cast.org, django_capture_on_commit_callbacks)
    page = client_for(cast.sam).get(EXPORT_URL).content.decode()
    assert reverse("staff:job_detail", args=[own.public_id]) in page
    assert reverse("staff:job_detail", args=[someone_elses.public_id]) not in page


def test_job_download_is_for_the_requester_only(
    cast: Cast, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: CaptureOnCommit
) -> None:
    # The success case of staff:job_download, which tests/test_staff_urls.py leaves to this module.
    job = start_export(cast.sam, cast.org, django_capture_on_commit_callbacks)
    run_worker_batch(monkeypatch, "--no-scheduler")
    assert_staff_view_guarded(
        reverse("staff:job_download", args=[job.public_id]),
        allowed=[cast.sam],
        outsiders=[cast.olive],
        without_role=[cast.ada, cast.alice, cast.nobody],
    )


def test_each_download_is_logged_and_a_requester_who_lost_the_role_sees_the_job_no_more(
    cast: Cast, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: CaptureOnCommit
) -> None:
    job = start_export(cast.sam, cast.org, django_capture_on_commit_callbacks)
    run_worker_batch(monkeypatch, "--no-scheduler")
    exported = AccessEvent.objects.filter(actor=cast.sam, action=AccessAction.EXPORTED)
    before = exported.count()
    sam = client_for(cast.sam)
    assert sam.get(reverse("staff:job_download", args=[job.public_id])).status_code == 200
    assert exported.count() == before + 1
    assert exported.latest("id").reason == f"access log export downloaded (job {job.public_id})"

    cast.sam.memberships.update(role="peer")  # type: ignore[attr-defined]  # still staff, no longer a supervisor
    for name in ("staff:job_download", "staff:job_detail"):
        assert sam.get(reverse(name, args=[job.public_id])).status_code == 404, name
    assert exported.count() == before + 1


@pytest.mark.django_db(transaction=True)
def test_a_download_is_served_and_logged_outside_a_test_transaction(cast: Cast) -> None:
    # Production runs views without ATOMIC_REQUESTS; other tests run inside pytest-django's wrapping transaction,
    # which would hide an access event written outside one.
    job = Job.objects.create(kind=services.JOB_KIND_ACCESS_LOG_EXPORT, requested_by=cast.sam, organization=cast.org)
    services.job_finish(job=job, content=ContentFile(b"occurred_at\n"), file_name="export.csv", done=0)
    exported = AccessEvent.objects.filter(actor=cast.sam, action=AccessAction.EXPORTED)
    response = client_for(cast.sam).get(reverse("staff:job_download", args=[job.public_id]))
    assert response.status_code == 200
    assert exported.get().reason == f"access log export downloaded (job {job.public_id})"


def test_job_download_of_an_unfinished_job_is_404(
    cast: Cast, django_capture_on_commit_callbacks: CaptureOnCommit
) -> None:
    job = start_export(cast.sam, cast.org, django_capture_on_commit_callbacks)
    assert client_for(cast.sam).get(reverse("staff:job_download", args=[job.public_id])).status_code == 404


# A worker that dies mid-export ---------------------------------------------------------------------------


def test_a_job_whose_worker_died_is_failed_once_it_has_been_silent_long_enough(
    cast: Cast, django_capture_on_commit_callbacks: CaptureOnCommit
) -> None:
    log_views(cast.org, cast.alice, 3)
    with time_machine.travel("2026-03-02 10:00 +00:00", tick=False) as clock:
        job = start_export(cast.sam, cast.org, django_capture_on_commit_callbacks)
        # The worker claims the job, reports how far it got, then is killed: nothing more happens.
        claimed = services.job_start(job_id=job.pk, kind=services.JOB_KIND_ACCESS_LOG_EXPORT)
        assert claimed is not None
        clock.shift(dt.timedelta(minutes=2))
        services.job_progress_record(job=claimed, done=1, total=4)

        clock.shift(services.JOB_STALLED_AFTER - dt.timedelta(seconds=1))
        assert jobs_stalled_fail.call() == 0, "not yet silent for long enough"
        clock.shift(dt.timedelta(seconds=2))
        assert jobs_stalled_fail.call() == 1
        assert jobs_stalled_fail.call() == 0, "a failed job is not failed again"

    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and not job.result_file
    assert "could not be finished" in job.message and job.finished_at is not None
    page = client_for(cast.sam).get(reverse("staff:job_detail", args=[job.public_id]), HTTP_HX_REQUEST="true")
    body = page.content.decode()
    assert "could not be finished" in body
    assert "hx-trigger" not in body, "the page stops polling a job given up on"


def test_only_running_jobs_that_went_silent_are_failed(
    cast: Cast, django_capture_on_commit_callbacks: CaptureOnCommit
) -> None:
    with time_machine.travel("2026-03-02 10:00 +00:00", tick=False) as clock:
        queued = start_export(cast.sam, cast.org, django_capture_on_commit_callbacks)
        done = start_export(cast.ada, cast.org, django_capture_on_commit_callbacks)
        assert services.access_log_export_write(job_id=done.pk) is not None
        moving = services.access_log_export_start(organization=cast.org, actor=cast.sam)
        claimed = services.job_start(job_id=moving.pk, kind=services.JOB_KIND_ACCESS_LOG_EXPORT)
        assert claimed is not None
        # Progress every ten minutes: slower than any real export, but never silent for the whole window.
        for _ in range(3):
            clock.shift(dt.timedelta(minutes=10))
            services.job_progress_record(job=claimed, done=1, total=2)
            assert jobs_stalled_fail.call() == 0
        # A job left running by a worker that died before the jobs knew their progress time.
        Job.objects.filter(pk=queued.pk).update(status=JobStatus.RUNNING, progress_at=None)
        assert jobs_stalled_fail.call() == 1

    statuses = dict(Job.objects.values_list("pk", "status"))
    assert statuses == {queued.pk: JobStatus.FAILED, done.pk: JobStatus.DONE, moving.pk: JobStatus.RUNNING}
