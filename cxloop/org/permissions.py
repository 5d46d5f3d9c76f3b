"""Role checks for HTML views and the API, built on the scope."""

from functools import wraps

from django.core.exceptions import PermissionDenied
from rest_framework.permissions import SAFE_METHODS, BasePermission

from .scoping import scope_for


def role_required(*roles: str):
    """View decorator: 403 unless the user holds one of `roles` (admins pass everywhere)."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not scope_for(request.user).has_role(*roles, "admin"):
                raise PermissionDenied("Your role does not give access to this page.")
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def _token(request):
    from .models import ApiToken

    return request.auth if isinstance(request.auth, ApiToken) else None


def required_token_scope(request, view) -> str:
    """The scope a token needs for this request.

    A view declares it with `required_scope`: one scope for every method, or a map from method to
    scope. Undeclared, reading (GET, HEAD, OPTIONS) needs `read` and a write needs `cases` (the
    work of the loop: cases, signals, initiatives, decisions).
    """
    declared = getattr(view, "required_scope", None)
    if isinstance(declared, dict):
        declared = declared.get(request.method)
    if declared:
        return declared
    return "read" if request.method in SAFE_METHODS else "cases"


def token_scope_refusal(request, view) -> str | None:
    """Why the request's token may not do this (None: it may, or there is no token: a session's
    requests are limited by the person's role alone).

    Integration tokens only ever send feedback: an integration has no role and speaks only for the
    sources it is bound to (feedback.permissions).
    """
    token = _token(request)
    if token is None:
        return None
    needed = required_token_scope(request, view)
    if token.is_integration and needed != "ingest":
        return "An integration token may only send feedback."
    if needed not in token.scopes:
        return f"This token lacks the '{needed}' scope."
    return None


class HasRole(BasePermission):
    """DRF permission: set `required_roles` on the view; admins pass everywhere.

    A token must also hold the scope the request needs (`required_scope`). An integration token passes
    where it may send feedback (its write policy decides the rest).
    """

    message = "Your role does not give access to this resource."

    def has_permission(self, request, view) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        refusal = token_scope_refusal(request, view)
        if refusal is not None:
            self.message = refusal
            return False
        token = _token(request)
        if token is not None and token.is_integration:
            return True
        roles = getattr(view, "required_roles", ())
        return scope_for(request.user).has_role(*roles, "admin")


class IsPerson(BasePermission):
    """A person with a role, in a session or with their own token (the API's schema and docs)."""

    message = "Only people with a role may read this, not integrations."

    def has_permission(self, request, view) -> bool:
        token = _token(request)
        return (
            bool(request.user and request.user.is_authenticated)
            and not (token is not None and token.is_integration)
            and scope_for(request.user).primary_role is not None
        )


class TokenScope(BasePermission):
    """Default API permission beside IsAuthenticated: a token acts only within its scopes."""

    message = "This token lacks the scope this request needs."

    def has_permission(self, request, view) -> bool:
        refusal = token_scope_refusal(request, view)
        if refusal is not None:
            self.message = refusal
            return False
        return True
