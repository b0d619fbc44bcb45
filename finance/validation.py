"""Validation of finance records in the interchange format. Pure: no database.

`clean_account`, `clean_comparison`, `clean_bonds`, `clean_fund` and `clean_grant` read a raw
record (from JSON, a grid form, a paste or a spreadsheet), add every problem to an `Errors` at a
JSON-pointer place, and return the record normalised: amounts as exact ints, nothing computed.

A raw record may also carry printed figures of computed places (a line's 最終予算額, a part's
合計 row, a balance's 年度末現在高, a formula row's figures …). They are compared with the
computed figure and a difference is an error naming the table, row, column and both figures;
they are never kept.

`identity_problems` lists the identities between separately typed figures (歳入 and 歳出
balance, Σ 充当額 = 交付額, Σ 目的別現在高 = 年度末現在高, every lender of a loan has a balance,
no negative closing balance).
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError

from akiruno import cleaning, numbers, wareki
from akiruno.exceptions import InvalidInput
from reports.blocks import Problem

from . import compute

MAX_LINES = 500
MAX_ROWS = 2000
MAX_SUPPLEMENTARY = 30
KEY_PATTERN = re.compile(r"[a-z0-9][a-z0-9_-]{0,49}")
KINDS = {"general": "一般会計", "special": "特別会計", "enterprise": "公営企業会計"}
UNITS = ("千円", "円")


def finance_department_code() -> str:
    return getattr(settings, "FINANCE_DEPARTMENT_CODE", "zaisei")


class Errors:
    """Every problem found, each at a JSON-pointer place (the first message per place wins)."""

    def __init__(self) -> None:
        self.items: dict[str, str] = {}

    def add(self, where: str, message: str) -> None:
        self.items.setdefault(where, message)

    def __bool__(self) -> bool:
        return bool(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def raise_if_any(self, what: str) -> None:
        if self.items:
            raise InvalidInput(
                f"{what}の入力内容に誤りがあります（{len(self.items)}件）。",
                details=dict(self.items),
            )


def fmt(value: int | Decimal | None) -> str:
    if value is None:
        return "－"
    if isinstance(value, Decimal):
        return numbers.format_decimal(value, 1)
    return numbers.format_integer(value)


def mismatch(what: str, entered: int | Decimal, computed: int | Decimal | None) -> str:
    return f"{what}が一致しません：入力 {fmt(entered)}、計算 {fmt(computed)}"


# -- cells ------------------------------------------------------------------------------------


def _blank(value: Any) -> bool:
    return value is None or (
        isinstance(value, str) and wareki.to_halfwidth(value).strip() in numbers.NO_VALUE_MARKS
    )


def text(
    value: Any,
    where: str,
    errors: Errors,
    *,
    what: str,
    required: bool = False,
    limit: int = 200,
    squeeze: bool = False,
) -> str:
    """A text cell; `squeeze` removes every space (款 names are printed letter-spaced)."""
    if value is None:
        value = ""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        errors.add(where, f"{what}は文字で入力してください。")
        return ""
    value = value.replace("\r\n", "\n").strip()
    if squeeze:
        value = re.sub(r"\s+", "", value)
    if required and not value:
        errors.add(where, f"{what}を入力してください。")
    if len(value) > limit:
        errors.add(where, f"{what}は{limit:,}文字以内で入力してください（{len(value):,}文字）。")
    return value


def amount(
    value: Any,
    where: str,
    errors: Errors,
    *,
    what: str,
    unit: str | None,
    required: bool = False,
    negative: bool = True,
) -> int | None:
    """An amount cell: an int, or text as staff type it (全角, カンマ, △/▲, 円/千円)."""
    if _blank(value):
        if required:
            errors.add(where, f"{what}を入力してください。")
        return None
    if isinstance(value, bool):
        errors.add(where, f"{what}は整数で入力してください。")
        return None
    if isinstance(value, float | Decimal):
        errors.add(where, f"{what}：「{value}」は整数ではありません。小数は入力できません。")
        return None
    if not isinstance(value, int | str):
        errors.add(where, f"{what}は整数で入力してください。")
        return None
    try:
        parsed = numbers.parse_amount(value, unit=unit if unit in UNITS else None)
    except ValidationError as exc:
        errors.add(where, f"{what}：{' '.join(exc.messages)}")
        return None
    if parsed < 0 and not negative:
        errors.add(where, f"{what}：負の値（{fmt(parsed)}）は入力できません。")
        return None
    return parsed


def integer(
    value: Any,
    where: str,
    errors: Errors,
    *,
    what: str,
    default: int | None = None,
    low: int = 0,
    high: int = 10**9,
) -> int | None:
    if _blank(value):
        if default is None:
            errors.add(where, f"{what}を入力してください。")
        return default
    if isinstance(value, bool) or not isinstance(value, int | str):
        errors.add(where, f"{what}は整数で入力してください。")
        return default
    try:
        parsed = numbers.parse_integer(value)
    except ValidationError as exc:
        errors.add(where, f"{what}：{' '.join(exc.messages)}")
        return default
    if not low <= parsed <= high:
        errors.add(where, f"{what}は{low}～{high:,}で入力してください（{parsed:,}）。")
        return default
    return parsed


def ratio_value(value: Any, where: str, errors: Errors, *, what: str) -> Decimal | None:
    if _blank(value):
        return None
    if isinstance(value, bool) or not isinstance(value, int | str | Decimal):
        errors.add(where, f"{what}は「3.3」のように入力してください。")
        return None
    try:
        return numbers.parse_decimal(value)
    except ValidationError as exc:
        errors.add(where, f"{what}：{' '.join(exc.messages)}")
        return None


def choice(value: Any, where: str, errors: Errors, *, what: str, choices: dict[str, str]) -> str:
    if value in choices:
        return value
    for key, label in choices.items():
        if value == label:
            return key
    options = "、".join(f"{k}（{v}）" if k != v else k for k, v in choices.items())
    errors.add(where, f"{what}「{value}」は使えません。使えるもの: {options}")
    return next(iter(choices))


def _dict(raw: Any, where: str, errors: Errors, what: str) -> dict:
    if not isinstance(raw, dict):
        errors.add(where or "/", f"{what}はオブジェクトで指定してください。")
        return {}
    return raw


def _list(raw: Any, where: str, errors: Errors, what: str, limit: int = MAX_ROWS) -> list:
    if raw is None:
        return []
    if not isinstance(raw, list):
        errors.add(where, f"{what}は一覧（配列）で指定してください。")
        return []
    if len(raw) > limit:
        errors.add(where, f"{what}は{limit:,}行までです（{len(raw):,}行）。")
        return []
    return raw


def _common(raw: dict, where: str, errors: Errors, *, what: str, name_field: str) -> dict:
    """key, name/title, unit, order and department, shared by every record."""
    key = raw.get("key")
    if not isinstance(key, str) or not KEY_PATTERN.fullmatch(key):
        errors.add(
            f"{where}/key",
            f"{what}のキー「{key if key is not None else ''}」は使えません。"
            "半角英小文字・数字・ハイフン・下線で50文字以内で指定してください（例: kokuho）。",
        )
        key = key if isinstance(key, str) else ""
    name = text(
        raw.get(name_field), f"{where}/{name_field}", errors, what=f"{what}の名称", required=True
    )
    return {
        "key": key,
        name_field: name,
        "unit": _unit(raw.get("unit", "千円"), f"{where}/unit", errors, what),
        "order": integer(raw.get("order"), f"{where}/order", errors, what="表示順", default=0),
        "department": _department(raw.get("department"), f"{where}/department", errors),
    }


def _unit(value: Any, where: str, errors: Errors, what: str) -> str:
    if value in UNITS:
        return value
    errors.add(where, f"{what}の単位「{value}」は使えません。千円 または 円 を指定してください。")
    return "千円"


def _department(value: Any, where: str, errors: Errors) -> str:
    if value in (None, ""):
        return finance_department_code()
    if not isinstance(value, str) or not re.fullmatch(r"[-a-zA-Z0-9_]{1,50}", value):
        errors.add(where, f"担当課のコード「{value}」は使えません。")
        return finance_department_code()
    return value


# -- accounts: budget execution statements ----------------------------------------------------


def clean_account(raw: Any, errors: Errors, where: str = "") -> dict:
    """An Account with its statement (see docs/report-format.md, "Finance")."""
    raw = _dict(raw, where, errors, "会計")
    base = _common(raw, where, errors, what="会計", name_field="name")
    kind = choice(raw.get("kind"), f"{where}/kind", errors, what="会計の種別", choices=KINDS)
    n = integer(
        raw.get("supplementary_count"),
        f"{where}/supplementary_count",
        errors,
        what="補正予算の数",
        default=0,
        high=MAX_SUPPLEMENTARY,
    )
    account = {
        "key": base["key"],
        "name": base["name"],
        "kind": kind,
        "unit": base["unit"],
        "order": base["order"],
        "department": base["department"],
        "supplementary_count": n,
        "parts": [],
    }
    allowed = compute.PARTS_BY_KIND[kind]
    seen: dict[str, list[dict]] = {}
    before = len(errors)
    totals = []
    for p, raw_part in enumerate(_list(raw.get("parts"), f"{where}/parts", errors, "区分")):
        pw = f"{where}/parts/{p}"
        raw_part = _dict(raw_part, pw, errors, "区分")
        part = raw_part.get("part")
        if part not in allowed:
            names = "、".join(f"{k}（{compute.PART_LABELS[k]}）" for k in allowed)
            errors.add(
                f"{pw}/part",
                f"{base['name']}（{KINDS[kind]}）に区分「{part}」はありません。使える区分: {names}",
            )
            continue
        if part in seen:
            errors.add(f"{pw}/part", f"区分「{compute.PART_LABELS[part]}」が重複しています。")
            continue
        table = f"{base['name']} {compute.PART_LABELS[part]}"
        lines = _clean_lines(
            raw_part.get("lines"),
            f"{pw}/lines",
            errors,
            table=table,
            part=part,
            n=n,
            unit=base["unit"],
        )
        seen[part] = lines
        if raw_part.get("total") is not None:
            totals.append((raw_part["total"], lines, f"{pw}/total", f"{table} 合計"))
    if len(errors) == before:  # a total is compared only with figures that all read well
        for entered, lines, tw, row in totals:
            _compare_figures(
                entered,
                compute.total_figures(lines, n),
                tw,
                errors,
                row=row,
                unit=base["unit"],
                n=n,
            )
    account["parts"] = [{"part": part, "lines": seen.get(part, [])} for part in allowed]
    return account


def _clean_lines(
    raw: Any,
    where: str,
    errors: Errors,
    *,
    table: str,
    part: str,
    n: int,
    unit: str,
    depth: int = 1,
) -> list[dict]:
    lines = []
    for i, raw_line in enumerate(_list(raw, where, errors, "行", limit=MAX_LINES)):
        lw = f"{where}/{i}"
        before = len(errors)
        raw_line = _dict(raw_line, lw, errors, "行")
        number = text(raw_line.get("number"), f"{lw}/number", errors, what="番号", limit=10)
        name = text(
            raw_line.get("name"),
            f"{lw}/name",
            errors,
            what=f"{table} {i + 1}行目の科目",
            required=True,
            limit=100,
            squeeze=True,
        )
        row = f"{table} {number} {name}".replace("  ", " ")
        children_raw = raw_line.get("children") or []
        if children_raw and depth > 1:
            errors.add(f"{lw}/children", f"{row}: 項の下にさらに行を置くことはできません。")
            children_raw = []
        children = _clean_lines(
            children_raw,
            f"{lw}/children",
            errors,
            table=table,
            part=part,
            n=n,
            unit=unit,
            depth=depth + 1,
        )
        figures = {
            "initial": raw_line.get("initial"),
            "supplementary": raw_line.get("supplementary"),
            "appropriation": raw_line.get("appropriation"),
            "settlement": raw_line.get("settlement"),
        }
        line = {"number": number, "name": name}
        if children:
            # The figures of a 款 with 項 are computed: typed ones are printed figures to check.
            line.update(initial=None, supplementary=[None] * n, appropriation=None, settlement=None)
            line["children"] = children
            entered = {k: v for k, v in figures.items() if v is not None}
            for key in ("supplementary_total", "final"):
                if raw_line.get(key) is not None:
                    entered[key] = raw_line[key]
            if entered and len(errors) == before:
                _compare_figures(
                    entered, compute.line_figures(line, n), lw, errors, row=row, unit=unit, n=n
                )
        else:
            line["initial"] = amount(
                figures["initial"], f"{lw}/initial", errors, what=f"{row}の当初予算額", unit=unit
            )
            line["supplementary"] = _clean_supplementary(
                figures["supplementary"], f"{lw}/supplementary", errors, row=row, n=n, unit=unit
            )
            appropriation = amount(
                figures["appropriation"],
                f"{lw}/appropriation",
                errors,
                what=f"{row}の充当額",
                unit=unit,
            )
            if appropriation is not None and part in compute.REVENUE_PARTS:
                errors.add(
                    f"{lw}/appropriation",
                    f"{row}: 充当額（予備費充用）は支出の側にだけ入力できます。",
                )
                appropriation = None
            line["appropriation"] = appropriation
            line["settlement"] = amount(
                figures["settlement"], f"{lw}/settlement", errors, what=f"{row}の決算額", unit=unit
            )
            line["children"] = []
            entered = {
                k: raw_line[k]
                for k in ("supplementary_total", "final")
                if raw_line.get(k) is not None
            }
            if entered and len(errors) == before:
                _compare_figures(
                    entered, compute.line_figures(line, n), lw, errors, row=row, unit=unit, n=n
                )
        lines.append(line)
    return lines


def _clean_supplementary(
    raw: Any, where: str, errors: Errors, *, row: str, n: int, unit: str
) -> list[int | None]:
    if raw is None:
        return [None] * n
    if not isinstance(raw, list):
        errors.add(where, f"{row}: 補正予算額は第1号から第{n}号までの一覧で指定してください。")
        return [None] * n
    out: list[int | None] = []
    for k, value in enumerate(raw):
        if k >= n:
            if not _blank(value):
                errors.add(
                    f"{where}/{k}",
                    f"{row}: 第{k + 1}号の補正予算額がありますが、この会計の補正予算は"
                    + (f"第{n}号までです。" if n else "ありません。")
                    + "補正予算の数を確認してください。",
                )
            continue
        out.append(
            amount(
                value, f"{where}/{k}", errors, what=f"{row}の補正予算額（第{k + 1}号）", unit=unit
            )
        )
    return out + [None] * (n - len(out))


def _compare_figures(
    entered: Any,
    computed: compute.Figures,
    where: str,
    errors: Errors,
    *,
    row: str,
    unit: str,
    n: int,
) -> None:
    """Compare printed figures (a 合計 row, a 款 over its 項, a line's 最終) with the computed."""
    if not isinstance(entered, dict):
        errors.add(where, f"{row}: 合計の指定が正しくありません。")
        return
    for key in ("initial", "supplementary_total", "appropriation", "final", "settlement"):
        if entered.get(key) is None:
            continue
        label = compute.BUDGET_COLUMN_LABELS[key]
        value = amount(entered[key], f"{where}/{key}", errors, what=f"{row}の{label}", unit=unit)
        got = computed.column(key)
        if value is not None and value != (got or 0):
            errors.add(f"{where}/{key}", mismatch(f"{row}の{label}", value, got))
    supplementary = entered.get("supplementary")
    if isinstance(supplementary, list):
        for k, raw_value in enumerate(supplementary[:n]):
            if _blank(raw_value):
                continue
            label = f"補正予算額（第{k + 1}号）"
            value = amount(
                raw_value, f"{where}/supplementary/{k}", errors, what=f"{row}の{label}", unit=unit
            )
            got = computed.supplementary[k]
            if value is not None and value != (got or 0):
                errors.add(f"{where}/supplementary/{k}", mismatch(f"{row}の{label}", value, got))


def account_problems(account: dict) -> list[Problem]:
    """歳入 and 歳出 must balance in every budget column (一般会計 and 特別会計)."""
    problems = []
    parts = [p["part"] for p in account["parts"]]
    where = f"/parts/{parts.index('expenditure')}/total" if "expenditure" in parts else "/parts"
    for key, revenue, expenditure in compute.balance_differences(account):
        label = compute.budget_column_label(key)
        problems.append(
            Problem(
                f"{where}/{key}",
                f"{account['name']} 歳入と歳出の{label}が一致しません："
                f"歳入合計 {fmt(revenue)}、歳出合計 {fmt(expenditure)}",
            )
        )
    return problems


# -- year-over-year tables ---------------------------------------------------------------------

_BRACKETED = re.compile(
    r"^(?P<label>.*?)[〔［\[(（](?P<formula>[^〔〕\[\]［］()（）]+)[〕］\])）]$"
)


def split_formula_label(label: str) -> tuple[str, str]:
    """交付基準額〔ア－イ〕 → (交付基準額, ア-イ); a label without brackets → (label, "")."""
    match = _BRACKETED.match(label)
    if not match:
        return label, ""
    formula = compute.normalise_formula(match["formula"])
    if "+" not in formula and "-" not in formula:
        return label, ""  # （再掲） and the like are part of the label, not a formula
    return match["label"], formula


def clean_comparison(raw: Any, errors: Errors, where: str = "") -> dict:
    """A ComparisonTable: rows with 本年度/前年度, or a formula over the letters of earlier rows."""
    raw = _dict(raw, where, errors, "年度比較表")
    base = _common(raw, where, errors, what="年度比較表", name_field="title")
    title = base["title"]
    table = {
        "key": base["key"],
        "title": title,
        "unit": base["unit"],
        "order": base["order"],
        "department": base["department"],
        "carryover_note": text(
            raw.get("carryover_note"),
            f"{where}/carryover_note",
            errors,
            what="差異の理由",
            limit=500,
        ),
        "rows": [],
    }
    letters: set[str] = set()
    entered_checks = []
    before = len(errors)
    for r, raw_row in enumerate(_list(raw.get("rows"), f"{where}/rows", errors, "行")):
        rw = f"{where}/rows/{r}"
        raw_row = _dict(raw_row, rw, errors, "行")
        label = text(
            raw_row.get("label"),
            f"{rw}/label",
            errors,
            what=f"{title} {r + 1}行目の区分",
            required=True,
            squeeze=True,
        )
        label, bracketed = split_formula_label(label)
        formula = compute.normalise_formula(raw_row.get("formula") or "")
        if bracketed and formula and bracketed != formula:
            errors.add(
                f"{rw}/formula",
                f"{title} {label}: 区分の〔{compute.formula_display(bracketed)}〕と計算式"
                f"「{compute.formula_display(formula)}」が違います。",
            )
        formula = formula or bracketed
        letter = text(
            raw_row.get("letter"), f"{rw}/letter", errors, what="記号", limit=4, squeeze=True
        )
        row_name = f"{title} {letter + ' ' if letter else ''}{label}"
        if formula:
            try:
                terms = compute.formula_terms(formula)
            except ValueError as exc:
                errors.add(f"{rw}/formula", f"{row_name}: 計算式「{formula}」が読めません。{exc}")
                terms = []
            for _, ref in terms:
                if ref not in letters:
                    errors.add(
                        f"{rw}/formula",
                        f"{row_name}: 計算式の記号「{ref}」が、この行より前の行にありません。",
                    )
        if letter:
            if letter in letters:
                errors.add(f"{rw}/letter", f"{title}: 記号「{letter}」が重複しています。")
            letters.add(letter)
        row: dict[str, Any] = {"letter": letter or None, "label": label}
        current = amount(
            raw_row.get("current"),
            f"{rw}/current",
            errors,
            what=f"{row_name}の本年度",
            unit=base["unit"],
        )
        previous = amount(
            raw_row.get("previous"),
            f"{rw}/previous",
            errors,
            what=f"{row_name}の前年度",
            unit=base["unit"],
        )
        if formula:
            row.update(formula=formula, current=None, previous=None)
            entered_checks.append((r, rw, row_name, {"current": current, "previous": previous}))
        else:
            row.update(formula=None, current=current, previous=previous)
            entered_checks.append((r, rw, row_name, {}))
        for key, what in (("difference", "増△減"), ("ratio", "比率")):
            if raw_row.get(key) is not None:
                if key == "ratio":
                    value = ratio_value(
                        raw_row[key], f"{rw}/{key}", errors, what=f"{row_name}の{what}"
                    )
                else:
                    value = amount(
                        raw_row[key],
                        f"{rw}/{key}",
                        errors,
                        what=f"{row_name}の{what}",
                        unit=base["unit"],
                    )
                entered_checks[-1][3][key] = value
        table["rows"].append(row)
    if len(errors) == before:
        figures = compute.comparison_figures(table["rows"])
        labels = {"current": "本年度", "previous": "前年度", "difference": "増△減", "ratio": "比率"}
        for (r, rw, row_name, entered), fig in zip(entered_checks, figures, strict=True):
            del r
            for key, value in entered.items():
                if value is None:
                    continue
                got = getattr(fig, key)
                if got is None or value != got:
                    errors.add(f"{rw}/{key}", mismatch(f"{row_name}の{labels[key]}", value, got))
    return table


# -- bonds -------------------------------------------------------------------------------------


def loan_date_range(fiscal_year: int) -> tuple[dt.date, dt.date]:
    """A year's loans are taken from 1 April up to the end of 出納整理期間 (31 May next year)."""
    return dt.date(fiscal_year, 4, 1), dt.date(fiscal_year + 1, 5, 31)


def _date(value: Any, where: str, errors: Errors, *, what: str) -> str | None:
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value.isoformat()
    if _blank(value):
        errors.add(where, f"{what}を入力してください。")
        return None
    if not isinstance(value, str):
        errors.add(where, f"{what}は日付（2024-10-15 や 令和6年10月15日）で入力してください。")
        return None
    try:
        return wareki.parse_date(value).isoformat()
    except ValidationError as exc:
        errors.add(where, f"{what}：{' '.join(exc.messages)}")
        return None


def _rate(value: Any, where: str, errors: Errors, *, what: str) -> str | None:
    if _blank(value):
        errors.add(where, f"{what}を入力してください。")
        return None
    if isinstance(value, bool) or isinstance(value, float):
        errors.add(where, f"{what}は「0.400」のように文字で指定してください。")
        return None
    try:
        rate = numbers.parse_decimal(value if isinstance(value, int | Decimal) else str(value))
    except (ValidationError, TypeError) as exc:
        message = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        errors.add(where, f"{what}：{message}")
        return None
    try:
        quantised = rate.quantize(Decimal("0.001"))
    except InvalidOperation:
        quantised = None
    if quantised is None or quantised != rate or not Decimal(0) <= rate < Decimal(100):
        errors.add(where, f"{what}は0以上100未満、小数第3位までで入力してください（{rate}）。")
        return None
    return str(quantised)


def _lender(value: Any, where: str, errors: Errors, *, what: str) -> str:
    name = text(value, where, errors, what=what, required=True, limit=100)
    return re.sub(r"\s+", " ", wareki.to_halfwidth(name).strip()) if name else ""


def ledger_prefix(account: str | None, account_names: dict[str, str] | None = None) -> str:
    """How messages name a special account's ledger ("下水道事業会計 "); "" for 一般会計."""
    if not account:
        return ""
    name = (account_names or {}).get(account)
    return f"{name} " if name else f"会計「{account}」の"


def _ledger_account(
    raw: dict, where: str, errors: Errors, account_names: dict[str, str] | None
) -> str | None:
    value = raw.get("account")
    if value in (None, ""):
        return None
    if not isinstance(value, str) or not cleaning.is_key(value, limit=50):
        errors.add(
            f"{where}/account",
            f"地方債の会計「{value}」は会計のキー（半角英数字・ハイフン・下線）で指定してください。",
        )
        return None
    if account_names is not None and value not in account_names:
        errors.add(
            f"{where}/account",
            f"地方債の会計「{value}」はこの年度の特別会計・公営企業会計にありません。"
            "先に会計を登録してください（一般会計の地方債は会計を指定しません）。",
        )
    return value


def clean_bonds(
    raw: Any,
    errors: Errors,
    where: str = "",
    *,
    fiscal_year: int,
    account_names: dict[str, str] | None = None,
) -> dict:
    """The 地方債 of one account and year: loans, and balances by lender that roll forward.

    `account` (a special or enterprise account's key) is kept only when given: without it the
    ledger is the general account's. `account_names` (key → name of the year's special and
    enterprise accounts), when given, refuses an unknown account and names the ledger in the
    messages."""
    raw = _dict(raw, where, errors, "地方債")
    before = len(errors)
    account = _ledger_account(raw, where, errors, account_names)
    ledger = ledger_prefix(account, account_names)
    unit = _unit(raw.get("unit", "千円"), f"{where}/unit", errors, f"{ledger}地方債")
    bonds = {
        **({"account": account} if account else {}),
        "unit": unit,
        "department": _department(raw.get("department"), f"{where}/department", errors),
        "loans": [],
        "balances": [],
    }
    first, last = loan_date_range(fiscal_year)
    for i, raw_loan in enumerate(_list(raw.get("loans"), f"{where}/loans", errors, "借入")):
        lw = f"{where}/loans/{i}"
        raw_loan = _dict(raw_loan, lw, errors, "借入")
        purpose = text(
            raw_loan.get("purpose"),
            f"{lw}/purpose",
            errors,
            what=f"{ledger}借入 {i + 1}行目の借入目的",
            required=True,
        )
        row = f"{ledger}地方債借入 {purpose or f'{i + 1}行目'}"
        loan_amount = amount(
            raw_loan.get("amount"),
            f"{lw}/amount",
            errors,
            what=f"{row}の借入額",
            unit=unit,
            required=True,
            negative=False,
        )
        borrowed_on = _date(raw_loan.get("date"), f"{lw}/date", errors, what=f"{row}の借入日")
        if borrowed_on and not first <= dt.date.fromisoformat(borrowed_on) <= last:
            errors.add(
                f"{lw}/date",
                f"{row}の借入日 {borrowed_on} は{wareki.format_fiscal_year(fiscal_year)}の借入として"
                f"記録できません（{first.isoformat()}～{last.isoformat()}、出納整理期間を含む）。",
            )
        term = integer(
            raw_loan.get("term_years"),
            f"{lw}/term_years",
            errors,
            what=f"{row}の償還期間（年）",
            low=1,
            high=99,
        )
        grace = integer(
            raw_loan.get("grace_years"),
            f"{lw}/grace_years",
            errors,
            what=f"{row}の据置期間（年）",
            default=0,
            high=99,
        )
        if term is not None and grace is not None and grace >= term:
            errors.add(
                f"{lw}/grace_years",
                f"{row}の据置期間（{grace}年）は償還期間（{term}年）より短くしてください。",
            )
        bonds["loans"].append(
            {
                "purpose": purpose,
                "amount": loan_amount,
                "date": borrowed_on,
                "lender": _lender(
                    raw_loan.get("lender"), f"{lw}/lender", errors, what=f"{row}の借入先"
                ),
                "rate": _rate(
                    raw_loan.get("rate"), f"{lw}/rate", errors, what=f"{row}の利率（％）"
                ),
                "term_years": term,
                "grace_years": grace,
            }
        )
    seen: set[str] = set()
    entered = []
    for i, raw_balance in enumerate(
        _list(raw.get("balances"), f"{where}/balances", errors, "借入先別現在高")
    ):
        bw = f"{where}/balances/{i}"
        raw_balance = _dict(raw_balance, bw, errors, "借入先別現在高")
        lender = _lender(
            raw_balance.get("lender"),
            f"{bw}/lender",
            errors,
            what=f"{ledger}現在高 {i + 1}行目の借入先",
        )
        if lender in seen:
            errors.add(
                f"{bw}/lender", f"{ledger}地方債現在高: 借入先「{lender}」が重複しています。"
            )
        seen.add(lender)
        row = f"{ledger}地方債現在高 {lender}"
        bonds["balances"].append(
            {
                "lender": lender,
                "opening": amount(
                    raw_balance.get("opening"),
                    f"{bw}/opening",
                    errors,
                    what=f"{row}の前年度末現在高",
                    unit=unit,
                    required=True,
                    negative=False,
                ),
                "repaid": amount(
                    raw_balance.get("repaid"),
                    f"{bw}/repaid",
                    errors,
                    what=f"{row}の元金償還額",
                    unit=unit,
                    negative=False,
                )
                or 0,
                "carryover_note": text(
                    raw_balance.get("carryover_note"),
                    f"{bw}/carryover_note",
                    errors,
                    what="差異の理由",
                    limit=500,
                ),
            }
        )
        entered.append((bw, row, {k: raw_balance.get(k) for k in ("borrowed", "closing")}))
    if len(errors) != before:
        return bonds
    figures = compute.bond_figures(bonds)
    labels = {
        "opening": "前年度末現在高",
        "borrowed": "借入額",
        "repaid": "元金償還額",
        "closing": "年度末現在高",
    }
    for (bw, row, values), fig in zip(entered, figures.balances, strict=True):
        for key, value in values.items():
            _check_entered(
                value, getattr(fig, key), f"{bw}/{key}", errors, f"{row}の{labels[key]}", unit
            )
    if raw.get("loans_total") is not None:
        _check_entered(
            raw["loans_total"],
            figures.loans_total,
            f"{where}/loans_total",
            errors,
            f"{ledger}地方債借入 合計の借入額",
            unit,
        )
    total = raw.get("balances_total")
    if isinstance(total, dict):
        for key, label in labels.items():
            _check_entered(
                total.get(key),
                getattr(figures.total, key),
                f"{where}/balances_total/{key}",
                errors,
                f"{ledger}地方債現在高 合計の{label}",
                unit,
            )
    return bonds


def _check_entered(
    value: Any, computed: int | None, where: str, errors: Errors, what: str, unit: str
) -> None:
    if _blank(value):
        return
    parsed = amount(value, where, errors, what=what, unit=unit)
    if parsed is not None and parsed != (computed or 0):
        errors.add(where, mismatch(what, parsed, computed))


def bonds_problems(bonds: dict, account_names: dict[str, str] | None = None) -> list[Problem]:
    ledger = ledger_prefix(bonds.get("account"), account_names)
    figures = compute.bond_figures(bonds)
    problems = []
    for lender in figures.unmatched_lenders:
        index = next(i for i, loan in enumerate(bonds["loans"]) if loan["lender"] == lender)
        total = sum(loan["amount"] for loan in bonds["loans"] if loan["lender"] == lender)
        problems.append(
            Problem(
                f"/loans/{index}/lender",
                f"{ledger}地方債: 借入先「{lender}」の借入（計 {fmt(total)}）がありますが、借入先別現在高に"
                "その借入先の行がありません。借入額の合計が現在高の表と一致しません：借入一覧 "
                f"{fmt(figures.loans_total)}、現在高の借入額 {fmt(figures.total.borrowed)}",
            )
        )
    for i, fig in enumerate(figures.balances):
        if fig.closing < 0:
            problems.append(
                Problem(
                    f"/balances/{i}/repaid",
                    f"{ledger}地方債現在高 {fig.lender}の年度末現在高が負になります：前年度末 "
                    f"{fmt(fig.opening)} + 借入 {fmt(fig.borrowed)} − 償還 {fmt(fig.repaid)} = "
                    f"{fmt(fig.closing)}",
                )
            )
    return problems


# -- funds and grants ---------------------------------------------------------------------------

FUND_ENTRY_KINDS = {
    "deposits": "積立額",
    "withdrawals": "繰入額",
    "sub_balances": "目的別現在高",
}


def clean_fund(raw: Any, errors: Errors, where: str = "") -> dict:
    raw = _dict(raw, where, errors, "基金")
    before = len(errors)
    base = _common(raw, where, errors, what="基金", name_field="name")
    name, unit = base["name"], base["unit"]
    fund = {
        **base,
        "opening": amount(
            raw.get("opening"),
            f"{where}/opening",
            errors,
            what=f"{name}の前年度末現在高",
            unit=unit,
            required=True,
            negative=False,
        ),
        "carryover_note": text(
            raw.get("carryover_note"),
            f"{where}/carryover_note",
            errors,
            what="差異の理由",
            limit=500,
        ),
    }
    for field, label in FUND_ENTRY_KINDS.items():
        entries = []
        for i, entry in enumerate(_list(raw.get(field), f"{where}/{field}", errors, label)):
            ew = f"{where}/{field}/{i}"
            entry = _dict(entry, ew, errors, label)
            entry_label = text(
                entry.get("label"),
                f"{ew}/label",
                errors,
                what=f"{name} {label}の{i + 1}行目の内容",
                required=True,
            )
            entries.append(
                {
                    "label": entry_label,
                    "amount": amount(
                        entry.get("amount"),
                        f"{ew}/amount",
                        errors,
                        what=f"{name} {label}「{entry_label}」の金額",
                        unit=unit,
                        required=True,
                        negative=False,
                    ),
                }
            )
        fund[field] = entries
    if len(errors) != before:
        return fund
    figures = compute.fund_figures(fund)
    checks = (
        ("deposits_total", figures.deposits, "積立額"),
        ("withdrawals_total", figures.withdrawals, "繰入額"),
        ("closing", figures.closing, "年度末現在高"),
        ("sub_balances_total", figures.sub_balances, "目的別現在高の合計"),
    )
    for key, computed, label in checks:
        _check_entered(raw.get(key), computed, f"{where}/{key}", errors, f"{name}の{label}", unit)
    return fund


def fund_problems(fund: dict) -> list[Problem]:
    figures = compute.fund_figures(fund)
    problems = []
    if figures.closing < 0:
        problems.append(
            Problem(
                "/withdrawals",
                f"{fund['name']}の年度末現在高が負になります：前年度末 {fmt(figures.opening)} + "
                f"積立 {fmt(figures.deposits)} − 繰入 {fmt(figures.withdrawals)} = {fmt(figures.closing)}",
            )
        )
    if figures.sub_balances is not None and figures.sub_balances != figures.closing:
        problems.append(
            Problem(
                "/sub_balances",
                f"{fund['name']}の目的別現在高の合計が年度末現在高と一致しません："
                f"目的別合計 {fmt(figures.sub_balances)}、年度末現在高 {fmt(figures.closing)}",
            )
        )
    return problems


def clean_grant(raw: Any, errors: Errors, where: str = "") -> dict:
    raw = _dict(raw, where, errors, "交付金")
    before = len(errors)
    base = _common(raw, where, errors, what="交付金", name_field="name")
    name, unit = base["name"], base["unit"]
    grant = {
        **base,
        "received": amount(
            raw.get("received"),
            f"{where}/received",
            errors,
            what=f"{name}の交付額",
            unit=unit,
            required=True,
            negative=False,
        ),
        "projects": [],
    }
    for i, project in enumerate(
        _list(raw.get("projects"), f"{where}/projects", errors, "充当事業")
    ):
        pw = f"{where}/projects/{i}"
        project = _dict(project, pw, errors, "充当事業")
        project_name = text(
            project.get("name"),
            f"{pw}/name",
            errors,
            what=f"{name} {i + 1}行目の事業名",
            required=True,
        )
        grant["projects"].append(
            {
                "name": project_name,
                "amount": amount(
                    project.get("amount"),
                    f"{pw}/amount",
                    errors,
                    what=f"{name} {project_name}の充当額",
                    unit=unit,
                    required=True,
                    negative=False,
                ),
                "description": text(
                    project.get("description"),
                    f"{pw}/description",
                    errors,
                    what=f"{name} {project_name}の事業内容",
                    limit=2000,
                ),
            }
        )
    if len(errors) == before:
        _check_entered(
            raw.get("projects_total"),
            compute.grant_total(grant),
            f"{where}/projects_total",
            errors,
            f"{name} 合計の充当額",
            unit,
        )
    return grant


def grant_problems(grant: dict) -> list[Problem]:
    total = compute.grant_total(grant)
    if total != grant["received"]:
        return [
            Problem(
                "/projects",
                f"{grant['name']} 充当額の合計が交付額と一致しません："
                f"交付額 {fmt(grant['received'])}、充当額合計 {fmt(total)}",
            )
        ]
    return []


IDENTITY_CHECKS = {
    "account": account_problems,
    "bonds": bonds_problems,
    "fund": fund_problems,
    "grant": grant_problems,
}


def identity_problems(kind: str, record: dict) -> list[Problem]:
    check = IDENTITY_CHECKS.get(kind)
    return check(record) if check else []
