"""/api/v1/finance/: finance records in the interchange format.

The record kind is a converter that matches only the known kinds: a bare <slug> also matches
digits, so /finance/2024/5/ used to reach the create view for the slug "5" (405, not 404).
"""

from django.urls import path, register_converter

from . import apis
from .kinds import SLUGS


class KindConverter:
    # Grouped, so the OpenAPI pattern built from it reads ^(?:a|b)$, not ^a|b$ (which admits
    # any string containing one of the kinds).
    regex = "(?:" + "|".join(sorted(SLUGS, key=len, reverse=True)) + ")"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(KindConverter, "finance_kind")

urlpatterns = [
    path("<int:year>/", apis.FinanceYearApi.as_view(), name="api-finance-year"),
    path("<int:year>/start/", apis.FinanceStartYearApi.as_view(), name="api-finance-start"),
    path(
        "<int:year>/<finance_kind:slug>/",
        apis.FinanceRecordCreateApi.as_view(),
        name="api-finance-create",
    ),
    path(
        "<finance_kind:slug>/<int:pk>/", apis.FinanceRecordApi.as_view(), name="api-finance-record"
    ),
]
