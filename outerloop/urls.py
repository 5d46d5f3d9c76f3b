from django.urls import path

from . import pilot_views, views
from .outcomes import views as outcome_views

app_name = "outerloop"

urlpatterns = [
    path("signals/", views.signal_board, name="signals"),
    path("signals/run/", views.signals_run, name="signals-run"),
    path("signals/<int:pk>/", views.signal_detail, name="signal"),
    path("signals/<int:pk>/<slug:action>/", views.signal_action, name="signal-action"),
    path("initiatives/", views.initiative_list, name="initiatives"),
    path("initiatives/<int:pk>/", views.initiative_detail, name="initiative"),
    path(
        "initiatives/<int:pk>/milestones/<int:milestone_id>/done/",
        views.milestone_done,
        name="milestone-done",
    ),
    path("initiatives/<int:pk>/tell-customers/", views.tell_customers, name="tell-customers"),
    path("initiatives/<int:pk>/pilots/create/", pilot_views.pilot_create, name="pilot-create"),
    path(
        "initiatives/<int:pk>/pilots/<int:pilot_id>/<slug:action>/",
        pilot_views.pilot_action,
        name="pilot-action",
    ),
    path("initiatives/<int:pk>/<slug:action>/", views.initiative_action, name="initiative-action"),
    path("you-said-we-did/", views.you_said_we_did, name="you-said-we-did"),
    path("raised/", outcome_views.raised_list, name="raised"),
]
