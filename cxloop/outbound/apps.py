from django.apps import AppConfig


class OutboundConfig(AppConfig):
    name = "cxloop.outbound"
    label = "outbound"
    verbose_name = "Outbound webhooks"
