"""Limits on guessing passwords and tokens, beyond django-axes' lock of one username from one address.

- **Password spraying**: failed sign-ins for many different usernames from one address. Past
  CXLOOP_LOGIN_FAILURES_PER_ADDRESS distinct usernames within the window, sign-in from that address
  is refused for CXLOOP_LOGIN_COOLDOWN_SECONDS, whatever the username and password.
- **Distributed guessing**: failed sign-ins for one username from any number of addresses. Past
  CXLOOP_LOGIN_FAILURES_PER_USERNAME failures within the window, sign-in as that username is refused
  for the cooldown, even with the right password.
- **Token guessing**: past CXLOOP_API_TOKEN_FAILURES_PER_ADDRESS unknown API keys from one address
  within the window, that address's API requests signed with a key are refused (429).

A wrong second-factor code at sign-in counts as a failure for its username and address too, and a
locked username or address cannot pass the code step either (cxloop.identity's forms).

Failures are counted from Django's `user_login_failed` signal and refusals come from an
authentication backend, so this holds for any sign-in view (Django's, allauth's, the admin's). A
refusal says that sign-in is paused, never whether the username exists: an unknown username counts
and is refused exactly like a known one. The counters live in the cache (Redis), in a sliding
window: this bucket's count plus the previous bucket's, weighted by how much of it still overlaps.
When Redis cannot answer, nothing is refused (axes' database lockout still stands).
"""

import hashlib
import ipaddress
import logging
import time
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_login_failed
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.dispatch import receiver
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

REFUSED_ATTR = "cxloop_login_refused"


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def client_address(request: Any) -> str:
    """The caller's address, or "" when there is none: the one function every reader of it uses
    (axes through AXES_CLIENT_IP_CALLABLE, this throttle, allauth's adapter, the session register and
    the audit log), so they all agree.

    Behind CXLOOP_TRUSTED_PROXY_COUNT proxies, each of which appends the address it saw to
    X-Forwarded-For, the client is that many entries from the right; entries further left were sent
    by the client and may be anything. With no proxy configured the header is ignored: a client could
    put anything there. A header shorter than the proxy chain did not come through it: REMOTE_ADDR.
    """
    request = getattr(request, "_request", request)
    if request is None:
        return ""
    remote = request.META.get("REMOTE_ADDR") or ""
    count = settings.CXLOOP_TRUSTED_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if count > 0 and forwarded:
        entries = [entry.strip() for entry in forwarded.split(",")]
        if len(entries) >= count:
            return _valid_address(entries[-count]) or remote
    return remote


def _valid_address(text: str) -> str:
    try:
        return str(ipaddress.ip_address(text.strip("[]")))
    except ValueError:
        return ""


def username_of(credentials: dict[str, Any]) -> str:
    field = get_user_model().USERNAME_FIELD
    for key in (field, "username", "email", "login"):
        value = credentials.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip().lower()
    return ""


