"""The domain errors raised by services; views turn them into a form error, the API into a 400
(a 409 or a 403 for the two kinds below)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise


class ApplicationError(Exception):
    # `message` may be a lazy translation (gettext_lazy): it is turned into text where it is shown.
    def __init__(self, message: str | StrPromise, extra: dict | None = None):
        super().__init__(message)
        self.message = message
        self.extra = extra or {}


class StateConflict(ApplicationError):
    """Refused because of the state of what it acts on (its status, stage or version), not because
    of how it was asked: the same request may succeed later. The API answers 409."""


class NotPermitted(ApplicationError):
    """Refused because this person may not do it to this object (another holder's seat), though
    their role reaches the endpoint. The API answers 403."""
