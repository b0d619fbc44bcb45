"""The versioned REST API (/api/v1/)."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-docs"),
    path("meetings/", include("meetings.api_urls")),
    path("finance/", include("finance.api_urls")),
]
