"""Celery interfaces of file imports: thin, by id, enqueued after commit."""

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.db import OperationalError


@shared_task(
    name="feedback.import_read",
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
)
def import_job_read(*, job_id: int) -> None:
    """Read an uploaded file whole (header, first rows, row count) within the bounds, or refuse it."""
    from feedback.intake.imports import services

    try:
        services.import_job_read(job_id=job_id)
    except SoftTimeLimitExceeded:
        # Within the bounds a read takes seconds to a minute; one that runs into Celery's
        # time limit would only be killed and sent again by the sweep, to no better end.
        reason = "Reading the file took too long: split it or save it as CSV."
        services.import_job_refuse(job_id=job_id, reason=reason)


@shared_task(
    name="feedback.import_run",
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
)
def import_job_run(*, job_id: int, offset: int) -> None:
    """Import the next chunks of a job from `offset`; the service enqueues what follows."""
    from feedback.intake.imports.services import import_job_run_chunks

    import_job_run_chunks(job_id=job_id, offset=offset)


@shared_task(name="feedback.import_sweep_stalled")
def import_sweep_stalled() -> int:
    """Resume running imports that stopped making progress, and send lost reads again; how many."""
    from feedback.intake.imports.resume import import_jobs_resume_stalled

    return import_jobs_resume_stalled()
