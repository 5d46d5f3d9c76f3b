"""django-allauth's pages under /accounts/, less those cxloop does not offer (they answer 404 with the
reason; their names stay, so allauth's own links still resolve)."""

from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.generic import RedirectView

from .views import not_offered, remove_webauthn

urlpatterns = [
    # One login page: /login/ (allauth's own address leads there).
    path("login/", login_not_required(RedirectView.as_view(pattern_name="login", query_string=True))),
    path("password/reset/", not_offered, {"what": "password_reset"}),
    path("password/set/", not_offered, {"what": "password_set"}),
    path("email/", not_offered, {"what": "email"}),
    path("3rdparty/", not_offered, {"what": "connections"}),
    # allauth's removal of a security key, checking first that it is not the last factor a role needs.
    path("2fa/webauthn/keys/<int:pk>/remove/", remove_webauthn, name="mfa_remove_webauthn"),
    path("", include("allauth.urls")),
]
