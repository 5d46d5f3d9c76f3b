from django.urls import path

from . import views

app_name = "huddles"

urlpatterns = [
    path("huddles/", views.huddle_list, name="list"),
    path("huddles/review/", views.review, name="review"),
    path("huddles/cadence/<int:team_id>/", views.cadence_update, name="cadence"),
    path("huddles/<int:pk>/", views.huddle_detail, name="detail"),
    path("huddles/<int:pk>/prepare/", views.huddle_prepare, name="prepare"),
    path("huddles/<int:pk>/record/", views.huddle_record, name="record"),
    path("huddles/<int:pk>/commitments/", views.commitment_add, name="commitment-add"),
    path(
        "huddles/<int:pk>/commitments/<int:commitment_id>/", views.commitment_state, name="commitment-state"
    ),
    path("huddles/<int:pk>/obstacles/", views.obstacle_add, name="obstacle-add"),
    path(
        "huddles/<int:pk>/obstacles/<int:obstacle_id>/escalate/",
        views.obstacle_escalate,
        name="obstacle-escalate",
    ),
    path("huddles/<int:pk>/review/", views.huddle_review, name="huddle-review"),
]
