"""The public response page of survey invitations, under /s/ (signed links, no sign-in)."""

from django.urls import path

from .response_views import respond_view, thanks_view

app_name = "survey_response"

urlpatterns = [
    path("<str:token>/", respond_view, name="respond"),
    path("<str:token>/thanks/", thanks_view, name="thanks"),
]
