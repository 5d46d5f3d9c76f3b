"""Retention per source (storage limitation): comments anonymised after a number of months, and the
personal data of the source's cases closed long enough ago erased, every night, once switched on.

A policy is off until an administrator switches it on, after reading its dry-run count. The count
and the run use the same selection (`_comments_due`, and the registered erasers asked to count), and
a row anonymised is marked (Feedback.comment_anonymised_at, Case.personal_data_erased_at) and never
selected again: the dry run reports exactly what the run then changes, and a second run changes
nothing. Scores, dates and categories stay, so metrics do not move.
"""

import calendar
import logging
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from cxloop.core.models import audit
from feedback.models import Feedback, RetentionPolicy

from .anonymise import comments_anonymise
from .registry import Counts, ErasureScope, erasers_run

logger = logging.getLogger(__name__)


def months_before(when: datetime, months: int) -> datetime:
    """`when` moved back by calendar months (31 March less one month is 28 or 29 February)."""
    year, month = divmod(when.year * 12 + when.month - 1 - months, 12)
    day = min(when.day, calendar.monthrange(year, month + 1)[1])
    return when.replace(year=year, month=month + 1, day=day)


def _comments_due(policy: RetentionPolicy, now: datetime):
    cutoff = months_before(now, policy.comments_anonymise_after_months)
    return Feedback.objects.filter(
        source_id=policy.source_id, occurred_at__lt=cutoff, comment_anonymised_at__isnull=True
    )


def _cases_scope(policy: RetentionPolicy, now: datetime, *, count_only: bool) -> ErasureScope | None:
    if policy.case_personal_data_after_months is None:
        return None
    return ErasureScope(
        source_id=policy.source_id,
        closed_before=months_before(now, policy.case_personal_data_after_months),
        count_only=count_only,
        now=now,
    )


def retention_preview(*, policy: RetentionPolicy, now: datetime | None = None) -> Counts:
    """What applying `policy` now would change (enabled or not): {"comments": N, "cases": M}."""
    now = now or timezone.now()
    scope = _cases_scope(policy, now, count_only=True)
    cases = erasers_run(scope).get("innerloop.cases", 0) if scope else 0
    return {"comments": _comments_due(policy, now).count(), "cases": cases}


@transaction.atomic
def retention_policy_apply(*, policy_id: int, now: datetime | None = None) -> Counts:
    """Apply one policy (locked, so two runs never overlap on it); returns what it changed."""
    now = now or timezone.now()
    policy = RetentionPolicy.objects.select_for_update().select_related("source").get(pk=policy_id)
    feedback_ids = frozenset(_comments_due(policy, now).values_list("pk", flat=True))
    copies = erasers_run(ErasureScope(feedback_ids=feedback_ids, now=now)) if feedback_ids else {}
    counts = {"comments": comments_anonymise(feedback_ids=feedback_ids, now=now)}
    scope = _cases_scope(policy, now, count_only=False)
    cases = erasers_run(scope) if scope else {}
    counts["cases"] = cases.get("innerloop.cases", 0)
    details = {key: value for key, value in (copies | cases).items() if key != "innerloop.cases"}
    policy.last_run_at, policy.last_run_counts = now, {**counts, **details}
    policy.save(update_fields=["last_run_at", "last_run_counts"])
    audit(
        actor=None,
        verb="retention.applied",
        target=policy,
        source=policy.source.slug,
        counts=policy.last_run_counts,
    )
    return counts


def retention_apply(*, dry_run: bool, now: datetime | None = None) -> dict[str, Counts]:
    """Every enabled policy, applied (or, with `dry_run`, counted): counts per source slug."""
    now = now or timezone.now()
    results = {}
    for policy in RetentionPolicy.objects.filter(enabled=True).select_related("source").order_by("pk"):
        if dry_run:
            results[policy.source.slug] = retention_preview(policy=policy, now=now)
        else:
            results[policy.source.slug] = retention_policy_apply(policy_id=policy.pk, now=now)
            logger.info("retention for %s: %s", policy.source.slug, results[policy.source.slug])
    return results
