from django.urls import path

from . import apis, ranking_apis

urlpatterns = [
    path("metrics/loop-closure/", apis.LoopClosureApi.as_view(), name="metrics-loop-closure"),
    path("rankings/teams/", ranking_apis.TeamRankingApi.as_view(), name="rankings-teams"),
    path("rankings/people/<slug:slug>/", ranking_apis.PeopleRankingApi.as_view(), name="rankings-people"),
    path("cases/", apis.CaseListApi.as_view(), name="case-list"),
    path("cases/claim-next/", apis.CaseClaimNextApi.as_view(), name="case-claim-next"),
    path("cases/<int:pk>/", apis.CaseDetailApi.as_view(), name="case-detail"),
    # One endpoint per case action the API offers, from the action table (innerloop.actions).
    *(
        path(f"cases/<int:pk>/{route.path}/", apis.CASE_ACTION_APIS[name].as_view(), name=route.url_name)
        for name, route in apis.CASE_API_ROUTES.items()
    ),
]
