from django.urls import path

from . import views
from .review_pack import views as review_pack_views

app_name = "governance"

urlpatterns = [
    path("committee/", views.committee_home, name="committee"),
    path("committee/accountability/", views.accountability, name="accountability"),
    path("committee/meetings/<int:pk>/", views.meeting_detail, name="meeting"),
    path("committee/meetings/<int:pk>/<slug:action>/", views.meeting_action, name="meeting-action"),
    path("committee/review-pack/", review_pack_views.review_pack_page, name="review-pack"),
    path("committee/review-pack.pdf", review_pack_views.review_pack_download, name="review-pack-pdf"),
    path("committee/<slug:action>/", views.committee_action, name="committee-action"),
]
