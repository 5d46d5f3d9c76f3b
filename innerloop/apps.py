from django.apps import AppConfig


class InnerloopConfig(AppConfig):
    """Case rules, follow-up cases, SLAs and team huddles (DESIGN.md layer 3)."""

    name = "innerloop"
    verbose_name = "Inner loop"
