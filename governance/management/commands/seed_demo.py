"""`manage.py seed_demo`: a realistic organisation with six months of feedback, for demos and benchmarks.

It lives in governance, the top of the import order, because it seeds every app's part of the demo
(governance.demo.demo_seed calls them in order).
"""

from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from cxloop.core.demo import DEMO_PASSWORD, DEMO_USERNAMES
from cxloop.core.exceptions import ApplicationError
from feedback.demo.scenario import HISTORY_DAYS, customers_for, feedback_for
from governance.demo import demo_seed


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise ValueError(value)
    return number


def _moment(value: str) -> datetime:
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class Command(BaseCommand):
    help = (
        "Seed a demo organisation with customers and six months of feedback ending now (--days to change). "
        f"Scale 1 is {feedback_for(scale=1):,} feedback rows and {customers_for(scale=1):,} customers; "
        "--scale N multiplies the feedback, and adds 10,000 customers per 4 steps. "
        "Does nothing when the demo data is already there."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--seed", type=int, default=42, help="Random seed (default 42): same seed, same data."
        )
        parser.add_argument("--scale", type=_positive, default=1, help="Volume multiplier (default 1).")
        parser.add_argument(
            "--customers", type=_positive, default=None, help="Override the number of customers (for tests)."
        )
        parser.add_argument(
            "--feedback",
            type=_positive,
            default=None,
            help="Override the number of feedback rows (for tests).",
        )
        parser.add_argument(
            "--days",
            type=_positive,
            default=HISTORY_DAYS,
            help=f"Days of history ending at --end (default {HISTORY_DAYS}); the rows spread over them.",
        )
        parser.add_argument(
            "--end",
            type=_moment,
            default=None,
            help="ISO 8601 moment the history ends at (default now); fixes the data for reproducible runs.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        # Demo logins with a published password must never reach a production database.
        if settings.CXLOOP_PRODUCTION:
            raise CommandError("seed_demo refuses to run with production settings.")
        try:
            result = demo_seed(
                seed=options["seed"],
                scale=options["scale"],
                customers=options["customers"],
                feedback=options["feedback"],
                end=options["end"],
                days=options["days"],
            )
        except ApplicationError as error:
            raise CommandError(error.message) from error
        if not result.created:
            self.stdout.write("Demo data is already present; nothing to do.")
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"Seeded demo data in {result.seconds:.1f} s: {result.departments} departments, "
                f"{result.teams} teams, {result.people} people, {result.sources} sources, "
                f"{result.touchpoints} touchpoints, {result.journey_stages} journey stages, "
                f"{result.categories} categories, {result.customers:,} customers, "
                f"{result.feedback:,} feedback."
            )
        )
        self.stdout.write(f"Log in as {', '.join(DEMO_USERNAMES)} with password {DEMO_PASSWORD}.")
