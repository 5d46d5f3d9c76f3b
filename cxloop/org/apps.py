from django.apps import AppConfig


class OrgConfig(AppConfig):
    name = "cxloop.org"
    label = "org"
    verbose_name = "Organisation"

    def ready(self) -> None:
        # Connects the sign-in receiver that starts a session's clocks (before any request is served).
        from cxloop.org import sessions  # noqa: F401
