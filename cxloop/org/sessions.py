"""How long a signed-in session lasts: it ends after CXLOOP_SESSION_IDLE_SECONDS without a request
(30 minutes by default) and CXLOOP_SESSION_MAX_SECONDS after sign-in (12 hours), whichever comes
first; and what a signed-in person is shown is never kept by a browser or a proxy (no-store).

The last-seen time is written to the session at most once a minute, as presence is, so a person
working through the queue does not rewrite their session row on every click.
"""

import time
from typing import Any

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control

LOGIN_AT = "_cxloop_login_at"
SEEN_AT = "_cxloop_seen_at"
TOUCH_EVERY_SECONDS = 60


@receiver(user_logged_in, dispatch_uid="cxloop.sessions.note_login")
def _note_login(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        request.session[LOGIN_AT] = request.session[SEEN_AT] = time.time()


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
            elif now - request.session[SEEN_AT] >= TOUCH_EVERY_SECONDS:
                request.session[SEEN_AT] = now
        response: HttpResponse = self.get_response(request)
        # After the view: an API request signed by a token has its user by now.
        if request.user.is_authenticated:
            patch_cache_control(response, no_store=True, private=True)
        return response
