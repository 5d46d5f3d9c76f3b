"""Resuming imports: a person resumes a stalled or failed one, and the periodic sweep resumes
running imports with no progress for a while and reads whose task was lost."""

import logging

from django.db import transaction
from django.utils import timezone

from cxloop.core.tasks_util import enqueue_on_commit
from feedback.models import ImportJob

from . import services

logger = logging.getLogger(__name__)


def import_job_resume(*, job_id: int, automatic: bool = False) -> bool:
    """Run a stalled or failed import again from the rows it has not committed; False if not needed.

    Rows stored before the interruption come back as duplicates, so at-least-once is safe. A job
    whose row is locked has a chunk committing right now: it is not stalled, whatever its clock says.
    """
    with transaction.atomic():
        job = ImportJob.objects.select_for_update(no_key=True, skip_locked=True).filter(pk=job_id).first()
        if job is None or not (job.is_stalled if automatic else job.can_resume):
            return False
        if automatic and job.stalled_resumes >= services.MAX_AUTO_RESUMES:
            job.status = ImportJob.Status.FAILED
            job.failure_reason = "The import stopped making progress; resume it once the cause is fixed."
            job.finished_at = timezone.now()
            job.save(update_fields=["status", "failure_reason", "finished_at", "updated_at"])
            logger.warning("import %s: failed after %s automatic resumes", job.pk, job.stalled_resumes)
            return False
        job.status = ImportJob.Status.RUNNING
        job.failure_reason = ""
        job.finished_at = None
        job.stalled_resumes = job.stalled_resumes + 1 if automatic else 0
        job.save(update_fields=["status", "failure_reason", "finished_at", "stalled_resumes", "updated_at"])
        enqueue_on_commit(services._import_run_task(), job_id=job.pk, offset=job.next_row_offset)
    logger.info("import %s: resumed from row %s", job_id, job.next_row_offset)
    return True


def import_jobs_resume_stalled(*, limit: int = 50) -> int:
    """The periodic sweep: resume running imports with no progress for a while, and reads whose
    task was lost; how many resumed."""
    cutoff = timezone.now() - ImportJob.STALL_AFTER
    job_ids = list(
        ImportJob.objects.filter(status=ImportJob.Status.RUNNING, updated_at__lt=cutoff)
        .order_by("updated_at")
        .values_list("pk", flat=True)[:limit]
    )
    read_cutoff = timezone.now() - ImportJob.READ_STALL_AFTER
    reading_ids = list(
        ImportJob.objects.filter(status=ImportJob.Status.READING, updated_at__lt=read_cutoff)
        .order_by("updated_at")
        .values_list("pk", flat=True)[:limit]
    )
    resumed = sum(import_job_resume(job_id=job_id, automatic=True) for job_id in job_ids)
    return resumed + sum(_import_job_read_again(job_id=job_id) for job_id in reading_ids)


def _import_job_read_again(*, job_id: int) -> bool:
    """Send a lost read again; a read lost time after time (the worker killed by it) refuses the file."""
    with transaction.atomic():
        job = (
            ImportJob.objects.select_for_update(no_key=True, skip_locked=True)
            .filter(pk=job_id, status=ImportJob.Status.READING)
            .first()
        )
        if job is None:
            return False
        if job.stalled_resumes < services.MAX_AUTO_RESUMES:
            job.stalled_resumes += 1
            job.save(update_fields=["stalled_resumes", "updated_at"])
            enqueue_on_commit(services._import_read_task(), job_id=job.pk)
            return True
    times = services.MAX_AUTO_RESUMES + 1
    reason = f"Reading the file stopped {times} times before the end: split it or save it as CSV."
    services.import_job_refuse(job_id=job_id, reason=reason)
    return False
