"""Administration of finance records: ownership only. Figures are entered on the staff pages,
where they are validated and checked; the admin never edits them."""

from django.contrib import admin

from .models import Account, BondLedger, ComparisonTable, Fund, Grant


class FinanceRecordAdmin(admin.ModelAdmin):
    list_filter = ["fiscal_year", "department"]
    list_select_related = ["department"]
    fields = ["fiscal_year", "department", "version", "updated_at", "updated_by"]
    readonly_fields = ["fiscal_year", "version", "updated_at", "updated_by"]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(Account)
class AccountAdmin(FinanceRecordAdmin):
    list_display = ["name", "fiscal_year", "kind", "department"]
    search_fields = ["name", "key"]


@admin.register(ComparisonTable)
class ComparisonTableAdmin(FinanceRecordAdmin):
    list_display = ["title", "fiscal_year", "department"]
    search_fields = ["title", "key"]


@admin.register(BondLedger)
class BondLedgerAdmin(FinanceRecordAdmin):
    list_display = ["__str__", "fiscal_year", "department"]


@admin.register(Fund)
class FundAdmin(FinanceRecordAdmin):
    list_display = ["name", "fiscal_year", "department"]
    search_fields = ["name", "key"]


@admin.register(Grant)
class GrantAdmin(FinanceRecordAdmin):
    list_display = ["name", "fiscal_year", "department"]
    search_fields = ["name", "key"]
