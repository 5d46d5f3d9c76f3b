from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "cxloop.core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        # Every app's models are loaded by now; the hand-offs between apps are listed in one module.
        from cxloop.wiring import connect

        connect()
        # Log-ins, log-outs and failed log-ins go to the audit log (receivers connect on import).
        from .auditlog import signals  # noqa: F401
