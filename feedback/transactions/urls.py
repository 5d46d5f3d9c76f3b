from django.urls import path

from . import views

app_name = "transactions"

urlpatterns = [
    path("import/", views.transactions_import_view, name="import"),
]
