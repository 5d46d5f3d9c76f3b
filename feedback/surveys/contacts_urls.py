"""/surveys/<slug>/contacts/: inviting a CSV of contacts (the survey pages themselves: staff_urls)."""

from django.urls import path

from . import contacts_views

app_name = "survey_contacts"

urlpatterns = [
    path("<slug:slug>/contacts/", contacts_views.contacts_upload, name="upload"),
]
