"""Enqueueing that never breaks the write it follows.

Stored data must not depend on Redis being up: when the broker is unreachable the task is
skipped with a warning, and the periodic sweep of the owning app picks the row up later.
After a failure, sends are skipped outright for a few seconds so that requests stay fast
while Redis is down instead of each waiting for its own connection timeout.
"""

import logging
import time
from functools import partial

from django.db import transaction
from kombu.exceptions import OperationalError

logger = logging.getLogger(__name__)

BROKER_RETRY_AFTER_SECONDS = 5.0
_broker_down_until = 0.0


def enqueue(task, **kwargs) -> bool:
    """Send `task` now; False (and a warning) when the broker cannot be reached."""
    global _broker_down_until
    if time.monotonic() < _broker_down_until:
        return False
    try:
        task.apply_async(kwargs=kwargs, retry=False)
    except (OperationalError, OSError):
        _broker_down_until = time.monotonic() + BROKER_RETRY_AFTER_SECONDS
        logger.warning("broker unreachable: %s(%s) left to the sweep", task.name, kwargs)
        return False
    return True


def enqueue_on_commit(task, **kwargs) -> None:
    """Send `task` once the current transaction commits (immediately outside one)."""
    transaction.on_commit(partial(enqueue, task, **kwargs))
