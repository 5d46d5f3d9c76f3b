"""The login page (allauth's view with cxloop's template), and the account pages cxloop does not offer."""

from typing import Any
from urllib.parse import urlsplit

from allauth.account.views import LoginView as AllauthLoginView
from allauth.mfa.adapter import get_adapter as get_mfa_adapter
from allauth.mfa.webauthn.views import RemoveWebAuthnView as AllauthRemoveWebAuthnView
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse

from .services.second_factor import LAST_FACTOR_MESSAGE


class LoginView(AllauthLoginView):
    template_name = "registration/login.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["password_login"] = settings.CXLOOP_PASSWORD_LOGIN
        if settings.CXLOOP_OIDC_SERVER_URL:
            context["sso_name"] = settings.CXLOOP_OIDC_NAME
            context["sso_url"] = reverse(
                "openid_connect_login", kwargs={"provider_id": settings.CXLOOP_OIDC_PROVIDER_ID}
            )
        context.setdefault("next", self.request.GET.get("next", ""))
        return context

    def render_to_response(self, context: dict[str, Any], **kwargs: Any) -> HttpResponse:
        response = super().render_to_response(context, **kwargs)
        if settings.CXLOOP_OIDC_SERVER_URL:
            # The single sign-on button posts here, and the answer redirects to the provider: the
            # page's form-action must allow the provider's origin, or the browser stops the redirect.
            url = urlsplit(settings.CXLOOP_OIDC_SERVER_URL)
            response._csp_update = {"form-action": [f"{url.scheme}://{url.netloc}"]}
        return response


# What allauth offers that cxloop does not, and why.
NOT_OFFERED = {
    "password_reset": "Passwords are reset by an administrator; people who sign in with single sign-on "
    "reset theirs at the identity provider.",
    "password_set": "An account made by single sign-on signs in only through the identity provider.",
    "email": "Email addresses are kept by administrators (or the identity provider).",
    "connections": "An account is either the identity provider's or a local one: linking them is not "
    "offered.",
}


@login_not_required
def not_offered(request: HttpRequest, what: str) -> HttpResponse:
    """A page allauth would offer that cxloop does not: a 404 that says why."""
    return TemplateResponse(request, "identity/not_offered.html", {"reason": NOT_OFFERED[what]}, status=404)


class RemoveWebAuthnView(AllauthRemoveWebAuthnView):
    """allauth's removal of a security key, which does not ask the adapter whether the key may go: the
    last second factor of a person whose role needs one stays, and they are told why."""

    def form_valid(self, form: Any) -> HttpResponse:
        if not get_mfa_adapter().can_delete_authenticator(self.get_object()):
            messages.error(self.request, LAST_FACTOR_MESSAGE)
            return HttpResponseRedirect(reverse("mfa_list_webauthn"))
        return super().form_valid(form)


remove_webauthn = RemoveWebAuthnView.as_view()
