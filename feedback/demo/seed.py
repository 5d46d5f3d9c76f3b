"""Seed the demo database in one transaction: organisation, reference data, customers and feedback."""

import random
import time
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from cxloop.core.exceptions import ApplicationError
from feedback.models import Customer, Feedback, Source

from . import customers as customer_data
from . import generator as feedback_data
from .organisation import DEPARTMENTS, TEAMS, organisation_create
from .pgcopy import copy_rows
from .reference import JOURNEY_STAGES, SOURCES, TOUCHPOINTS, reference_create
from .scenario import DEMO_USERNAMES, HISTORY_DAYS, Story, customers_for, feedback_for

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


def demo_data_present() -> bool:
    """Whether an earlier run already seeded this database (its `agent` login or its NPS source exists)."""
    user_model = get_user_model()
    return (
        user_model.objects.filter(username=DEMO_USERNAMES[0]).exists()
        or Source.objects.filter(slug=SOURCES[0].slug).exists()
    )


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
    customer_count = customers_for(scale=scale) if customers is None else customers
    feedback_count = feedback_for(scale=scale) if feedback is None else feedback
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ADVISORY_LOCK_KEY])
        if demo_data_present():
            return SeedResult(created=False, seconds=time.monotonic() - started)
        taken = sorted(
            get_user_model().objects.filter(username__in=DEMO_USERNAMES).values_list("username", flat=True)
        )
        if taken:
            raise ApplicationError(
                "These demo usernames already belong to someone: " + ", ".join(taken), {"usernames": taken}
            )

        organisation = organisation_create(rng=random.Random(f"{seed}:organisation"))
        reference = reference_create(team_ids=organisation.team_ids)
        copy_rows(
            model=Customer,
            fields=customer_data.COLUMNS,
            rows=customer_data.customer_rows(
                rng=random.Random(f"{seed}:customers"),
                count=customer_count,
                team_ids=organisation.team_ids,
                end=end,
            ),
        )
        loaded = list(
            Customer.objects.filter(external_id__startswith=customer_data.EXTERNAL_ID_PREFIX)
            .order_by("external_id")
            .values_list("pk", "segment")
        )
        generator = feedback_data.FeedbackGenerator(
            rng=random.Random(f"{seed}:feedback"),
            organisation=organisation,
            reference=reference,
            customer_ids=[pk for pk, _ in loaded],
            business_customer_ids=[
                pk for pk, segment in loaded if segment in customer_data.BUSINESS_SEGMENTS
            ],
            total=feedback_count,
            end=end,
            days=days,
            story=story,
        )
        feedback_rows = copy_rows(model=Feedback, fields=feedback_data.COLUMNS, rows=generator.rows())
        # Apps above feedback add their own demo history (cases worked in past months...) by hook,
        # so feedback never imports them.
        for hook in settings.CXLOOP_DEMO_SEED_HOOKS:
            import_string(hook)(seed=seed, end=end, live_days=feedback_data.LIVE_DAYS)
        with connection.cursor() as cursor:
            # Fresh statistics, so the first queries on a million rows get sensible plans.
            cursor.execute(f"ANALYZE {Customer._meta.db_table}, {Feedback._meta.db_table}")

    return SeedResult(
        created=True,
        seconds=time.monotonic() - started,
        departments=len(DEPARTMENTS),
        teams=len(TEAMS),
        people=organisation.people,
        sources=len(SOURCES),
        touchpoints=len(TOUCHPOINTS),
        journey_stages=len(JOURNEY_STAGES),
        categories=len(reference.categories),
        customers=len(loaded),
        feedback=feedback_rows,
    )
