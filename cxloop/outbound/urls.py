from django.urls import path

from . import views

app_name = "outbound"

urlpatterns = [
    path("", views.endpoint_list, name="list"),
    path("new/", views.endpoint_create, name="create"),
    path("<int:pk>/", views.endpoint_detail, name="detail"),
    path("<int:pk>/edit/", views.endpoint_edit, name="edit"),
    path("<int:pk>/deliveries/<int:delivery_pk>/retry/", views.delivery_retry, name="retry"),
    path("<int:pk>/<slug:action>/", views.endpoint_action, name="action"),
]
