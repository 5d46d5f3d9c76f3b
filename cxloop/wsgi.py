"""WSGI entry point for gunicorn."""

import os

from django.core.wsgi import get_wsgi_application

from cxloop.core.heap import freeze_startup_heap

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cxloop.settings.production")

application = get_wsgi_application()
freeze_startup_heap()
