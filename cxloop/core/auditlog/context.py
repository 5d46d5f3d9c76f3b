"""Who is acting, and from where, for audit rows written without a request at hand.

AuditContextMiddleware keeps the current request in a context variable for the length of the
request, so `audit()` called deep in a service or a signal receiver still records the person and
their address. The request itself is kept, not its user: an API request signed by a token has its
user only once DRF has authenticated it, inside the view (DRF sets it on the Django request then).
"""

import ipaddress
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.http import HttpRequest, HttpResponse

_request: ContextVar[HttpRequest | None] = ContextVar("cxloop_audit_request", default=None)
# Where the address is kept on the request once resolved: one lookup per request.
_ADDRESS_ATTR = "_cxloop_audit_address"


def current_request() -> HttpRequest | None:
    """The request being served in this thread or task, if any."""
    return _request.get()


@contextmanager
def acting_request(request: Any) -> Iterator[None]:
    """Within the block, `audit()` reads the person and address from `request` (when there is
    one): for receivers handed the request by a signal, whatever the middleware saw."""
    if request is None:
        yield
        return
    token = _request.set(getattr(request, "_request", request))
    try:
        yield
    finally:
        _request.reset(token)


def client_address(request: Any) -> str | None:
    """The caller's address, as the login throttle (django-axes) reads it: behind the proxy, from
    X-Forwarded-For as AXES_IPWARE_* configure it; else REMOTE_ADDR."""
    if request is None:
        return None
    request = getattr(request, "_request", request)  # a DRF Request wraps Django's
    if not hasattr(request, _ADDRESS_ATTR):
        from axes.helpers import get_client_ip_address

        setattr(request, _ADDRESS_ATTR, _valid(get_client_ip_address(request)))
    return getattr(request, _ADDRESS_ATTR)


def _valid(address: str | None) -> str | None:
    try:
        return str(ipaddress.ip_address(address)) if address else None
    except ValueError:
        return None


class AuditContextMiddleware:
    """Makes the request available to `audit()` for as long as it is served."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _request.set(request)
        try:
            return self.get_response(request)
        finally:
            _request.reset(token)
