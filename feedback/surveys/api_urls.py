"""/api/v1/: creating and reading survey invitations, and the surveys a caller may invite for."""

from django.urls import path

from . import apis

urlpatterns = [
    path(
        "survey-invitations/",
        apis.SurveyInvitationCollectionApi.as_view(),
        name="survey-invitation-collection",
    ),
    path(
        "survey-invitations/<int:pk>/",
        apis.SurveyInvitationDetailApi.as_view(),
        name="survey-invitation-detail",
    ),
    path("surveys/", apis.SurveyListApi.as_view(), name="survey-list"),
]
