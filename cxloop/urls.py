from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from cxloop.core.views import healthz
from cxloop.identity.views import LoginView
from cxloop.org.views import home

# The admin's own login would skip the second factor: it sends people to cxloop's login instead.
admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]

urlpatterns = [
    path("", home, name="home"),
    path("healthz", healthz, name="healthz"),
    # django-allauth's login (password, single sign-on, second factor); cxloop/identity.
    path("login/", LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/", include("cxloop.identity.urls")),
    path("admin/", admin.site.urls),
    path("", include("cxloop.org.urls")),
    path("", include("cxloop.notifications.urls")),
    path("", include("cxloop.core.auditlog.urls")),
    path("", include("feedback.urls")),
    path("", include("innerloop.urls")),
    path("", include("innerloop.dashboards.urls")),
    path("", include("outerloop.urls")),
    path("", include("governance.urls")),
    path("", include("innerloop.huddles.urls")),
    path("imports/", include("feedback.intake.imports.urls")),
    path("privacy/", include("feedback.privacy.urls")),
    path("customers/transactions/", include("feedback.transactions.urls")),
    path("insights/recovery-value/", include("innerloop.recovery_value.urls")),
    path("settings/triage-rules/", include("innerloop.rules_admin.urls")),
    path("settings/sources/", include("feedback.intake.sources.urls")),
    path("settings/themes/", include("feedback.themes.urls")),
    path("settings/webhooks/", include("cxloop.outbound.urls")),
    # Surveys: the public response and unsubscribe pages (signed links, no sign-in), staff pages.
    path("s/", include("feedback.surveys.response_urls")),
    path("unsubscribe/", include("feedback.surveys.unsubscribe_urls")),
    path("surveys/", include("feedback.surveys.staff_urls")),
    path("surveys/", include("feedback.surveys.contacts_urls")),
    path("api/v1/", include("feedback.api_urls")),
    path("api/v1/", include("feedback.surveys.api_urls")),
    path("api/v1/", include("innerloop.api_urls")),
    path("api/v1/", include("outerloop.api_urls")),
    path("api/v1/", include("governance.api_urls")),
    path("api/v1/", include("cxloop.core.auditlog.api_urls")),
    path("hooks/email/", include("feedback.surveys.tracking_urls")),
    path("hooks/replies/", include("innerloop.replies.urls")),
    path("hooks/", include("feedback.intake.webhooks.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
]

handler404 = "cxloop.core.views.not_found"
