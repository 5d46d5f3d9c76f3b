"""`manage.py rollup_rebuild`: recompute the metrics rollup from the feedback table."""

from django.core.management.base import BaseCommand, CommandParser

from feedback.metrics.rollup import rollup_drift, rollup_rebuild


class Command(BaseCommand):
    help = (
        "Recompute feedback_feedbackdailyrollup from scratch (triggers keep it up to date; this is "
        "for repairs). Writers to feedback wait while it runs. --check only reports drift."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--check", action="store_true", help="Report how many cells differ, change nothing."
        )

    def handle(self, *args, **options) -> None:
        if options["check"]:
            drift = rollup_drift()
            self.stdout.write(f"{drift} rollup cells differ from the feedback table.")
            return
        cells = rollup_rebuild()
        self.stdout.write(self.style.SUCCESS(f"Rollup rebuilt: {cells:,} cells."))
