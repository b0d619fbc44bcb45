from django.urls import path, re_path

from . import views, views_builds, views_editor, views_interchange, views_workflow

urlpatterns = [
    path("", views.staff_home, name="staff-home"),
    # Writing a section (reports.views_editor)
    path("reports/<int:fiscal_year>/", views_editor.report_sections, name="report-sections"),
    path("sections/<int:pk>/", views_editor.section_editor, name="section-editor"),
    path("sections/<int:pk>/preview/", views_editor.section_preview, name="section-preview"),
    path("sections/<int:pk>/presence/", views_editor.section_presence, name="section-presence"),
    path("sections/<int:pk>/items/", views_editor.item_create, name="item-create"),
    path(
        "sections/<int:pk>/start-from-previous/",
        views_editor.section_start_from_previous,
        name="section-start-from-previous",
    ),
    path("sections/<int:pk>/history/", views_editor.section_history, name="section-history"),
    path(
        "sections/<int:pk>/history/<int:revision_id>/",
        views_editor.section_revision,
        name="section-revision",
    ),
    path(
        "sections/<int:pk>/history/<int:revision_id>/restore/",
        views_editor.section_restore,
        name="section-restore",
    ),
    path("items/<int:pk>/", views_editor.item_update, name="item-update"),
    path("items/<int:pk>/action/", views_editor.item_action, name="item-action"),
    path("items/<int:pk>/add/", views_editor.item_add, name="item-add"),
    path("items/<int:pk>/blocks/", views_editor.block_create, name="block-create"),
    path("blocks/<int:pk>/", views_editor.block_update, name="block-update"),
    path("blocks/<int:pk>/edit/", views_editor.block_edit, name="block-edit"),
    path("blocks/<int:pk>/closed/", views_editor.block_closed, name="block-closed"),
    path("blocks/<int:pk>/action/", views_editor.block_action, name="block-action"),
    path("blocks/<int:pk>/xlsx/", views_editor.block_xlsx, name="block-xlsx"),
    path("blocks/<int:pk>/xlsx/upload/", views_editor.block_xlsx_upload, name="block-xlsx-upload"),
]

# The review workflow (reports/views_workflow.py).
urlpatterns += [
    path("review/", views_workflow.workflow_index, name="workflow-index"),
    path(
        "sections/<int:pk>/review/", views_workflow.section_review, name="workflow-section-review"
    ),
    path(
        "sections/<int:pk>/workflow/<slug:action>/",
        views_workflow.section_transition,
        name="workflow-section-transition",
    ),
    path(
        "sections/<int:pk>/comments/<int:comment_pk>/resolve/",
        views_workflow.comment_resolve,
        name="workflow-comment-resolve",
    ),
    path(
        "sections/<int:pk>/review/preview/",
        views_workflow.section_preview,
        name="workflow-section-preview",
    ),
    path(
        "reports/<int:fiscal_year>/preview/",
        views_workflow.report_preview,
        name="workflow-report-preview",
    ),
    path(
        "reports/<int:fiscal_year>/dashboard/",
        views_workflow.dashboard,
        name="workflow-dashboard",
    ),
    path(
        "reports/<int:fiscal_year>/dashboard.xlsx",
        views_workflow.dashboard_xlsx,
        name="workflow-dashboard-xlsx",
    ),
    path("reports/<int:fiscal_year>/audit/", views_workflow.audit_log, name="workflow-audit"),
    path(
        "reports/<int:fiscal_year>/audit.<str:fmt>",
        views_workflow.audit_export,
        name="workflow-audit-export",
    ),
    path(
        "reports/<int:fiscal_year>/approval/",
        views_workflow.report_approval,
        name="workflow-report-approval",
    ),
    path("notifications/", views_workflow.notification_list, name="workflow-notifications"),
    path(
        "notifications/<int:pk>/",
        views_workflow.notification_open,
        name="workflow-notification-open",
    ),
    path(
        "notifications/read/",
        views_workflow.notifications_mark_read,
        name="workflow-notifications-read",
    ),
]

# Builds and publication (reports.views_builds).
urlpatterns += [
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
        "reports/<int:fiscal_year>/builds/<int:build_id>/",
        views_builds.build_detail,
        name="staff-build-detail",
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

# The interchange format in the staff UI (reports/views_interchange.py).
urlpatterns += [
    path(
        "reports/<int:fiscal_year>/export.json",
        views_interchange.report_export,
        name="interchange-export",
    ),
    path("import/", views_interchange.import_upload, name="interchange-import"),
    path("import/confirm/", views_interchange.import_confirm, name="interchange-import-confirm"),
]
