from django.urls import path

from . import views

app_name = "org"

urlpatterns = [
    path("people/", views.people, name="people"),
    path("settings/api-tokens/", views.api_tokens, name="api-tokens"),
    path("settings/api-tokens/<int:pk>/revoke/", views.api_token_revoke_view, name="api-token-revoke"),
]
