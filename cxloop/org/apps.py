from django.apps import AppConfig


class OrgConfig(AppConfig):
    name = "cxloop.org"
    label = "org"
    verbose_name = "Organisation"
