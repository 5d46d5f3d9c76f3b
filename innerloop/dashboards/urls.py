from django.urls import path

from . import views

app_name = "dashboards"

urlpatterns = [
    path("dashboards/", views.overview, name="overview"),
    path("dashboards/teams/<slug:slug>/", views.team, name="team"),
    path("dashboards/departments/<slug:slug>/", views.department, name="department"),
    path("dashboards/export/<slug:table>.csv", views.export, name="export"),
]
