from django.urls import path

from . import views

app_name = "recovery_value"

urlpatterns = [
    path("", views.recovery_value_page, name="page"),
]
