from django.urls import path

from . import views

app_name = "governance"

urlpatterns = [
    path("committee/", views.committee_home, name="committee"),
    path("committee/accountability/", views.accountability, name="accountability"),
    path("committee/meetings/<int:pk>/", views.meeting_detail, name="meeting"),
    path("committee/meetings/<int:pk>/<slug:action>/", views.meeting_action, name="meeting-action"),
    path("committee/<slug:action>/", views.committee_action, name="committee-action"),
]
