"""Finance records: accounts and their budget execution, year-over-year tables, bonds, funds, grants.

Every amount is an exact integer in the unit its record states (千円 or 円); nothing computed
is stored (補正予算額合計, 最終予算額, 合計 rows, 増△減, 比率, closing balances). The arithmetic
lives in finance.compute, validation in finance.validation, writes in finance.services.
"""

from __future__ import annotations

from django.db import models

from akiruno.models import VersionedRecord
from reports.models import Department


class Unit(models.TextChoices):
    THOUSAND_YEN = "千円", "千円"
    YEN = "円", "円"


class FinanceRecord(VersionedRecord):
    """A record of one fiscal year owned by a department (the finance division, by default)."""

    fiscal_year = models.PositiveSmallIntegerField("年度", db_index=True)
    department = models.ForeignKey(
        Department, verbose_name="担当課", on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        abstract = True


class Account(FinanceRecord):
    """A 会計 of one fiscal year (一般会計, a 特別会計, a 公営企業会計) with its budget execution."""

    class Kind(models.TextChoices):
        GENERAL = "general", "一般会計"
        SPECIAL = "special", "特別会計"
        ENTERPRISE = "enterprise", "公営企業会計"

    key = models.SlugField("キー", max_length=50)
    name = models.CharField("会計名", max_length=100)
    kind = models.CharField("種別", max_length=20, choices=Kind.choices)
    unit = models.CharField("単位", max_length=4, choices=Unit.choices, default=Unit.THOUSAND_YEN)
    order = models.PositiveIntegerField("表示順", default=0)
    supplementary_count = models.PositiveSmallIntegerField(
        "補正予算の数",
        default=0,
        help_text="この年度のこの会計の補正予算（第1号…第n号）の数。",
    )

    class Meta:
        verbose_name = "会計"
        verbose_name_plural = "会計"
        ordering = ["fiscal_year", "order", "key"]
        constraints = [
            models.UniqueConstraint(fields=["fiscal_year", "key"], name="finance_account_key"),
        ]

    def __str__(self) -> str:
        return f"{self.fiscal_year}年度 {self.name}"


class BudgetLine(models.Model):
    """A 款 (or, with a parent, a 項 under it) of one side of an account's statement.

    A line with sub-lines has no figures of its own: they are the sums of its sub-lines.
    """

    class Part(models.TextChoices):
        REVENUE = "revenue", "歳入"
        EXPENDITURE = "expenditure", "歳出"
        OPERATING_REVENUE = "operating_revenue", "収益的収入"
        OPERATING_EXPENDITURE = "operating_expenditure", "収益的支出"
        CAPITAL_REVENUE = "capital_revenue", "資本的収入"
        CAPITAL_EXPENDITURE = "capital_expenditure", "資本的支出"

    account = models.ForeignKey(
        Account, verbose_name="会計", on_delete=models.CASCADE, related_name="lines"
    )
    part = models.CharField("区分", max_length=30, choices=Part.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name="款",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="children",
    )
    position = models.PositiveIntegerField("順序", default=0)
    number = models.CharField("番号", max_length=10, blank=True)
    name = models.CharField("科目", max_length=100)
    initial = models.BigIntegerField("当初予算額", null=True, blank=True)
    appropriation = models.BigIntegerField("充当額", null=True, blank=True)
    settlement = models.BigIntegerField("決算額", null=True, blank=True)

    class Meta:
        verbose_name = "予算の執行状況の行"
        verbose_name_plural = "予算の執行状況の行"
        ordering = ["account", "part", "position", "id"]

    def __str__(self) -> str:
        return f"{self.number} {self.name}".strip()


class SupplementaryAmount(models.Model):
    """The amount of supplementary budget 第n号 on one line (absent: an empty cell)."""

    line = models.ForeignKey(
        BudgetLine, verbose_name="行", on_delete=models.CASCADE, related_name="supplementary"
    )
    number = models.PositiveSmallIntegerField("第n号")
    amount = models.BigIntegerField("補正予算額")

    class Meta:
        verbose_name = "補正予算額"
        verbose_name_plural = "補正予算額"
        ordering = ["line", "number"]
        constraints = [
            models.UniqueConstraint(fields=["line", "number"], name="finance_supplementary_once"),
            models.CheckConstraint(condition=models.Q(number__gte=1), name="finance_supp_number"),
        ]

    def __str__(self) -> str:
        return f"第{self.number}号 {self.amount}"


class ComparisonTable(FinanceRecord):
    """A 年度比較表: 本年度 | 前年度 | 増△減 | 比率 with formula rows over lettered rows."""

    key = models.SlugField("キー", max_length=50)
    title = models.CharField("表題", max_length=200)
    unit = models.CharField("単位", max_length=4, choices=Unit.choices, default=Unit.THOUSAND_YEN)
    order = models.PositiveIntegerField("表示順", default=0)
    carryover_note = models.CharField(
        "前年度との差異の理由",
        max_length=500,
        blank=True,
        help_text="前年度欄が前年度の本年度欄と異なる理由（異なる場合のみ）。",
    )

    class Meta:
        verbose_name = "年度比較表"
        verbose_name_plural = "年度比較表"
        ordering = ["fiscal_year", "order", "key"]
        constraints = [
            models.UniqueConstraint(fields=["fiscal_year", "key"], name="finance_comparison_key"),
        ]

    def __str__(self) -> str:
        return f"{self.fiscal_year}年度 {self.title}"


class ComparisonRow(models.Model):
    """A row of a 年度比較表: typed figures, or a formula over the letters of earlier rows."""

    table = models.ForeignKey(
        ComparisonTable, verbose_name="年度比較表", on_delete=models.CASCADE, related_name="rows"
    )
    position = models.PositiveIntegerField("順序", default=0)
    letter = models.CharField("記号", max_length=4, blank=True)
    label = models.CharField("区分", max_length=200)
    current = models.BigIntegerField("本年度", null=True, blank=True)
    previous = models.BigIntegerField("前年度", null=True, blank=True)
    formula = models.CharField("計算式", max_length=100, blank=True)

    class Meta:
        verbose_name = "年度比較表の行"
        verbose_name_plural = "年度比較表の行"
        ordering = ["table", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(formula="")
                | models.Q(current__isnull=True, previous__isnull=True),
                name="finance_comparison_formula_or_figures",
            ),
        ]

    def __str__(self) -> str:
        return self.label


