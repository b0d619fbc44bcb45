"""The login audit in the Django admin: administrators filter it and export it as CSV.

Entries are append-only, so the admin shows them and never adds, changes or deletes one. Who
may see it is the permission policy's decision (administrators only), not Django's model
permissions.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator

from django.contrib import admin
from django.http import StreamingHttpResponse
from django.utils import timezone

from reports.permissions import policy
from reports.services.rendering import neutralise

from .models import LoginEvent

CSV_HEADER = [
    "日時",
    "種類",
    "ユーザー名（入力値）",
    "利用者",
    "操作した管理者",
    "接続元アドレス",
    "ブラウザ等",
    "詳細",
]


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_cell(value: object) -> str:
    """A text cell that a spreadsheet will not run as a formula (=, +, -, @, tab, CR)."""
    return neutralise("" if value is None else str(value))


def login_event_rows(events: Iterable[LoginEvent]) -> Iterator[list[str]]:
    for event in events:
        yield [
            csv_cell(timezone.localtime(event.created_at).strftime("%Y-%m-%d %H:%M:%S")),
            csv_cell(event.get_kind_display()),
            csv_cell(event.username),
            csv_cell(event.user.username if event.user else ""),
            csv_cell(event.actor.username if event.actor else ""),
            csv_cell(event.address),
            csv_cell(event.user_agent),
            csv_cell(event.detail),
        ]


def login_events_csv(events: Iterable[LoginEvent]) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())

    def stream() -> Iterator[str]:
        yield "\ufeff"  # a BOM, so that Excel opens the UTF-8 file as Japanese text
        yield writer.writerow(CSV_HEADER)
        for row in login_event_rows(events):
            yield writer.writerow(row)

    response = StreamingHttpResponse(stream(), content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    response["Content-Disposition"] = f'attachment; filename="login-events-{stamp}.csv"'
    response["Cache-Control"] = "private, no-store"
    return response


@admin.register(LoginEvent)
class LoginEventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "kind", "username", "user", "actor", "address", "detail"]
    list_filter = ["kind", ("created_at", admin.DateFieldListFilter), "user"]
    search_fields = ["username", "address", "detail"]
    date_hierarchy = "created_at"
    list_select_related = ["user", "actor"]
    ordering = ["-created_at", "-id"]
    actions = ["export_csv"]
    list_per_page = 100

    def _allowed(self, request, action: str = "view") -> bool:
        return policy.can(request.user, action, LoginEvent())

    def has_module_permission(self, request) -> bool:
        return self._allowed(request)

    def has_view_permission(self, request, obj=None) -> bool:
        return self._allowed(request)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def get_queryset(self, request):
        return policy.visible(request.user, LoginEvent, super().get_queryset(request))

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not self._allowed(request, "export"):
            actions.pop("export_csv", None)
        return actions

    @admin.action(description="選択したログイン記録を CSV で書き出す")
    def export_csv(self, request, queryset):
        if not self._allowed(request, "export"):
            return None
        return login_events_csv(queryset.select_related("user", "actor").iterator(chunk_size=2000))
