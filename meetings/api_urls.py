"""REST API for meetings, mounted at /api/v1/meetings/."""

from django.urls import path

from . import apis

urlpatterns = [
    path("bodies/", apis.BodyListApi.as_view(), name="api-meeting-bodies"),
    path("bodies/<slug:key>/", apis.BodyDetailApi.as_view(), name="api-meeting-body"),
    path("sessions/", apis.SessionListApi.as_view(), name="api-meeting-sessions"),
    path("sessions/<int:pk>/", apis.SessionDetailApi.as_view(), name="api-meeting-session"),
    path("manual-counts/", apis.ManualCountListApi.as_view(), name="api-meeting-manual-counts"),
    path(
        "manual-counts/<int:pk>/",
        apis.ManualCountDetailApi.as_view(),
        name="api-meeting-manual-count",
    ),
    path("import/", apis.SessionImportApi.as_view(), name="api-meeting-import"),
    path("export/", apis.MeetingsExportApi.as_view(), name="api-meeting-export"),
]
