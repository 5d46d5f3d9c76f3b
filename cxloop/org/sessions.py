"""How long a signed-in session lasts: it ends after CXLOOP_SESSION_IDLE_SECONDS without a request
(30 minutes by default) and CXLOOP_SESSION_MAX_SECONDS after sign-in (12 hours), whichever comes
first; and what a signed-in person is shown is never kept by a browser or a proxy (no-store).

The last-seen time is written to the session at most once a minute, as presence is, so a person
working through the queue does not rewrite their session row on every click.

Every signed-in session is kept in a register (UserSession: started, last seen, address, browser),
so an administrator can list a person's sessions and end them (services.sessions_end). And a
session started under other roles gets a new id on its next request: the person stays signed in,
with their new role, but a session id seen before the change no longer works.
"""

import ipaddress
import time
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.db import IntegrityError, transaction
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control

from .models import UserSession
from .scoping import scope_for
from .session_store import SessionStore
from .throttle import client_address

LOGIN_AT = "_cxloop_login_at"
SEEN_AT = "_cxloop_seen_at"
ROLES = "_cxloop_roles"
TOUCH_EVERY_SECONDS = 60


def _client_address(request: HttpRequest) -> str | None:
    """The address axes sees (its proxy settings apply), if it is one: a forwarded header may hold
    anything, and the register's column takes only addresses."""
    try:
        return str(ipaddress.ip_address(client_address(request)))
    except ValueError:
        return None


def _register(request: HttpRequest, user: Any, *, at: float) -> None:
    """Note the session in the register (or refresh its last-seen time)."""
    session = request.session
    if not isinstance(session, SessionStore):
        return  # another session engine (a test's): nothing to keep a register of
    if session.session_key is None:
        session.save()
    key = session.session_key
    if key is None:
        return
    seen = datetime.fromtimestamp(at, tz=UTC)
    if UserSession.objects.filter(session_id=key, user=user).update(last_seen_at=seen):
        return
    try:
        with transaction.atomic():
            UserSession.objects.filter(session_id=key).delete()
            UserSession.objects.create(
                session_id=key,
                user=user,
                created_at=datetime.fromtimestamp(session.get(LOGIN_AT, at), tz=UTC),
                last_seen_at=seen,
                ip=_client_address(request),
                user_agent=request.META.get("HTTP_USER_AGENT", "")[:300],
            )
    except IntegrityError:
        pass  # the session was ended meanwhile: there is nothing left to register


@receiver(user_logged_in, dispatch_uid="cxloop.sessions.note_login")
def _note_login(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        now = time.time()
        request.session[LOGIN_AT] = request.session[SEEN_AT] = now
        request.session[ROLES] = scope_for(user).roles_fingerprint
        _register(request, user, at=now)


def rotate_on_role_change(request: HttpRequest) -> bool:
    """Give the session a new id when the person's roles changed since it was last seen."""
    fingerprint = scope_for(request.user).roles_fingerprint
    known = request.session.get(ROLES)
    if known == fingerprint:
        return False
    request.session[ROLES] = fingerprint
    if known is None:
        return False  # a session from before roles were noted: from now on
    request.session.cycle_key()
    return True


def session_expired(session: Any, *, now: float) -> bool:
    """Idle for longer than allowed, or signed in longer ago than allowed. A session from before these
    limits (no times in it) starts its clocks now instead."""
    login_at, seen_at = session.get(LOGIN_AT), session.get(SEEN_AT)
    if login_at is None or seen_at is None:
        session[LOGIN_AT] = session[SEEN_AT] = now
        return False
    return (
        now - seen_at > settings.CXLOOP_SESSION_IDLE_SECONDS
        or now - login_at > settings.CXLOOP_SESSION_MAX_SECONDS
    )


class SessionLifetimeMiddleware:
    """Ends expired sessions before the request is served (the login check after it then sends the
    person to sign in again), and marks every answer to a signed-in person no-store."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = time.time()
            if session_expired(request.session, now=now):
                logout(request)
            else:
                rotate_on_role_change(request)
                if now - request.session[SEEN_AT] >= TOUCH_EVERY_SECONDS:
                    request.session[SEEN_AT] = now
                    _register(request, request.user, at=now)
        response: HttpResponse = self.get_response(request)
        # After the view: an API request signed by a token has its user by now.
        if request.user.is_authenticated:
            patch_cache_control(response, no_store=True, private=True)
        return response
