from django.urls import path

from . import views
from .intake import views as intake_views

app_name = "feedback"

urlpatterns = [
    path("my-team/", views.my_team, name="my-team"),
    path("teams/<slug:slug>/", views.team_overview, name="team"),
    path("my-department/", views.my_department, name="my-department"),
    path("departments/<slug:slug>/", views.department_overview, name="department"),
    path("organisation/", views.organisation_overview, name="organisation"),
    path("feedback/", views.feedback_list, name="list"),
    path("feedback/<int:pk>/", views.feedback_detail, name="detail"),
    path("feedback/<int:pk>/category/", views.feedback_categorize_view, name="categorize"),
    path("customers/<int:pk>/", views.customer_detail, name="customer"),
    path("feedback/new/", intake_views.quick_feedback, name="quick"),
    path("feedback/staff/", intake_views.employee_feedback, name="employee"),
]
