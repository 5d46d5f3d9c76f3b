"""The re-check is a periodic task of beat's database schedule."""

import pytest
from django.core.management import call_command
from django_celery_beat.models import PeriodicTask

from cxloop.celery import app

pytestmark = pytest.mark.django_db


def test_the_recheck_is_scheduled_every_quarter_hour():
    # when
    call_command("setup_periodic_tasks", verbosity=0)
    # then
    task = PeriodicTask.objects.get(task="identity.sso_accounts_recheck")
    assert task.enabled
    assert task.crontab.minute == "*/15"
    app.loader.import_default_modules()  # what a worker does at start (autodiscovery)
    assert "identity.sso_accounts_recheck" in app.tasks


def test_the_recheck_does_nothing_without_single_sign_on(settings):
    from cxloop.identity.tasks import sso_accounts_recheck

    settings.CXLOOP_OIDC_SERVER_URL = ""
    assert sso_accounts_recheck() == {"checked": 0, "deactivated": 0, "unverifiable": 0, "errors": 0}
