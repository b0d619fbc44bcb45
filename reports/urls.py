from django.urls import path

from . import views, views_workflow

urlpatterns = [
    path("", views.staff_home, name="staff-home"),
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
        "sections/<int:pk>/preview/",
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
