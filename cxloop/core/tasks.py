"""Housekeeping tasks of the core."""

from celery import shared_task


@shared_task(name="cxloop.sessions_clear")
def sessions_clear() -> None:
    """Delete expired login sessions (Django does not do it by itself)."""
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    Session.objects.filter(expire_date__lt=timezone.now()).delete()
