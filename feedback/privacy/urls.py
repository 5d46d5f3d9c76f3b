from django.urls import path

from . import views

app_name = "privacy"

urlpatterns = [
    path("erase/", views.customer_erase_view, name="erase"),
    path("retention/", views.retention_overview, name="retention"),
]
