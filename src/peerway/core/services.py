"""Changes made by the core app: long jobs and their progress, the access log export, worker housekeeping."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import tempfile

from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.db import transaction
from django.db.models import Max, Q
from django.http import FileResponse, Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy, gettext_noop
from django_tasks_db.models import DBTaskResult

from peerway.accounts.models import User
from peerway.accounts.roles import ACCESS_LOG_ROLES
from peerway.core.access import access_events_record, acting_role
from peerway.core.models import (
    AccessAction,
    AccessEvent,
    FormSubmission,
    Job,
    JobStatus,
    ScheduledRun,
    WorkerHeartbeat,
)
from peerway.core.selectors import JOB_KIND_ACCESS_LOG_EXPORT, access_events_for_export
from peerway.organizations.models import Organization

JOB_KIND_TITLES = {JOB_KIND_ACCESS_LOG_EXPORT: gettext_lazy("Access log export")}

SUBJECT_ACCESS_LOG = "access_log"
ACCESS_LOG_CSV_HEADER = ("occurred_at", "actor", "actor_role", "action", "subject_type", "subject_id", "reason")
# Rows written between two progress updates: often enough for the page to move, rarely enough to cost nothing.
EXPORT_PROGRESS_EVERY = 500
# A running job reports progress every few seconds at most; one silent this long has lost its worker (killed,
# restarted, out of memory) and would otherwise show a frozen progress bar forever.
JOB_STALLED_AFTER = dt.timedelta(minutes=15)
# Stored untranslated (the worker that writes it has no reader's language) and translated where it is shown.
JOB_FAILED_MESSAGE = gettext_noop("The export could not be finished, so no file was kept. Please start it again.")


# Long jobs ---------------------------------------------------------------------------------------------


def job_start(*, job_id: int, kind: str) -> Job | None:
    """Move a queued job to running and return it; None if it is not queued (already run, or gone).

    The conditional update is the claim, so a task delivered twice does its work once.
    """
    claimed = Job.objects.filter(pk=job_id, kind=kind, status=JobStatus.QUEUED).update(
        status=JobStatus.RUNNING, progress_at=timezone.now()
    )
    if not claimed:
        return None
    return Job.objects.select_related("organization").get(pk=job_id)


def job_progress_record(*, job: Job, done: int, total: int) -> None:
    """Commit how far the job has got, for the page polling it."""
    job.done, job.total, job.progress_at = done, total, timezone.now()
    job.save(update_fields=["done", "total", "progress_at"])


def job_finish(*, job: Job, content: File[bytes], file_name: str, done: int) -> None:
    """Attach the result file and mark the job done in one write: a job is never done without its file."""
    job.result_file.save(file_name, content, save=False)
    job.status, job.done, job.total, job.finished_at = JobStatus.DONE, done, max(job.total, done), timezone.now()
    job.message = ""  # a job given up as stalled that finishes after all has its file and no failure message
    try:
        job.save(update_fields=["result_file", "status", "done", "total", "message", "finished_at"])
    except Exception:
        job.result_file.delete(save=False)
        raise


def job_fail(*, job: Job, message: str) -> None:
    """Mark the job failed with a message safe to show its requester, and drop any file: never partly done.

    ``message`` is an untranslated msgid (``gettext_noop``); the job page shows it in its reader's language."""
    if job.result_file:
        job.result_file.delete(save=False)
    job.status, job.message, job.finished_at = JobStatus.FAILED, message[:255], timezone.now()
    job.save(update_fields=["result_file", "status", "message", "finished_at"])


def jobs_stalled_fail(*, stalled_after: dt.timedelta = JOB_STALLED_AFTER) -> int:
    """Mark failed every running job that has reported no progress for ``stalled_after``; returns how many.

    Its requester then sees the usual failure message and can start it again instead of watching a progress bar
    that never moves. A running job has no file yet (the file is attached only by the step that marks it done),
    so there is nothing to delete. Run every minute by the scheduler (core.tasks.jobs_stalled_fail).
    """
    now = timezone.now()
    cutoff = now - stalled_after
    # A job started before progress_at existed has none: its age is what tells.
    silent = Q(progress_at__lt=cutoff) | Q(progress_at__isnull=True, created_at__lt=cutoff)
    return Job.objects.filter(silent, status=JobStatus.RUNNING).update(
        status=JobStatus.FAILED, message=JOB_FAILED_MESSAGE[:255], finished_at=now
    )


