"""/api/v1/finance/: finance records in the interchange format."""

from django.urls import path

from . import apis

urlpatterns = [
    path("<int:year>/", apis.FinanceYearApi.as_view(), name="api-finance-year"),
    path("<int:year>/start/", apis.FinanceStartYearApi.as_view(), name="api-finance-start"),
    path(
        "<int:year>/<slug:slug>/", apis.FinanceRecordCreateApi.as_view(), name="api-finance-create"
    ),
    path("<slug:slug>/<int:pk>/", apis.FinanceRecordApi.as_view(), name="api-finance-record"),
]
