from django.urls import path

from . import language, people_views, views

app_name = "org"

urlpatterns = [
    path("people/", people_views.people, name="people"),
    path("people/invite/", people_views.invite, name="invite"),
    path(
        "people/invitations/<int:pk>/resend/", people_views.invitation_resend_view, name="invitation-resend"
    ),
    path(
        "people/invitations/<int:pk>/withdraw/",
        people_views.invitation_withdraw_view,
        name="invitation-withdraw",
    ),
    path("invitation/<str:token>/", people_views.invitation_accept_view, name="invitation-accept"),
    path("people/<int:pk>/", views.person_detail, name="person"),
    path("people/<int:pk>/end-sessions/", views.person_sessions_end, name="person-sessions-end"),
    path("people/<int:pk>/deactivate/", views.person_deactivate_view, name="person-deactivate"),
    path("people/<int:pk>/reactivate/", views.person_reactivate_view, name="person-reactivate"),
    path("people/<int:pk>/roles/add/", views.person_role_add_view, name="person-role-add"),
    path(
        "people/<int:pk>/roles/<int:membership_pk>/", views.person_role_change_view, name="person-role-change"
    ),
    path(
        "people/<int:pk>/roles/<int:membership_pk>/remove/",
        views.person_role_remove_view,
        name="person-role-remove",
    ),
    path("settings/language/", language.language_view, name="language"),
    path("settings/api-tokens/", views.api_tokens, name="api-tokens"),
    path("settings/api-tokens/<int:pk>/revoke/", views.api_token_revoke_view, name="api-token-revoke"),
    path("settings/api-tokens/<int:pk>/rotate/", views.api_token_rotate_view, name="api-token-rotate"),
]
