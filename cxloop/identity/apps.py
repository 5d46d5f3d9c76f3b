from django.apps import AppConfig


class IdentityConfig(AppConfig):
    name = "cxloop.identity"
    label = "identity"
    verbose_name = "Sign-in"

    def ready(self) -> None:
        # Audit rows for single sign-on and second-factor events, from django-allauth's signals.
        from . import receivers  # noqa: F401
