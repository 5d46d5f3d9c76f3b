"""Celery interfaces of the inner loop."""

from functools import partial

from celery import shared_task
from django.db import transaction

# The huddle tasks register with Celery through this module, the one its autodiscovery reads.
from innerloop.huddles.tasks import huddle_prepare, huddles_plan  # noqa: F401


def triage_after_enrichment(*, feedback_ids: list[int], **signal: object) -> None:
    """The hand-off from enrichment (feedback.signals.feedback_enriched, connected in
    cxloop/wiring.py): triage these items in the same worker, straight after the enrichment commits.

    Not a task of its own: a second trip through the queue put every live item behind whatever
    waited there. Robust: a failure is logged and leaves the items to the triage sweep, and never
    undoes the enrichment that already committed.
    """
    from innerloop.services.triage import triage_pending

    transaction.on_commit(partial(triage_pending, feedback_ids=feedback_ids), robust=True)


@shared_task(name="innerloop.sweep_untriaged")
def sweep_untriaged() -> int:
    """Triage enriched items whose triage task was lost; returns how many."""
    from innerloop.services.triage import triage_sweep

    return triage_sweep()


@shared_task(name="innerloop.escalate_overdue")
def escalate_overdue() -> int:
    from innerloop.services.escalation import cases_escalate_overdue

    return cases_escalate_overdue()


@shared_task(name="innerloop.case_recovery_ask")
def case_recovery_ask(case_id: int) -> bool:
    """Ask the customer of a just-resolved case for their own recovery check (innerloop.recovery)."""
    from innerloop.models import Case
    from innerloop.recovery import case_recovery_ask as ask

    case = Case.objects.filter(pk=case_id).first()
    return case is not None and ask(case=case) is not None


@shared_task(name="innerloop.recovery_asks_sweep")
def recovery_asks_sweep() -> int:
    """Ask the resolved cases whose ask was lost; returns how many."""
    from innerloop.recovery import recovery_asks_sweep as sweep

    return sweep()
