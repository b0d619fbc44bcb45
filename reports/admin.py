"""Django admin, in Japanese: departments, staff and their roles, fiscal years."""

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from akiruno import two_factor
from akiruno.login_events import record_event

from .models import AnnualReport, Department, Section, User
from .permissions import policy

# django-otp's device admins show each secret as a QR code and list the recovery codes: an
# administrator resets a second factor (the action on 職員) but never reads one.
for _model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "kind", "parent", "display_order", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "code"]
    ordering = ["display_order", "code"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = [
        "username",
        "full_name",
        "department",
        "is_editor",
        "is_head",
        "is_reviewer",
        "is_superuser",
        "is_active",
    ]
    list_filter = ["department", "is_editor", "is_head", "is_reviewer", "is_superuser", "is_active"]
    search_fields = ["username", "full_name", "email"]
    actions = ["unlock_login", "reset_second_factor"]

    @admin.action(description="2段階認証をリセットする（次のログインで設定し直し）")
    def reset_second_factor(self, request, queryset) -> None:
        names = []
        for user in queryset:
            if two_factor.reset_second_factor(user):
                record_event(request, "otp_reset", user=user, actor=request.user)
                names.append(str(user))
        if names:
            self.message_user(
                request, f"{'、'.join(names)} の2段階認証をリセットしました。", messages.SUCCESS
            )
        else:
            self.message_user(
                request, "選んだ職員には2段階認証が設定されていません。", messages.WARNING
            )

    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("職員情報", {"fields": ("full_name", "email", "department")}),
        (
            "役割",
            {
                "fields": (
                    "is_editor",
                    "is_head",
                    "is_reviewer",
                    "is_superuser",
                    "is_staff",
                    "is_active",
                )
            },
        ),
        ("記録", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "full_name", "department", "password1", "password2"),
            },
        ),
    )

    @admin.action(description="選択した利用者のログインのロックを解除する")
    def unlock_login(self, request, queryset):
        from akiruno.auth import unlock_login
        from akiruno.models import LoginEvent

        if not policy.can(request.user, "unlock", LoginEvent()):
            self.message_user(request, "ロックの解除は管理者だけができます。", messages.ERROR)
            return
        for user in queryset:
            unlock_login(username=user.username, actor=request.user, via="管理画面")
        self.message_user(request, f"{queryset.count()}人のログインのロックを解除しました。")


@admin.register(AnnualReport)
class AnnualReportAdmin(admin.ModelAdmin):
    list_display = ["title", "fiscal_year", "deadline", "state"]
    readonly_fields = ["state", "version", "approved_at", "approved_by"]


@admin.register(Section)
class SectionAdmin(admin.ModelAdmin):
    """Read-only here: content and states change only through the editor and the workflow."""

    list_display = ["report", "department_name", "state", "content_version", "updated_at"]
    list_filter = ["report", "state"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


# -- the review workflow: events and snapshots are append-only, so the admin only shows them ---
from .models import ImportRecord, ReportEvent, SectionEvent, SectionSnapshot  # noqa: E402


class ReadOnlyAdmin(admin.ModelAdmin):
    """View only: no add, change or delete, and no bulk actions (the delete action included)."""

    actions = None

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(SectionEvent)
class SectionEventAdmin(ReadOnlyAdmin):
    list_display = [
        "created_at",
        "section",
        "action",
        "from_state",
        "to_state",
        "content_version",
        "actor",
    ]
    list_filter = ["action", "section__report"]
    search_fields = ["section__department_name", "actor__username", "actor__full_name", "comment"]
    list_select_related = ["section__report", "actor"]
    date_hierarchy = "created_at"


@admin.register(ReportEvent)
class ReportEventAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "report", "action", "actor"]
    list_filter = ["action", "report"]
    list_select_related = ["report", "actor"]


@admin.register(SectionSnapshot)
class SectionSnapshotAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "section", "content_version", "checksum"]
    list_filter = ["section__report"]
    list_select_related = ["section__report"]


@admin.register(ImportRecord)
class ImportRecordAdmin(ReadOnlyAdmin):
    list_display = ["pk", "created_at", "kind", "fiscal_year", "department", "source", "actor"]
    list_filter = ["kind", "fiscal_year", "source"]
    list_select_related = ["actor"]
    exclude = ["before"]
    date_hierarchy = "created_at"


from .models import Build  # noqa: E402


@admin.register(Build)
class BuildAdmin(ReadOnlyAdmin):
    """View only: builds are made and retried by the assembly (the builds page), and a
    published build is immutable (its model, a database trigger and the public site's checksum
    check all refuse a change)."""

    list_display = ["pk", "report", "kind", "status", "edition", "published_at", "finished_at"]
    list_filter = ["kind", "status", "report"]
    list_select_related = ["report"]
    exclude = ["content_version"]
