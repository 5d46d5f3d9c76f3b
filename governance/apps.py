from django.apps import AppConfig


class GovernanceConfig(AppConfig):
    """The steering committee, its meetings and decisions (DESIGN.md layer 5)."""

    name = "governance"
    verbose_name = "Governance"