class SlidingCounter:
    """How many events in the last `window` seconds (approximately), per key, in the cache."""

    def __init__(self, name: str, *, window: int) -> None:
        self.name, self.window = name, max(1, window)

    def _bucket_key(self, key: str, bucket: int) -> str:
        return f"throttle:{self.name}:{key}:{bucket}"

    def add(self, key: str, *, distinct: str | None = None) -> float:
        """Count one event (once per `distinct` value within a bucket, when given); the new estimate."""
        now = time.time()
        bucket = int(now // self.window)
        if distinct is None or cache.add(f"{self._bucket_key(key, bucket)}:{distinct}", 1, 2 * self.window):
            cache.add(self._bucket_key(key, bucket), 0, 2 * self.window)
            cache.incr(self._bucket_key(key, bucket))
        return self.estimate(key, now=now)

    def estimate(self, key: str, *, now: float) -> float:
        bucket = int(now // self.window)
        counts = cache.get_many([self._bucket_key(key, bucket), self._bucket_key(key, bucket - 1)])
        current = counts.get(self._bucket_key(key, bucket), 0)
        previous = counts.get(self._bucket_key(key, bucket - 1), 0)
        overlap = 1 - (now % self.window) / self.window
        return current + previous * overlap


def _lock_key(kind: str, key: str) -> str:
    return f"throttle:lock:{kind}:{key}"


def lock(kind: str, key: str) -> None:
    cooldown = settings.CXLOOP_LOGIN_COOLDOWN_SECONDS
    # The end is kept in the value (compared with the clock) and the cache entry expires after it.
    cache.set(_lock_key(kind, key), time.time() + cooldown, cooldown + 60)


def is_locked(kind: str, key: str) -> bool:
    until = cache.get(_lock_key(kind, key))
    return until is not None and until > time.time()


def _counters() -> tuple[SlidingCounter, SlidingCounter]:
    window = settings.CXLOOP_LOGIN_FAILURE_WINDOW_SECONDS
    return SlidingCounter("login-address", window=window), SlidingCounter("login-username", window=window)


def login_failure_record(*, address: str, username: str) -> None:
    """Count a failed sign-in; lock the address or the username when it passes its limit."""
    per_address, per_username = _counters()
    user_key = _digest(username) if username else ""
    if (
        address
        and per_address.add(address, distinct=user_key or "-") >= settings.CXLOOP_LOGIN_FAILURES_PER_ADDRESS
    ):
        lock("address", address)
        logger.warning("Sign-in paused for an address after failures for many usernames.")
    if user_key and per_username.add(user_key) >= settings.CXLOOP_LOGIN_FAILURES_PER_USERNAME:
        lock("username", user_key)
        logger.warning("Sign-in paused for a username after failures from many addresses.")


def login_refused(*, address: str, username: str) -> bool:
    return bool(address and is_locked("address", address)) or bool(
        username and is_locked("username", _digest(username))
    )


@receiver(user_login_failed, dispatch_uid="cxloop.org.throttle.count_failure")
def _count_failure(sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any) -> None:
    if request is not None and getattr(request, REFUSED_ATTR, False):
        return  # refused by this throttle, not a guess that was checked: the cooldown is not extended
    try:
        login_failure_record(address=client_address(request), username=username_of(credentials))
    except (RedisError, OSError):
        logger.exception("Could not count a failed sign-in.")


class LoginThrottleBackend:
    """Refuses sign-in (before any password is checked) from an address or for a username past its
    limit; axes' middleware then answers with the lockout page (HTTP 429).

    It has no get_user: it never signs anyone in, so no session names it as its backend (and the
    test client's force_login, which takes the first backend with get_user, passes it over).
    """

    def authenticate(self, request: Any, username: str | None = None, **credentials: Any) -> None:
        if username is not None:
            credentials["username"] = username
        try:
            refused = login_refused(address=client_address(request), username=username_of(credentials))
        except (RedisError, OSError):
            logger.exception("Could not read the sign-in throttle.")
            return None
        if refused:
            if request is not None:
                setattr(request, REFUSED_ATTR, True)
                request.axes_locked_out = True  # the lockout page, by axes' middleware
            raise PermissionDenied("Sign-in is paused after too many failed attempts.")
        return None


# --- The second factor's code -------------------------------------------------------------------


def _username_of_user(user: Any) -> str:
    return username_of({"username": user.get_username()})


def second_factor_failure_record(*, request: Any, user: Any) -> None:
    """A wrong second-factor code counts like a wrong password, towards the same locks: whoever has
    the password cannot go on guessing codes (allauth's own limit on them only slows that down)."""
    try:
        login_failure_record(address=client_address(request), username=_username_of_user(user))
    except (RedisError, OSError):
        logger.exception("Could not count a failed second factor.")


def second_factor_refused(*, request: Any, user: Any) -> bool:
    """Whether the code step is refused for now (the address or username is locked), right or not."""
    try:
        return login_refused(address=client_address(request), username=_username_of_user(user))
    except (RedisError, OSError):
        logger.exception("Could not read the sign-in throttle.")
        return False


# --- API tokens -----------------------------------------------------------------------------------


def token_failure_record(*, address: str) -> None:
    if not address:
        return
    counter = SlidingCounter("api-token-address", window=settings.CXLOOP_LOGIN_FAILURE_WINDOW_SECONDS)
    if counter.add(address) >= settings.CXLOOP_API_TOKEN_FAILURES_PER_ADDRESS:
        lock("api-token-address", address)


def token_guessing_refused(*, address: str) -> bool:
    return bool(address) and is_locked("api-token-address", address)
