from django.urls import path

from . import apis

urlpatterns = [
    path("metrics/loop-closure/", apis.LoopClosureApi.as_view(), name="metrics-loop-closure"),
    path("cases/", apis.CaseListApi.as_view(), name="case-list"),
    path("cases/claim-next/", apis.CaseClaimNextApi.as_view(), name="case-claim-next"),
    path("cases/<int:pk>/", apis.CaseDetailApi.as_view(), name="case-detail"),
    path("cases/<int:pk>/log-contact/", apis.CaseLogContactApi.as_view(), name="case-log-contact"),
    path("cases/<int:pk>/message/", apis.CaseMessageApi.as_view(), name="case-message"),
    path("cases/<int:pk>/resolve/", apis.CaseResolveApi.as_view(), name="case-resolve"),
    path("cases/<int:pk>/reopen/", apis.CaseReopenApi.as_view(), name="case-reopen"),
    path("cases/<int:pk>/status/", apis.CaseStatusApi.as_view(), name="case-status"),
    path("cases/<int:pk>/close/", apis.CaseCloseApi.as_view(), name="case-close"),
    path("cases/<int:pk>/note/", apis.CaseNoteApi.as_view(), name="case-note"),
]
