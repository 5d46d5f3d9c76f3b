"""Staff pages of the surveys, under /surveys/ (the contacts pages share the prefix: contacts_urls)."""

from django.urls import path

from . import staff_views

app_name = "surveys"

urlpatterns = [
    path("", staff_views.survey_list, name="list"),
    path("<slug:slug>/", staff_views.survey_detail, name="detail"),
    path("<slug:slug>/send-to-staff/", staff_views.staff_send, name="send-to-staff"),
    path("<slug:slug>/results/", staff_views.survey_results, name="results"),
]
