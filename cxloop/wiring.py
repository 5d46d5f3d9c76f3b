"""The wiring between the apps: every place where a lower app hands work to one above it.

The apps depend downward only (cxloop <- feedback <- innerloop <- outerloop <- governance, asserted by
tests/core/test_layering.py). Where a lower app must start work that belongs higher up, it sends a
signal, and the receiver is connected here, so the hand-offs can be read in one list:

- feedback.signals.feedback_enriched -> innerloop.tasks.triage_after_enrichment: items just enriched
  are triaged right after the enrichment commits, in the same worker (triage has its own marker,
  Feedback.triaged_at, and its own sweep, innerloop.sweep_untriaged, for a hand-off that was lost).

The other joins live in the project's own modules: cxloop/urls.py mounts each app's pages and API,
cxloop/settings/base.py (CXLOOP_QUEUES) routes each task to its queue, setup_periodic_tasks
schedules the sweeps, and governance's `seed_demo` command seeds each app's demo in layer order.
"""


def connect() -> None:
    """Connect the receivers (once, from the core app's ready())."""
    from feedback.signals import feedback_enriched
    from innerloop.tasks import triage_after_enrichment

    feedback_enriched.connect(triage_after_enrichment, dispatch_uid="innerloop.triage_after_enrichment")
