"""Public URLs. Fixed names come before the department pattern; RESERVED_CODES in
reports.services.rendering keeps a department code from shadowing them."""

from django.urls import path

from . import public_views as views

urlpatterns = [
    path("", views.public_home, name="public-home"),
    path("search/", views.public_search, name="public-search"),
    path("reports/<int:fiscal_year>/", views.report_index, name="public-report"),
    path("reports/<int:fiscal_year>/all/", views.report_all, name="public-report-all"),
    path("reports/<int:fiscal_year>/report.pdf", views.report_pdf, name="public-report-pdf"),
    path("reports/<int:fiscal_year>/data.zip", views.data_zip, name="public-data-zip"),
    path("reports/<int:fiscal_year>/data/index.json", views.data_index, name="public-data-index"),
    path("reports/<int:fiscal_year>/data/<slug:name>.csv", views.data_csv, name="public-data-csv"),
    path("reports/<int:fiscal_year>/editions/", views.edition_list, name="public-editions"),
    path(
        "reports/<int:fiscal_year>/editions/<int:edition>/<str:name>",
        views.edition_file,
        name="public-edition-file",
    ),
    path(
        "reports/<int:fiscal_year>/<slug:department_code>/",
        views.department_page,
        name="public-department",
    ),
]
