"""Refuse to start when PostgreSQL cannot hold every connection the configured processes may open."""

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from cxloop.core.capacity import LIMITS_QUERY, ServerLimits, Sizing, budget_problem, budget_summary


class Command(BaseCommand):
    help = (
        "Compare the connections web, workers and beat may hold (sized as cxloop.core.capacity sizes "
        "them) with the database server's max_connections; fail with what to change if they do not fit."
    )

    def handle(self, *args, **options):
        with connection.cursor() as cursor:
            cursor.execute(LIMITS_QUERY)
            limits = ServerLimits.from_settings(dict(cursor.fetchall()))
        sizing = Sizing.from_env()
        problem = budget_problem(sizing, limits)
        if problem:
            raise CommandError(problem)
        self.stdout.write(f"{sizing.describe()}\n{budget_summary(sizing, limits)}")
