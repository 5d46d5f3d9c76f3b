from django.apps import AppConfig


class OuterloopConfig(AppConfig):
    """Signals, improvement initiatives and impact reviews (DESIGN.md layer 4)."""

    name = "outerloop"
    verbose_name = "Outer loop"
