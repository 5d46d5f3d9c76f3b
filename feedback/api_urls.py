from django.urls import include, path

from . import apis
from .transactions.apis import CustomerTransactionCollectionApi

urlpatterns = [
    path("feedback/", apis.FeedbackCollectionApi.as_view(), name="feedback-collection"),
    path("sources/", apis.SourceListApi.as_view(), name="source-list"),
    path("feedback/<int:pk>/", apis.FeedbackDetailApi.as_view(), name="feedback-detail"),
    path("metrics/", include("feedback.metrics.urls")),
    path(
        "customer-transactions/",
        CustomerTransactionCollectionApi.as_view(),
        name="customer-transaction-collection",
    ),
]
