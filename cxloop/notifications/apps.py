from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "cxloop.notifications"
    label = "notifications"
    verbose_name = "Notifications"
