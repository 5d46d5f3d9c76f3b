"""Celery interfaces of the feedback app: thin, by id, after commit."""

from celery import shared_task


@shared_task(name="feedback.process")
def feedback_process(*, feedback_id: int) -> None:
    """Enrich one stored item."""
    from feedback.services.processing import feedback_mark_processed

    feedback_mark_processed(feedback_id=feedback_id)


@shared_task(name="feedback.sweep_unprocessed")
def feedback_sweep_unprocessed() -> int:
    """Re-send processing for items whose task was lost; returns how many were sent."""
    from cxloop.core.tasks_util import enqueue
    from feedback.services.processing import feedback_unprocessed_ids

    ids = feedback_unprocessed_ids()
    for feedback_id in ids:
        enqueue(feedback_process, feedback_id=feedback_id)
    return len(ids)
