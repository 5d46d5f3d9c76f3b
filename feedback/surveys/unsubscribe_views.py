"""The unsubscribe link of survey emails: /unsubscribe/<token>/ (signed, no sign-in).

GET only shows a page with a button: link scanners and mail previews open links, and opening one
must not unsubscribe anybody. POST with the body "List-Unsubscribe=One-Click" unsubscribes: it is
what a mail client's own "unsubscribe" button sends (RFC 8058, announced by the email's
List-Unsubscribe-Post header) and what the page's button sends. That POST carries no cookie and no
CSRF token, by the RFC, so it is exempt from CSRF: the signed token in the URL is its authority.
"""

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from feedback.models import SurveyInvitation

from .links import UNSUBSCRIBE, LinkRefused, invitation_from_token
from .response_views import page_language
from .unsubscribe import invitation_unsubscribe

ONE_CLICK_FIELD, ONE_CLICK_VALUE = "List-Unsubscribe", "One-Click"


@login_not_required
@csrf_exempt
@never_cache
@require_http_methods(["GET", "POST"])
def unsubscribe_view(request: HttpRequest, token: str) -> HttpResponse:
    """The confirmation page (GET), or the unsubscription itself (POST, RFC 8058 one-click)."""
    try:
        invitation = invitation_from_token(token, purpose=UNSUBSCRIBE)
    except LinkRefused:
        return _page(request, "surveys/unsubscribe_refused.html", invitation=None, status=404)
    if request.method == "GET":
        return _page(request, "surveys/unsubscribe.html", invitation=invitation, context={"token": token})
    if request.POST.get(ONE_CLICK_FIELD) != ONE_CLICK_VALUE:
        return _page(
            request,
            "surveys/unsubscribe.html",
            invitation=invitation,
            context={"token": token, "error": True},
            status=400,
        )
    invitation_unsubscribe(invitation=invitation)
    return _page(request, "surveys/unsubscribe_done.html", invitation=invitation)


def _page(
    request: HttpRequest,
    template: str,
    *,
    invitation: SurveyInvitation | None,
    context: dict | None = None,
    status: int = 200,
) -> HttpResponse:
    """A page in the invitation's language, kept out of search engines and referrers."""
    language = page_language(invitation)
    with translation.override(language):
        response = render(request, template, context or {}, status=status)
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    response["Content-Language"] = language
    return response
