from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "cxloop.core"
    label = "core"
    verbose_name = "Core"
