"""The username django-axes counts failures against.

django-allauth's form names its field "login" and authenticates with `username=...`; axes looks at
either, depending on where it is asked from (the backend gets the credentials, the middleware and the
lockout check only the request), so both must give the same name.
"""

from typing import Any

from django.http import HttpRequest


def username_of(request: HttpRequest, credentials: dict[str, Any] | None = None) -> str | None:
    if credentials:
        return credentials.get("username") or credentials.get("login")
    data = getattr(request, "data", None) or request.POST
    return data.get("login") or data.get("username")
