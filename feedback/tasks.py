"""Celery interfaces of the feedback app: thin, by id, after commit."""

from celery import shared_task


@shared_task(name="feedback.process")
def feedback_process(*, feedback_id: int) -> int:
    """Enrich one stored item (and others waiting behind it); returns how many were processed."""
    from feedback.services.processing import feedback_process_with_backlog

    return feedback_process_with_backlog(feedback_id=feedback_id)


@shared_task(name="feedback.process_many")
def feedback_process_many(*, feedback_ids: list[int]) -> int:
    """Enrich the items of one stored batch; returns how many were processed."""
    from feedback.services.processing import feedback_process_batch

    return feedback_process_batch(feedback_ids=feedback_ids)


@shared_task(name="feedback.process_bulk")
def feedback_process_bulk(*, feedback_ids: list[int]) -> int:
    """The same for a chunk of a bulk load (a large array, an import), on the bulk queue."""
    from feedback.services.processing import feedback_process_batch

    return feedback_process_batch(feedback_ids=feedback_ids)


@shared_task(name="feedback.sweep_unprocessed")
def feedback_sweep_unprocessed() -> int:
    """Process a batch of items whose task was lost; returns how many were processed."""
    from feedback.services.processing import feedback_sweep

    return feedback_sweep()


@shared_task(name="feedback.category_model_train", time_limit=30 * 60, soft_time_limit=25 * 60)
def category_model_train() -> int | None:
    """Retrain the category classifier on what people coded; returns the model id."""
    from feedback.services.categories import category_model_train as train

    model = train()
    return model.pk if model else None


@shared_task(name="feedback.retention_apply")
def retention_apply() -> dict:
    """Apply every enabled retention policy (nightly, by beat); returns what changed per source.

    The webhook delivery log is pruned here too (rows older than 30 days): one nightly job for
    everything the feedback app keeps for a while only.
    """
    from feedback.intake.webhooks.log import webhook_deliveries_prune
    from feedback.privacy.retention import retention_apply as retention_apply_service

    webhook_deliveries_prune()
    return retention_apply_service(dry_run=False)


@shared_task(name="feedback.themes_run", time_limit=30 * 60, soft_time_limit=25 * 60)
def themes_run() -> int | None:
    """The nightly theme job (feedback.themes.job) over the last 30 days; returns the ThemeRun id."""
    from feedback.themes.job import themes_run as run_themes

    run = run_themes()
    return run.pk if run else None
