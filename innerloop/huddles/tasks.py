"""Celery interfaces of huddles: thin, by id."""

from celery import shared_task


@shared_task(name="innerloop.huddles_plan")
def huddles_plan() -> dict:
    """Schedule each team's next huddle and prepare the summaries coming due."""
    from innerloop.huddles.services import huddles_plan as plan

    return plan()


@shared_task(name="innerloop.huddle_prepare")
def huddle_prepare(*, huddle_id: int) -> bool:
    from innerloop.huddles.services import huddle_prepare as prepare

    return prepare(huddle_id=huddle_id)
