"""Role checks for HTML views and the API, built on the scope."""

from functools import wraps

from django.core.exceptions import PermissionDenied
from rest_framework.permissions import BasePermission

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


def token_scope_allows(request, view) -> bool:
    """An ingest-only token may only send feedback: views opt in with `accepts_ingest_tokens`.

    Integration tokens are always ingest-only: an integration has no role and speaks only for the
    sources it is bound to (feedback.permissions).
    """
    token = _token(request)
    if token is None or (token.scope == token.Scope.READ_WRITE and not token.is_integration):
        return True
    return request.method == "POST" and getattr(view, "accepts_ingest_tokens", False)


class HasRole(BasePermission):
    """DRF permission: set `required_roles` on the view; admins pass everywhere.

    An integration token passes where it may send feedback (its write policy decides the rest).
    """

    message = "Your role, or your token's scope, does not give access to this resource."

    def has_permission(self, request, view) -> bool:
        if not (request.user and request.user.is_authenticated) or not token_scope_allows(request, view):
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
    """Default API permission beside IsAuthenticated: ingest-only tokens stay ingest-only."""

    message = "This token may only send feedback."

    def has_permission(self, request, view) -> bool:
        return token_scope_allows(request, view)
