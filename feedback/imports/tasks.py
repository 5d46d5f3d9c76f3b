"""Celery interfaces of file imports: thin, by id, enqueued after commit."""

from celery import shared_task
from django.db import OperationalError


@shared_task(
    name="feedback.import_run",
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
)
def import_job_run(*, job_id: int, offset: int) -> None:
    """Import the next chunks of a job from `offset`; the service enqueues what follows."""
    from feedback.imports.services import import_job_run_chunks

    import_job_run_chunks(job_id=job_id, offset=offset)


@shared_task(name="feedback.import_sweep_stalled")
def import_sweep_stalled() -> int:
    """Resume running imports that stopped making progress; returns how many were resumed."""
    from feedback.imports.services import import_jobs_resume_stalled

    return import_jobs_resume_stalled()