class BondLedger(FinanceRecord):
    """The 地方債 of one account and fiscal year: the loans taken and the balances by lender.

    `account` empty is the general account's ledger (一般会計: the ledger every year had before
    ledgers per account); a special or enterprise account that borrows has its own ledger. A
    lender may appear in several ledgers; each ledger rolls forward on its own.
    """

    account = models.ForeignKey(
        Account,
        verbose_name="会計",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="bond_ledgers",
        help_text="空欄は一般会計の地方債。特別会計・公営企業会計の地方債はその会計を指定します。",
    )
    unit = models.CharField("単位", max_length=4, choices=Unit.choices, default=Unit.THOUSAND_YEN)

    class Meta:
        verbose_name = "地方債"
        verbose_name_plural = "地方債"
        ordering = ["fiscal_year", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["fiscal_year"],
                condition=models.Q(account__isnull=True),
                name="finance_one_general_bond_ledger",
            ),
            models.UniqueConstraint(
                fields=["fiscal_year", "account"],
                condition=models.Q(account__isnull=False),
                name="finance_one_bond_ledger_per_account",
            ),
        ]

    @property
    def account_name(self) -> str:
        return self.account.name if self.account_id else "一般会計"

    def __str__(self) -> str:
        if self.account_id:
            return f"{self.fiscal_year}年度 地方債（{self.account.name}）"
        return f"{self.fiscal_year}年度 地方債"


class Loan(models.Model):
    """A loan taken in the fiscal year (借入)."""

    ledger = models.ForeignKey(
        BondLedger, verbose_name="地方債", on_delete=models.CASCADE, related_name="loans"
    )
    position = models.PositiveIntegerField("順序", default=0)
    purpose = models.CharField("借入目的", max_length=200)
    amount = models.BigIntegerField("借入額")
    borrowed_on = models.DateField("借入日")
    lender = models.CharField("借入先", max_length=100)
    rate = models.DecimalField("利率（％）", max_digits=6, decimal_places=3)
    term_years = models.PositiveSmallIntegerField("償還期間（年）")
    grace_years = models.PositiveSmallIntegerField("据置期間（年）", default=0)

    class Meta:
        verbose_name = "借入"
        verbose_name_plural = "借入"
        ordering = ["ledger", "position", "id"]

    def __str__(self) -> str:
        return self.purpose