@transaction.atomic
def job_result_download(*, job: Job, actor: User) -> FileResponse:
    """The finished job's file as a CSV attachment, for the person who started the job; a 404 for anyone else.

    Look the job up with ``selectors.job_get_for_user`` (which also checks the requester's current roles). Each
    download of an access log export is itself an ``exported`` access to the log, like starting it, written in
    the same transaction.
    """
    if job.requested_by_id != actor.pk or job.status != JobStatus.DONE or not job.result_file:
        raise Http404("No such file.")
    try:
        handle = job.result_file.open("rb")
    except FileNotFoundError:
        raise Http404("No such file.") from None
    if job.kind == JOB_KIND_ACCESS_LOG_EXPORT:
        access_events_record(
            actor=actor,
            role=acting_role(actor, job.organization, ACCESS_LOG_ROLES),
            organization=job.organization,
            subject_type=SUBJECT_ACCESS_LOG,
            subject_ids=[job.organization.public_id],
            action=AccessAction.EXPORTED,
            reason=f"access log export downloaded (job {job.public_id})",
        )
    # Named by the organization's date: an evening export in Minnesota is already tomorrow in UTC.
    started_on = job.created_at.astimezone(job.organization.zone).date()
    name = f"{job.kind.replace('_', '-')}-{job.organization.slug}-{started_on:%Y-%m-%d}.csv"
    return FileResponse(handle, as_attachment=True, filename=name, content_type="text/csv; charset=utf-8")


# The access log export ----------------------------------------------------------------------------------


@transaction.atomic
def access_log_export_start(*, organization: Organization, actor: User) -> Job:
    """Start exporting ``organization``'s access log as CSV for ``actor``, a supervisor or administrator there.

    In one transaction: the Job, an ``exported`` AccessEvent whose subject is the organization's access log, and
    the worker task (the database queue's row), so none exists without the others.
    Raises PermissionDenied when ``actor`` holds no access-log role in a service organization.
    """
    from peerway.core.tasks import access_log_export_run  # the tasks module imports this one

    role = acting_role(actor, organization, ACCESS_LOG_ROLES)
    if role == "none" or not organization.serves_people:
        raise PermissionDenied("Only supervisors and administrators of this organization may export its access log.")
    job = Job(kind=JOB_KIND_ACCESS_LOG_EXPORT, requested_by=actor, organization=organization)
    job.full_clean()
    job.save()
    access_events_record(
        actor=actor,
        role=role,
        organization=organization,
        subject_type=SUBJECT_ACCESS_LOG,
        subject_ids=[organization.public_id],
        action=AccessAction.EXPORTED,
        reason=f"access log export (job {job.public_id})",
    )
    # The database queue writes its row in this transaction: the job, its audit row and its task commit
    # together, so a crash can neither leave a job without a task nor a task without its job.
    access_log_export_run.enqueue(job.pk)
    return job


def access_log_export_write(*, job_id: int) -> Job | None:
    """Run an access log export job: write its CSV file, then mark it done; or failed, keeping no file.

    Not one transaction, by design: progress is committed every EXPORT_PROGRESS_EVERY rows so the page polling
    the job sees it move, and the file is attached only by the step that marks the job done. Returns None, doing
    nothing, when the job is not waiting to run. Re-raises a failure after recording it, so the task queue keeps
    the traceback for operators while the requester sees only a safe message.
    """
    job = job_start(job_id=job_id, kind=JOB_KIND_ACCESS_LOG_EXPORT)
    if job is None:
        return None
    try:
        _access_log_export_stream(job)
    except Exception:
        job_fail(job=job, message=JOB_FAILED_MESSAGE)
        raise
    return job


