from django.urls import path

from . import views

app_name = "org"

urlpatterns = [
    path("people/", views.people, name="people"),
    path("people/<int:pk>/", views.person_detail, name="person"),
    path("people/<int:pk>/end-sessions/", views.person_sessions_end, name="person-sessions-end"),
    path("people/<int:pk>/deactivate/", views.person_deactivate_view, name="person-deactivate"),
    path("people/<int:pk>/reactivate/", views.person_reactivate_view, name="person-reactivate"),
    path("settings/api-tokens/", views.api_tokens, name="api-tokens"),
    path("settings/api-tokens/<int:pk>/revoke/", views.api_token_revoke_view, name="api-token-revoke"),
    path("settings/api-tokens/<int:pk>/rotate/", views.api_token_rotate_view, name="api-token-rotate"),
]
