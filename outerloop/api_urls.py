from django.urls import path

from . import apis

urlpatterns = [
    path("signals/", apis.SignalListApi.as_view(), name="signal-list"),
    path("signals/<int:pk>/", apis.SignalDetailApi.as_view(), name="signal-detail"),
    path("signals/<int:pk>/dismiss/", apis.SignalDismissApi.as_view(), name="signal-dismiss"),
    path("signals/<int:pk>/merge/", apis.SignalMergeApi.as_view(), name="signal-merge"),
    path("signals/<int:pk>/promote/", apis.SignalPromoteApi.as_view(), name="signal-promote"),
    path("initiatives/", apis.InitiativeListApi.as_view(), name="initiative-list"),
    path("initiatives/<int:pk>/", apis.InitiativeDetailApi.as_view(), name="initiative-detail"),
    path(
        "initiatives/<int:pk>/transition/",
        apis.InitiativeTransitionApi.as_view(),
        name="initiative-transition",
    ),
]
