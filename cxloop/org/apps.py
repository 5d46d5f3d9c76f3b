from django.apps import AppConfig


class OrgConfig(AppConfig):
    name = "cxloop.org"
    label = "org"
    verbose_name = "Organisation"

    def ready(self) -> None:
        # Connects the sign-in receiver that starts a session's clocks (before any request is served),
        # the receivers that end a deactivated person's access and audit role changes, and the
        # counters of failed sign-ins; and the one that reads a person's language into their session.
        from django.contrib.auth import get_user_model

        from cxloop.org import language, sessions, signals, throttle  # noqa: F401
        from cxloop.org.names import person_name

        # People are shown by name everywhere (issue #16): the user model is Django's own, so its
        # `__str__` (the username) is replaced here rather than in a custom user model.
        get_user_model().__str__ = person_name  # type: ignore[method-assign]
