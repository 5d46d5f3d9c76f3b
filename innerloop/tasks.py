"""Celery interfaces of the inner loop."""

from celery import shared_task


@shared_task(name="innerloop.escalate_overdue")
def escalate_overdue() -> int:
    from innerloop.services.escalation import cases_escalate_overdue

    return cases_escalate_overdue()


from innerloop.huddles.tasks import *  # noqa: E402,F403
