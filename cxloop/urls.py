from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from cxloop.core.views import healthz
from cxloop.org.views import home

urlpatterns = [
    path("", home, name="home"),
    path("healthz", healthz, name="healthz"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("", include("cxloop.org.urls")),
    path("", include("cxloop.notifications.urls")),
    path("", include("feedback.urls")),
    path("", include("innerloop.urls")),
    path("", include("innerloop.dashboards.urls")),
    path("", include("outerloop.urls")),
    path("", include("governance.urls")),
    path("", include("innerloop.huddles.urls")),
    path("imports/", include("feedback.intake.imports.urls")),
    path("api/v1/", include("feedback.api_urls")),
    path("api/v1/", include("innerloop.api_urls")),
    path("api/v1/", include("outerloop.api_urls")),
    path("api/v1/", include("governance.api_urls")),
    path("hooks/", include("feedback.intake.webhooks.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
]

handler404 = "cxloop.core.views.not_found"
