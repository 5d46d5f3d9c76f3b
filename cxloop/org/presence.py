"""Who is in cxloop right now: the last time each person was seen, kept in Redis only.

The middleware notes a signed-in person at most once a minute (one Redis SET that expires after
PRESENCE_TTL), so pages and API calls never write to the database for it. Alerts read it to reach
the people who can act now; when Redis cannot say, nobody counts as present and alerts go to the
team's leads.
"""

import time
from datetime import datetime

from django.core.cache import cache
from redis.exceptions import RedisError

WRITE_EVERY_SECONDS = 60
# Longer than anyone asks about (alerts look 15 minutes back).
PRESENCE_TTL = 60 * 60


def _key(user_id: int) -> str:
    return f"presence:{user_id}"


def presence_record(*, user_id: int) -> bool:
    """Note that the person is here now; False when it was noted less than a minute ago (or Redis is
    unreachable: presence is a hint, never worth failing a request over)."""
    try:
        last = cache.get(_key(user_id))
        now = time.time()
        if last is not None and now - last < WRITE_EVERY_SECONDS:
            return False
        cache.set(_key(user_id), now, timeout=PRESENCE_TTL)
    except (RedisError, OSError):
        return False
    return True


def seen_since(*, user_ids: set[int], since: datetime) -> set[int]:
    """Which of these people were seen in cxloop since `since` (none, when Redis cannot say)."""
    if not user_ids:
        return set()
    try:
        seen = cache.get_many([_key(user_id) for user_id in user_ids])
    except (RedisError, OSError):
        return set()
    # Within a write interval of `since` counts: the note is refreshed once a minute at most.
    threshold = since.timestamp() - WRITE_EVERY_SECONDS
    return {user_id for user_id in user_ids if seen.get(_key(user_id), 0) >= threshold}


class PresenceMiddleware:
    """Notes each signed-in person's presence, at most once a minute."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and response.status_code < 500:
            presence_record(user_id=user.pk)
        return response
