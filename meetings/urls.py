"""Staff pages for meetings, mounted at /staff/meetings/."""

from django.urls import path

from . import views

app_name = "meetings"

urlpatterns = [
    path("", views.body_list, name="body-list"),
    path("bodies/new/", views.body_create, name="body-create"),
    path("bodies/<int:pk>/", views.body_detail, name="body-detail"),
    path("bodies/<int:pk>/edit/", views.body_edit, name="body-edit"),
    path("bodies/<int:pk>/delete/", views.body_delete, name="body-delete"),
    path("bodies/<int:pk>/sessions/new/", views.session_create, name="session-create"),
    path("bodies/<int:pk>/counts/new/", views.count_create, name="count-create"),
    path("sessions/", views.session_list, name="session-list"),
    path("sessions/export.csv", views.session_export, name="session-export"),
    path("sessions/<int:pk>/edit/", views.session_edit, name="session-edit"),
    path("sessions/<int:pk>/delete/", views.session_delete, name="session-delete"),
    path("counts/<int:pk>/edit/", views.count_edit, name="count-edit"),
    path("counts/<int:pk>/delete/", views.count_delete, name="count-delete"),
    path("import/", views.import_sessions, name="import"),
    path("import/template.<str:fmt>", views.import_template, name="import-template"),
]
