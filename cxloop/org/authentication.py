"""`Authorization: Token <key>` against hashed ApiToken keys (DESIGN.md section 5).

A key is refused when it is unknown, revoked or expired ("Token expired"), or its owner is
deactivated; a person's key is refused (403) while their role needs a second factor they do not
have. A key replaced by a rotation works until the token's grace ends. Keys never issued are counted
per address, and an address that guesses too many is refused for a while (throttle.py).
"""

from datetime import timedelta

from django.core.cache import cache
from django.db.models import Q
from django.utils import timezone
from redis.exceptions import RedisError
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from cxloop.core.models import audit

from .models import ApiToken
from .second_factor import ENROL_MESSAGE, token_needs_second_factor
from .services import hash_key
from .throttle import client_address, token_failure_record, token_guessing_refused

# last_used_at is informative; writing it on every request would turn reads into writes.
LAST_USED_RESOLUTION = timedelta(minutes=1)
# An expired key still in use is audited once per token in this time, not on every request.
EXPIRED_USE_AUDIT_EVERY = 60 * 60


class ApiTokenAuthentication(TokenAuthentication):
    keyword = "Token"

    def authenticate(self, request):
        self._address = client_address(request)
        return super().authenticate(request)

    def authenticate_credentials(self, key):
        address = getattr(self, "_address", "")
        if _guarded(token_guessing_refused, address=address):
            raise exceptions.Throttled(detail="Too many unknown API keys from your address; try again later.")
        now = timezone.now()
        digest = hash_key(key)
        token = (
            ApiToken.objects.select_related("user")
            .filter(Q(key_hash=digest) | Q(previous_key_hash=digest))
            .first()
        )
        if token is None:
            # Only keys never issued count as guesses: a client still sending a revoked or replaced
            # key is misconfigured, and must not lock out everyone else behind its address.
            _guarded(token_failure_record, address=address)
            raise exceptions.AuthenticationFailed("Invalid or revoked token.")
        replaced = token.key_hash != digest and not (
            token.previous_key_valid_until is not None and token.previous_key_valid_until > now
        )
        if token.revoked_at is not None or replaced or not token.user.is_active:
            raise exceptions.AuthenticationFailed("Invalid or revoked token.")
        if token.expires_at <= now:
            _audit_expired_use(token)
            raise exceptions.AuthenticationFailed("Token expired.")
        if not token.is_integration and token_needs_second_factor(user=token.user):
            # A token is no way round the second factor the person's role needs (in a session,
            # cxloop.identity's middleware sends them to enrolment).
            raise exceptions.PermissionDenied(ENROL_MESSAGE)
        if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token


def _guarded(check, **kwargs) -> bool:
    try:
        return bool(check(**kwargs))
    except (RedisError, OSError):
        return False  # the counters are a defence in depth: an outage of Redis refuses nobody


def _audit_expired_use(token: ApiToken) -> None:
    try:
        first = cache.add(f"api-token-expired-audited:{token.pk}", 1, EXPIRED_USE_AUDIT_EVERY)
    except (RedisError, OSError):
        first = True
    if first:
        audit(
            actor=None, verb="api_token.expired_used", target=token, expired_at=token.expires_at.isoformat()
        )
