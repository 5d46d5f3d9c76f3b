from django.apps import AppConfig


class OrgConfig(AppConfig):
    name = "cxloop.org"
    label = "org"
    verbose_name = "Organisation"

    def ready(self) -> None:
        # Connects the sign-in receiver that starts a session's clocks (before any request is served),
        # the receivers that end a deactivated person's access and audit role changes, and the
        # counters of failed sign-ins.
        from cxloop.org import sessions, signals, throttle  # noqa: F401
