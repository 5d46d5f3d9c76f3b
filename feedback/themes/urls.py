from django.urls import path

from . import views

app_name = "themes"

urlpatterns = [
    path("", views.theme_list, name="list"),
    path("<int:pk>/<slug:action>/", views.theme_decide, name="decide"),
]
