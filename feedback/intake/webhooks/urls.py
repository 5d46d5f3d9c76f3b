from django.urls import path

from . import views

app_name = "webhooks"

urlpatterns = [
    path("<slug:source_slug>/", views.webhook_receive, name="receive"),
]
