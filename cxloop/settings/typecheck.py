"""Settings that mypy's django-stubs plugin loads (`make lint`): base.py, with placeholder server URLs
when none are set, so type checking needs no environment. The plugin only reads the settings and the
app registry: nothing connects to these servers.
"""

import os

os.environ.setdefault("DATABASE_URL", "postgres://localhost/cxloop-typecheck")
os.environ.setdefault("REDIS_URL", "redis://localhost:6379/0")

from .base import *  # noqa: F403
