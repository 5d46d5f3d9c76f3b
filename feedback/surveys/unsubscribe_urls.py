"""Unsubscribing from survey emails, under /unsubscribe/ (signed links, no sign-in)."""

from django.urls import path

from .unsubscribe_views import unsubscribe_view

app_name = "survey_unsubscribe"

urlpatterns = [
    path("<str:token>/", unsubscribe_view, name="unsubscribe"),
]
