from django.urls import path

from . import queue_views, saved_view_views, views

app_name = "innerloop"

urlpatterns = [
    path("cases/", queue_views.queue, name="queue"),
    path("cases/counts/", queue_views.queue_counts, name="queue-counts"),
    path("cases/claim-next/", queue_views.claim_next, name="claim-next"),
    path("cases/claim/", queue_views.claim, name="claim"),
    path("cases/assign/", queue_views.bulk_assign, name="bulk-assign"),
    path("cases/views/", saved_view_views.saved_views_manage, name="saved-views"),
    path("cases/views/new/", saved_view_views.saved_view_create, name="saved-view-create"),
    path("cases/views/<int:pk>/rename/", saved_view_views.saved_view_rename, name="saved-view-rename"),
    path("cases/views/<int:pk>/delete/", saved_view_views.saved_view_delete, name="saved-view-delete"),
    path("cases/<int:pk>/", views.case_detail, name="case"),
    path("cases/<int:pk>/<slug:action>/", views.case_action, name="case-action"),
]
