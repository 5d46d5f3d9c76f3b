"""Log-ins, log-outs and failed log-ins, from django.contrib.auth's signals (connected on import,
from the core app's ready()): whichever way a person signs in (the form, single sign-on), Django
sends these.

A failed log-in records the username typed when it is a person's (a staff identifier), and the
address; its target is that person. Anything else typed (an email, a password in the wrong box) is
not kept: the row says "unknown username" and its length, with the placeholder "auth.login" as target.
Never the password.
"""

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from cxloop.core.models import audit

from .context import acting_request

# The longest username Django stores: a longer "username" typed is cut, not stored whole.
USERNAME_MAX = 150
LOGIN_PLACEHOLDER = "auth.login"


@receiver(user_logged_in, dispatch_uid="cxloop.audit.logged_in")
def _logged_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    backend = getattr(user, "backend", "") or ""
    with acting_request(request):
        audit(actor=user, verb="auth.login", target=user, backend=backend.rsplit(".", 1)[-1])


@receiver(user_logged_out, dispatch_uid="cxloop.audit.logged_out")
def _logged_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is None:  # an anonymous visitor "logging out" is nobody's happening
        return
    with acting_request(request):
        audit(actor=user, verb="auth.logout", target=user)


@receiver(user_login_failed, dispatch_uid="cxloop.audit.login_failed")
def _login_failed(sender: Any, credentials: dict, request: Any = None, **kwargs: Any) -> None:
    model = get_user_model()
    typed = str(credentials.get(model.USERNAME_FIELD) or credentials.get("username") or "")[:USERNAME_MAX]
    person = model._default_manager.filter(**{model.USERNAME_FIELD: typed}).first() if typed else None
    with acting_request(request):
        if person is not None:
            audit(actor=None, verb="auth.login_failed", target=person, username=typed)
        else:
            # What matches no username may be anything (an email, a password typed in the wrong box):
            # the append-only log keeps only that it was unknown, and how long.
            audit(
                actor=None,
                verb="auth.login_failed",
                target_type=LOGIN_PLACEHOLDER,
                unknown_username=True,
                typed_length=len(typed),
            )
