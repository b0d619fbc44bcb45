"""Staff URLs of the finance division's tables, under /staff/finance/."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.finance_home, name="finance-home"),
    path("<int:year>/", views.year_overview, name="finance-year"),
    path("<int:year>/download.xlsx", views.year_download, name="finance-year-download"),
    path("<int:year>/start/", views.year_start, name="finance-year-start"),
    path("<int:year>/<slug:slug>/new/", views.record_new, name="finance-record-new"),
    path("<slug:slug>/<int:pk>/", views.record_detail, name="finance-record"),
    path("<slug:slug>/<int:pk>/paste/", views.record_paste, name="finance-record-paste"),
    path("<slug:slug>/<int:pk>/upload/", views.record_upload, name="finance-record-upload"),
    path(
        "<slug:slug>/<int:pk>/download.xlsx", views.record_download, name="finance-record-download"
    ),
    path("<slug:slug>/<int:pk>/delete/", views.record_delete, name="finance-record-delete"),
]
