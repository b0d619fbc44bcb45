from django.urls import path, re_path

from . import views, views_builds

urlpatterns = [
    path("", views.staff_home, name="staff-home"),
    # Builds and publication (reports.views_builds)
    path("reports/<int:fiscal_year>/builds/", views_builds.build_list, name="staff-builds"),
    path(
        "reports/<int:fiscal_year>/builds/start/",
        views_builds.build_start,
        name="staff-build-start",
    ),
    path(
        "reports/<int:fiscal_year>/builds/preview/",
        views_builds.build_preview,
        name="staff-build-preview",
    ),
    path(
        "reports/<int:fiscal_year>/builds/<int:build_id>/progress/",
        views_builds.build_progress,
        name="staff-build-progress",
    ),
    path(
        "reports/<int:fiscal_year>/builds/<int:build_id>/retry/",
        views_builds.build_retry,
        name="staff-build-retry",
    ),
    re_path(
        r"^reports/(?P<fiscal_year>[0-9]+)/builds/(?P<build_id>[0-9]+)/files/(?P<path>.*)$",
        views_builds.build_file,
        name="staff-build-files",
    ),
]
