"""The wiring between the apps: every place where a lower app hands work to one above it.

The apps depend downward only (cxloop <- feedback <- innerloop <- outerloop <- governance, asserted by
tests/core/test_layering.py). Where a lower app must start work that belongs higher up, it sends a
signal, and the receiver is connected here, so the hand-offs can be read in one list:

- feedback.signals.feedback_enriched -> innerloop.tasks.triage_after_enrichment: items just enriched
  are triaged right after the enrichment commits, in the same worker (triage has its own marker,
  Feedback.triaged_at, and its own sweep, innerloop.sweep_untriaged, for a hand-off that was lost).
- feedback.contact.do_not_contact_reason -> cxloop.notifications.suppression: every outgoing email is
  checked against the customers who asked not to be contacted, when queued and again when sent.
- feedback.privacy.registry.eraser_register <- innerloop.privacy.innerloop_eraser,
  outerloop.privacy.outerloop_eraser, governance.privacy.governance_eraser and
  cxloop.notifications.privacy.notifications_eraser: erasing a customer (or a source's retention run)
  empties the copies those apps keep (case messages, notes and alerts, huddle summaries' quotes,
  identifiers in staff text and committee records, emails to the customer), in the erasure's own
  transaction.
- feedback.surveys.listeners.answer_listener_register("recovery") <- innerloop.recovery's
  case_recovery_answered: the customer's own recovery check lands on its case (an unhappy answer
  reopens it for its owner).
- anymail.signals.inbound -> innerloop.replies.inbound.anymail_inbound_received: a customer's reply
  through a provider's inbound webhook (/hooks/replies/<provider>/) lands on its case.
- cxloop.core.auditlog.filters.register_customer_lookup <- feedback's customers: the audit log's
  "customer" filter finds a customer by external id.
- cxloop.outbound.subscriptions.filter_choices_register <- feedback's sources and innerloop's case
  priorities: a webhook endpoint's filters offer them by name.

The other joins live in the project's own modules: cxloop/urls.py mounts each app's pages and API,
cxloop/settings/base.py (CXLOOP_QUEUES) routes each task to its queue, setup_periodic_tasks
schedules the sweeps, and governance's `seed_demo` command seeds each app's demo in layer order.
"""


def connect() -> None:
    """Connect the receivers (once, from the core app's ready())."""
    from feedback.signals import feedback_enriched
    from innerloop.tasks import triage_after_enrichment

    feedback_enriched.connect(triage_after_enrichment, dispatch_uid="innerloop.triage_after_enrichment")

    from cxloop.notifications.suppression import suppression_check_register
    from feedback.contact import do_not_contact_reason

    suppression_check_register("feedback.do_not_contact", do_not_contact_reason)

    from cxloop.notifications.privacy import notifications_eraser
    from feedback.privacy.registry import eraser_register
    from governance.privacy import governance_eraser
    from innerloop.privacy import innerloop_eraser
    from outerloop.privacy import outerloop_eraser

    eraser_register("innerloop", innerloop_eraser)
    eraser_register("outerloop", outerloop_eraser)
    eraser_register("governance", governance_eraser)
    eraser_register("notifications", notifications_eraser)

    from feedback.surveys.listeners import answer_listener_register
    from innerloop.recovery import case_recovery_answered

    answer_listener_register("recovery", case_recovery_answered)

    from anymail.signals import inbound

    from innerloop.replies.inbound import anymail_inbound_received

    inbound.connect(anymail_inbound_received, dispatch_uid="innerloop.replies.inbound")

    from cxloop.core.auditlog.filters import register_customer_lookup
    from feedback.models import Customer

    register_customer_lookup(
        lambda external_id: list(
            Customer.objects.filter(external_id=external_id).values_list("pk", flat=True)
        )
    )

    from cxloop.outbound.subscriptions import filter_choices_register
    from feedback.models import Source
    from innerloop.models import Priority

    filter_choices_register("sources", lambda: Source.objects.order_by("name").values_list("pk", "name"))
    filter_choices_register("case_priorities", lambda: list(Priority.choices))
