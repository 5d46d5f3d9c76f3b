"""The whole demo, in one transaction: each app's part in the import order, called directly.

Governance is the top of the import order, so this is the one place that may import every app's
demo: the organisation (cxloop.org.demo), then reference data, customers and feedback
(feedback.demo), the case history and six months of huddles (innerloop.demo), the signals board
and the initiatives with their history (outerloop.demo), the steering committee
(governance.demo.committee) and its past meetings and decisions (governance.demo.history).
`manage.py seed_demo` is its command.
"""

import time
from dataclasses import dataclass
from datetime import datetime

from django.db import connection, transaction
from django.utils import timezone

from cxloop.core.demo import demo_rng
from cxloop.org.demo import DEPARTMENTS, TEAMS, organisation_create, organisation_present
from feedback.demo.generator import LIVE_DAYS
from feedback.demo.scenario import HISTORY_DAYS, Story, customers_for, feedback_for
from feedback.demo.seed import feedback_demo_create, feedback_demo_present
from feedback.models import Customer, Feedback
from feedback.themes.job import themes_run
from innerloop.demo import seed_case_history, seed_huddle_history
from innerloop.models import Case
from innerloop.recovery_value.demo import seed_customer_transactions
from outerloop.demo import detect_signals, seed_initiatives

from .committee import seed_committee
from .history import seed_committee_history

# Two seeders started at once queue on this lock; the second then finds the data and stops.
ADVISORY_LOCK_KEY = 4_242_001


@dataclass(frozen=True)
class SeedResult:
    created: bool
    seconds: float
    departments: int = 0
    teams: int = 0
    people: int = 0
    sources: int = 0
    touchpoints: int = 0
    journey_stages: int = 0
    categories: int = 0
    customers: int = 0
    feedback: int = 0


def _nightly_jobs(*, end: datetime) -> None:
    """The nightly jobs once, so the first `make run` shows what they find: the planted signals, and
    the planted emerging theme (feedback.demo.emerging) as a proposed theme."""
    detect_signals(end=end)
    themes_run(end=end)


def demo_data_present() -> bool:
    """Whether an earlier run already seeded this database (its `agent` login or its NPS source exists)."""
    return organisation_present() or feedback_demo_present()


def _seed_cases_and_their_value(*, seed: int, end: datetime, days: int) -> None:
    """The cases' history, then what their customers bought, renewed and left (the recovery-value
    comparison reads both)."""
    seed_case_history(seed=seed, end=end, live_days=LIVE_DAYS)
    seed_customer_transactions(seed=seed, end=end, days=days)


def demo_seed(
    *,
    seed: int = 42,
    scale: int = 1,
    customers: int | None = None,
    feedback: int | None = None,
    end: datetime | None = None,
    days: int = HISTORY_DAYS,
    story: Story | None = None,
) -> SeedResult:
    """Create the whole demo data set, or nothing when it is already there.

    Everything happens in one transaction, so an interrupted run leaves nothing behind and can
    simply be started again. Each part draws from its own generator seeded from `seed`, so the same
    seed and end date give the same data, and a change to one part leaves the others as they were.
    `story` places the planted signals' episodes and any volume surges (by default each planted
    signal rises up to `end`, and nothing surges).
    """
    started = time.monotonic()
    end = end or timezone.now()
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ADVISORY_LOCK_KEY])
        if demo_data_present():
            return SeedResult(created=False, seconds=time.monotonic() - started)
        organisation = organisation_create(rng=demo_rng(seed=seed, part="organisation"))
        made = feedback_demo_create(
            seed=seed,
            organisation=organisation,
            customers=customers_for(scale=scale) if customers is None else customers,
            feedback=feedback_for(scale=scale) if feedback is None else feedback,
            end=end,
            days=days,
            story=story,
        )
        _seed_cases_and_their_value(seed=seed, end=end, days=days)
        with connection.cursor() as cursor:
            # Fresh statistics, so the first queries on a million rows get sensible plans (the
            # huddle summaries and impact reviews below among them).
            cursor.execute(
                f"ANALYZE {Customer._meta.db_table}, {Feedback._meta.db_table}, {Case._meta.db_table}"
            )
        seed_huddle_history(seed=seed, end=end)
        _nightly_jobs(end=end)
        seeded = seed_initiatives(end=end)
        committee = seed_committee(end=end)
        seed_committee_history(committee=committee, end=end, seeded=seeded)
    return SeedResult(
        created=True,
        seconds=time.monotonic() - started,
        departments=len(DEPARTMENTS),
        teams=len(TEAMS),
        people=organisation.people,
        sources=made.sources,
        touchpoints=made.touchpoints,
        journey_stages=made.journey_stages,
        categories=made.categories,
        customers=made.customers,
        feedback=made.feedback,
    )