class LenderBalance(models.Model):
    """The balance owed to one lender: 前年度末現在高 + 借入額 − 元金償還額 = 年度末現在高."""

    ledger = models.ForeignKey(
        BondLedger, verbose_name="地方債", on_delete=models.CASCADE, related_name="balances"
    )
    position = models.PositiveIntegerField("順序", default=0)
    lender = models.CharField("借入先", max_length=100)
    opening = models.BigIntegerField("前年度末現在高")
    repaid = models.BigIntegerField("元金償還額", default=0)
    carryover_note = models.CharField("前年度との差異の理由", max_length=500, blank=True)

    class Meta:
        verbose_name = "借入先別現在高"
        verbose_name_plural = "借入先別現在高"
        ordering = ["ledger", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["ledger", "lender"], name="finance_lender_once"),
        ]

    def __str__(self) -> str:
        return self.lender


class Fund(FinanceRecord):
    """A 基金: 前年度末現在高 + 積立額 − 繰入額 = 年度末現在高, with breakdowns."""

    key = models.SlugField("キー", max_length=50)
    name = models.CharField("基金名", max_length=200)
    unit = models.CharField("単位", max_length=4, choices=Unit.choices, default=Unit.THOUSAND_YEN)
    order = models.PositiveIntegerField("表示順", default=0)
    opening = models.BigIntegerField("前年度末現在高")
    carryover_note = models.CharField("前年度との差異の理由", max_length=500, blank=True)

    class Meta:
        verbose_name = "基金"
        verbose_name_plural = "基金"
        ordering = ["fiscal_year", "order", "key"]
        constraints = [
            models.UniqueConstraint(fields=["fiscal_year", "key"], name="finance_fund_key"),
        ]

    def __str__(self) -> str:
        return f"{self.fiscal_year}年度 {self.name}"


class FundEntry(models.Model):
    """One line of a fund's breakdowns: a deposit, a withdrawal, or a sub-balance by purpose."""

    class Kind(models.TextChoices):
        DEPOSIT = "deposit", "積立額"
        WITHDRAWAL = "withdrawal", "繰入額"
        SUB_BALANCE = "sub_balance", "目的別現在高"

    fund = models.ForeignKey(
        Fund, verbose_name="基金", on_delete=models.CASCADE, related_name="entries"
    )
    kind = models.CharField("区分", max_length=20, choices=Kind.choices)
    position = models.PositiveIntegerField("順序", default=0)
    label = models.CharField("内容", max_length=200)
    amount = models.BigIntegerField("金額")

    class Meta:
        verbose_name = "基金の内訳"
        verbose_name_plural = "基金の内訳"
        ordering = ["fund", "kind", "position", "id"]

    def __str__(self) -> str:
        return self.label


class Grant(FinanceRecord):
    """A grant received (交付金) and the projects it was charged to; Σ 充当額 = 交付額."""

    key = models.SlugField("キー", max_length=50)
    name = models.CharField("交付金名", max_length=200)
    unit = models.CharField("単位", max_length=4, choices=Unit.choices, default=Unit.THOUSAND_YEN)
    order = models.PositiveIntegerField("表示順", default=0)
    received = models.BigIntegerField("交付額")

    class Meta:
        verbose_name = "交付金"
        verbose_name_plural = "交付金"
        ordering = ["fiscal_year", "order", "key"]
        constraints = [
            models.UniqueConstraint(fields=["fiscal_year", "key"], name="finance_grant_key"),
        ]

    def __str__(self) -> str:
        return f"{self.fiscal_year}年度 {self.name}"


class GrantProject(models.Model):
    """A project with the amount charged to a grant (充当額)."""

    grant = models.ForeignKey(
        Grant, verbose_name="交付金", on_delete=models.CASCADE, related_name="projects"
    )
    position = models.PositiveIntegerField("順序", default=0)
    name = models.CharField("事業名", max_length=200)
    amount = models.BigIntegerField("充当額")
    description = models.TextField("事業内容", blank=True)

    class Meta:
        verbose_name = "交付金充当事業"
        verbose_name_plural = "交付金充当事業"
        ordering = ["grant", "position", "id"]

    def __str__(self) -> str:
        return self.name