def _access_log_export_stream(job: Job) -> None:
    last_id = AccessEvent.objects.filter(organization=job.organization).aggregate(last=Max("id"))["last"] or 0
    events = access_events_for_export(job.organization, up_to_id=last_id)
    total = events.count()
    job_progress_record(job=job, done=0, total=total)
    with tempfile.TemporaryFile() as spool:
        # utf-8-sig: the byte order mark makes spreadsheet programs read non-English text correctly.
        text = io.TextIOWrapper(spool, encoding="utf-8-sig", newline="")
        writer = csv.writer(text)
        writer.writerow(ACCESS_LOG_CSV_HEADER)
        done = 0
        for done, event in enumerate(events.iterator(chunk_size=1000), start=1):
            writer.writerow(access_event_csv_row(event))
            if done % EXPORT_PROGRESS_EVERY == 0:
                job_progress_record(job=job, done=done, total=total)
        text.flush()
        text.detach()
        spool.seek(0)
        job_finish(job=job, content=File(spool), file_name=f"access-log-{job.public_id}.csv", done=done)


def access_event_csv_row(event: AccessEvent) -> list[str]:
    """One access log row: when (UTC, ISO 8601), who, in which role, did what to which record, and why.

    Records are named by type and public id only; no participant's name or details appear.
    """
    return [
        event.occurred_at.astimezone(dt.UTC).isoformat(),
        csv_cell(event.actor.username if event.actor else "system"),
        csv_cell(event.actor_role),
        event.action,
        csv_cell(event.subject_type),
        str(event.subject_id),
        csv_cell(event.reason),
    ]


# A spreadsheet treats a cell starting with one of these as a formula; free text must never run as one (OWASP CSV
# injection).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# A spreadsheet set to split at semicolons (the default where the comma is the decimal mark) or at tabs splits a
# comma-separated cell such as "a;=1+2" into "a" and a formula, quoted or not: a formula character after such a
# separator, or at the start behind spaces or quotes, is escaped too.
_FORMULA_AFTER_SEPARATOR = re.compile(r"""((?:^|[,;\t\r\n])[\s"]*)(?=[=+\-@])""")


def csv_cell(value: str) -> str:
    """``value`` made inert for spreadsheets: a formula character at its start (behind any spaces or quotes), or
    after a character a spreadsheet may split cells at, is escaped with an apostrophe; nothing else changes."""
    value = _FORMULA_AFTER_SEPARATOR.sub(r"\1'", value)
    return f"'{value}" if value.startswith(_FORMULA_STARTS) else value


# Worker housekeeping ------------------------------------------------------------------------------------


def worker_heartbeat_record(*, worker_id: str) -> None:
    """Note that the worker ``worker_id`` ran a queued task just now."""
    WorkerHeartbeat.objects.update_or_create(worker_id=worker_id[:64], defaults={"seen_at": timezone.now()})


def task_results_prune(*, older_than: dt.timedelta = dt.timedelta(days=30)) -> int:
    """Delete finished (successful or failed) task results older than ``older_than``; returns rows deleted.

    Queued and running tasks are never touched, however old.
    """
    cutoff = timezone.now() - older_than
    deleted, _ = DBTaskResult.objects.finished().filter(finished_at__lt=cutoff).delete()
    return deleted


def scheduled_runs_prune(*, older_than: dt.timedelta = dt.timedelta(days=7)) -> int:
    """Forget scheduled runs enqueued more than ``older_than`` ago; returns rows deleted.

    Safe because the scheduler only ever looks up the current period, which is never more than a day old.
    """
    deleted, _ = ScheduledRun.objects.filter(enqueued_at__lt=timezone.now() - older_than).delete()
    return deleted


def form_submissions_prune(*, older_than: dt.timedelta = dt.timedelta(days=1)) -> int:
    """Forget the one-time tokens of forms sent more than ``older_than`` ago; returns rows deleted.

    A form's token only has to outlive the double click or retry that would send it again; a page left open
    longer than this and sent again saves again, as a form without the token would."""
    deleted, _ = FormSubmission.objects.filter(created_at__lt=timezone.now() - older_than).delete()
    return deleted


def worker_heartbeats_prune(*, older_than: dt.timedelta = dt.timedelta(days=30)) -> int:
    """Forget workers not seen for ``older_than`` (every restart brings a new worker id); returns rows deleted."""
    deleted, _ = WorkerHeartbeat.objects.filter(seen_at__lt=timezone.now() - older_than).delete()
    return deleted
