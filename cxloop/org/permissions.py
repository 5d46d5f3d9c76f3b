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


def token_scope_allows(request, view) -> bool:
    """An ingest-only token may only send feedback: views opt in with `accepts_ingest_tokens`."""
    from .models import ApiToken

    token = request.auth
    if not isinstance(token, ApiToken) or token.scope == ApiToken.Scope.READ_WRITE:
        return True
    return request.method == "POST" and getattr(view, "accepts_ingest_tokens", False)


class HasRole(BasePermission):
    """DRF permission: set `required_roles` on the view; admins pass everywhere."""

    message = "Your role, or your token's scope, does not give access to this resource."

    def has_permission(self, request, view) -> bool:
        roles = getattr(view, "required_roles", ())
        return (
            bool(request.user and request.user.is_authenticated)
            and scope_for(request.user).has_role(*roles, "admin")
            and token_scope_allows(request, view)
        )


class TokenScope(BasePermission):
    """Default API permission beside IsAuthenticated: ingest-only tokens stay ingest-only."""

    message = "This token may only send feedback."

    def has_permission(self, request, view) -> bool:
        return token_scope_allows(request, view)
