"""Run signal detection now (the nightly beat job does the same)."""

from django.core.management.base import BaseCommand

from outerloop.services.detection import DetectionParams
from outerloop.services.signals import signals_detect, signals_from_obstacles


class Command(BaseCommand):
    help = "Find recurring root causes and create or update one signal per root cause."

    def add_arguments(self, parser):
        parser.add_argument("--window-days", type=int, default=DetectionParams.window_days)
        parser.add_argument("--baseline-days", type=int, default=DetectionParams.baseline_days)
        parser.add_argument(
            "--false-discovery-rate",
            type=float,
            default=DetectionParams.false_discovery_rate,
            help="Benjamini-Hochberg level over all root causes tested in the run (default 0.01).",
        )

    def handle(self, *args, **options):
        params = DetectionParams(
            window_days=options["window_days"],
            baseline_days=options["baseline_days"],
            false_discovery_rate=options["false_discovery_rate"],
        )
        result = signals_detect(params=params)
        obstacles = signals_from_obstacles()
        self.stdout.write(
            f"{result.cells} cells tested, {result.created} new signal(s), {result.updated} updated, "
            f"{obstacles} from obstacles, in {result.seconds:.1f}s"
        )
