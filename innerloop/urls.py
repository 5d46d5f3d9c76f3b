from django.urls import path

from . import views

app_name = "innerloop"

urlpatterns = [
    path("cases/", views.queue, name="queue"),
    path("cases/counts/", views.queue_counts, name="queue-counts"),
    path("cases/claim-next/", views.claim_next, name="claim-next"),
    path("cases/assign/", views.bulk_assign, name="bulk-assign"),
    path("cases/<int:pk>/", views.case_detail, name="case"),
    path("cases/<int:pk>/<slug:action>/", views.case_action, name="case-action"),
]
