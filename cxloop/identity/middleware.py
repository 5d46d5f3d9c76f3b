"""A person whose role needs a second factor and who has none reaches only its enrolment.

Allowed until they enrol: the second-factor pages (TOTP, WebAuthn, recovery codes), re-entering the
password those pages may ask for, logging out, and static files. Everything else sends them to
enrolment: pages with a redirect (htmx with HX-Redirect), the API with a 403 that says why.
"""

from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse

from cxloop.org.second_factor import ENROL_MESSAGE

from .selectors import must_enrol


def _allowed_prefixes() -> tuple[str, ...]:
    return (
        reverse("mfa_index"),
        reverse("account_reauthenticate"),
        reverse("logout"),
        reverse("account_logout"),
        reverse("login"),
        "/" + settings.STATIC_URL.lstrip("/"),
    )


class SecondFactorRequiredMiddleware:
    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response
        self._allowed: tuple[str, ...] | None = None

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            request.user.is_authenticated
            and not self._is_allowed(request.path)
            and must_enrol(request=request)
        ):
            return self._to_enrolment(request)
        return self.get_response(request)

    def _is_allowed(self, path: str) -> bool:
        if self._allowed is None:
            self._allowed = _allowed_prefixes()
        return path.startswith(self._allowed)

    def _to_enrolment(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": ENROL_MESSAGE}, status=403)
        url = reverse("mfa_index")
        if request.headers.get("HX-Request") == "true":
            # A poll from the enrolment page itself (the notification bell) changes nothing there; from
            # any other page, htmx takes the person to enrolment.
            response = HttpResponse(status=204)
            if not self._is_allowed(urlsplit(request.headers.get("HX-Current-URL", "")).path):
                response["HX-Redirect"] = url
            return response
        messages.warning(request, ENROL_MESSAGE)
        return HttpResponseRedirect(url)
