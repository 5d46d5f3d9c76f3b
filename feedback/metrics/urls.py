"""Routes of the metrics API, under /api/v1/metrics/."""

from django.urls import path

from . import apis

urlpatterns = [
    path("nps/", apis.NpsReportApi.as_view(), name="metrics-nps"),
    path("csat/", apis.CsatReportApi.as_view(), name="metrics-csat"),
    path("ces/", apis.CesReportApi.as_view(), name="metrics-ces"),
]
