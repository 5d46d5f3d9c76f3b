from django.urls import path

from . import apis

urlpatterns = [
    path("decisions/", apis.DecisionListApi.as_view(), name="decision-list"),
    path("decisions/open/", apis.DecisionOpenApi.as_view(), name="decision-open"),
    path("decisions/<int:pk>/", apis.DecisionDetailApi.as_view(), name="decision-detail"),
    path("decisions/<int:pk>/vote/", apis.DecisionVoteApi.as_view(), name="decision-vote"),
    path("meetings/<int:pk>/proxies/", apis.MeetingProxiesApi.as_view(), name="meeting-proxies"),
    path(
        "meetings/<int:pk>/proxies/<int:seat_id>/",
        apis.MeetingProxyWithdrawApi.as_view(),
        name="meeting-proxy-withdraw",
    ),
]
