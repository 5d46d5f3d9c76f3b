from django.urls import path

from . import views

app_name = "imports"

urlpatterns = [
    path("", views.import_upload, name="upload"),
    path("<int:pk>/", views.import_detail, name="detail"),
    path("<int:pk>/map/", views.import_map, name="map"),
    path("<int:pk>/start/", views.import_start, name="start"),
    path("<int:pk>/resume/", views.import_resume, name="resume"),
    path("<int:pk>/errors.csv", views.import_errors_csv, name="errors-csv"),
]
