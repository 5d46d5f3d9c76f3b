from django.urls import path

from . import views

app_name = "rules_admin"

urlpatterns = [
    path("", views.rule_list, name="list"),
    path("new/", views.rule_create, name="create"),
    path("<int:pk>/", views.rule_edit, name="edit"),
    path("<int:pk>/active/", views.rule_toggle, name="toggle"),
]
