"""The "finance" object of the interchange format (docs/report-format.md, "Finance").

`export_finance(fiscal_year=…)` returns a year's finance records, input figures only.
`import_finance(data, fiscal_year=…)` validates everything first, every problem at a JSON
pointer under "/finance" (cells, printed totals that differ from the computed ones, and the
identities: 歳入 = 歳出, Σ 充当額 = 交付額, …) and raises them together as one InvalidInput;
only then it replaces the year's finance records, in one transaction.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from reports.models import Department

from . import records, validation
from .kinds import KINDS, borrowing_accounts
from .models import Account, BondLedger
from .services import check_year_open

LISTS = {"accounts": "account", "comparisons": "comparison", "funds": "fund", "grants": "grant"}
ROOT = "/finance"


def export_finance(*, fiscal_year: int) -> dict:
    """The finance records of a year as the interchange format's "finance" object.

    "bonds" is the general account's 地方債 ledger (the shape of the one ledger a year had
    before ledgers per account); "bond_ledgers", present only when the year has any, lists the
    ledgers of special and enterprise accounts, each naming its `account` by key."""
    ledgers = list(
        records.ledgers_qs()
        .filter(fiscal_year=fiscal_year)
        .order_by("account__order", "account__key", "id")
    )
    ledger = next((obj for obj in ledgers if obj.account_id is None), None)
    special = [records.bonds_dict(obj) for obj in ledgers if obj.account_id is not None]
    out = {
        "accounts": [
            records.account_dict(a)
            for a in records.accounts_qs().filter(fiscal_year=fiscal_year).order_by("order", "key")
        ],
        "comparisons": [
            records.comparison_dict(t)
            for t in records.comparisons_qs()
            .filter(fiscal_year=fiscal_year)
            .order_by("order", "key")
        ],
        "bonds": records.bonds_dict(ledger) if ledger else None,
        "funds": [
            records.fund_dict(f)
            for f in records.funds_qs().filter(fiscal_year=fiscal_year).order_by("order", "key")
        ],
        "grants": [
            records.grant_dict(g)
            for g in records.grants_qs().filter(fiscal_year=fiscal_year).order_by("order", "key")
        ],
    }
    if special:
        out["bond_ledgers"] = special
    return out


def _account_names(data: dict, fiscal_year: int) -> dict[str, str]:
    """Accounts a ledger may name: the year's stored special/enterprise accounts and the file's."""
    names = borrowing_accounts(fiscal_year)
    raw_accounts = data.get("accounts")
    for raw in raw_accounts if isinstance(raw_accounts, list) else []:
        if not isinstance(raw, dict) or not isinstance(raw.get("key"), str):
            continue
        if raw.get("kind") == "general":
            names.pop(raw["key"], None)
        else:
            names[raw["key"]] = str(raw.get("name") or raw["key"])
    return names


def _clean_ledgers(
    data: dict, errors: validation.Errors, *, fiscal_year: int, located: list
) -> list[dict]:
    raw_list = data.get("bond_ledgers")
    if raw_list is None:
        return []
    if not isinstance(raw_list, list):
        errors.add(f"{ROOT}/bond_ledgers", "bond_ledgers は一覧（配列）で指定してください。")
        return []
    names = _account_names(data, fiscal_year)
    kind = KINDS["bonds"]
    out: list[dict] = []
    seen: set[str] = set()
    for i, raw in enumerate(raw_list):
        where = f"{ROOT}/bond_ledgers/{i}"
        before = len(errors)
        if isinstance(raw, dict) and raw.get("account") in (None, ""):
            errors.add(
                f"{where}/account",
                "bond_ledgers の地方債には会計（特別会計・公営企業会計のキー）を指定してください。"
                "一般会計の地方債は bonds に入れます。",
            )
        ledger = kind.clean(raw, errors, where, fiscal_year=fiscal_year, account_names=names)
        account = ledger.get("account")
        if account and account in seen:
            errors.add(
                f"{where}/account",
                f"{names.get(account, account)}の地方債が重複しています（会計ごとに一つです）。",
            )
        seen.add(account)
        if len(errors) == before:
            for p in validation.bonds_problems(ledger, names):
                errors.add(f"{where}{p.where}", p.message)
        out.append(ledger)
        located.append((where, ledger))
    return out


def validate_finance(data: Any, *, fiscal_year: int) -> dict:
    """Clean the "finance" object; raise InvalidInput listing every problem at its pointer."""
    errors = validation.Errors()
    if not isinstance(data, dict):
        errors.add(ROOT, "finance はオブジェクトで指定してください。")
        errors.raise_if_any("財政データ")
    unknown = set(data) - {*LISTS, "bonds", "bond_ledgers"}
    for name in sorted(unknown):
        errors.add(f"{ROOT}/{name}", f"「{name}」という項目は finance にありません。")
    clean: dict[str, Any] = {}
    located: list[tuple[str, dict]] = []
    for field, kind_name in LISTS.items():
        kind = KINDS[kind_name]
        raw_list = data.get(field) or []
        if not isinstance(raw_list, list):
            errors.add(f"{ROOT}/{field}", f"{field} は一覧（配列）で指定してください。")
            raw_list = []
        seen: set[str] = set()
        clean[field] = []
        for i, raw in enumerate(raw_list):
            where = f"{ROOT}/{field}/{i}"
            before = len(errors)
            record = kind.clean(raw, errors, where, fiscal_year=fiscal_year)
            if record.get("key") in seen:
                errors.add(f"{where}/key", f"キー「{record['key']}」が重複しています。")
            seen.add(record.get("key"))
            if len(errors) == before:
                for p in kind.problems(record):
                    errors.add(f"{where}{p.where}", p.message)
            clean[field].append(record)
            located.append((where, record))
    raw_bonds = data.get("bonds")
    clean["bonds"] = None
    if raw_bonds is not None:
        where = f"{ROOT}/bonds"
        before = len(errors)
        if isinstance(raw_bonds, dict) and raw_bonds.get("account") not in (None, ""):
            errors.add(
                f"{where}/account",
                "bonds は一般会計の地方債です。特別会計・公営企業会計の地方債は bond_ledgers に"
                "会計を指定して入れてください。",
            )
            raw_bonds = {k: v for k, v in raw_bonds.items() if k != "account"}
        bonds = KINDS["bonds"].clean(raw_bonds, errors, where, fiscal_year=fiscal_year)
        if len(errors) == before:
            for p in KINDS["bonds"].problems(bonds):
                errors.add(f"{where}{p.where}", p.message)
        clean["bonds"] = bonds
        located.append((where, bonds))
    clean["bond_ledgers"] = _clean_ledgers(data, errors, fiscal_year=fiscal_year, located=located)
    codes = {record["department"] for _, record in located}
    known = set(Department.objects.filter(code__in=codes).values_list("code", flat=True))
    for where, record in located:
        if record["department"] not in known:
            errors.add(
                f"{where}/department",
                f"担当課「{record['department']}」が登録されていません。先に組織を登録してください。",
            )
    errors.raise_if_any("財政データ")
    return clean


def import_finance(
    data: dict,
    *,
    fiscal_year: int,
    delete_missing: bool = True,
    department: str | None = None,
    only_given: bool = False,
) -> None:
    """Write `data` into the year's finance records, after validating all of it.

    By default (the finance import of its own) the year's records become exactly `data`.
    The report import passes `only_given`: only the lists `data` carries are touched
    ("accounts", "funds", …; "bonds" when present), their records replacing the stored ones
    with the same key; the stored records such a list lacks are deleted only with
    `delete_missing`, and then only those of `department` when one is given."""
    clean = validate_finance(data, fiscal_year=fiscal_year)
    present = (set(data) if isinstance(data, dict) else set()) if only_given else None
    _write(
        clean,
        fiscal_year=fiscal_year,
        present=present,
        delete_missing=delete_missing,
        department=department,
    )


@transaction.atomic
def _write(
    clean: dict,
    *,
    fiscal_year: int,
    present: set[str] | None = None,
    delete_missing: bool = True,
    department: str | None = None,
) -> None:
    check_year_open(fiscal_year)
    present = {*LISTS, "bonds", "bond_ledgers"} if present is None else present
    codes = {r["department"] for field in LISTS for r in clean[field]}
    if clean["bonds"] is not None:
        codes.add(clean["bonds"]["department"])
    codes.update(r["department"] for r in clean["bond_ledgers"])
    departments = {d.code: d for d in Department.objects.filter(code__in=codes)}
    # Special accounts' ledgers first: they refer to accounts that may be replaced below.
    rewrite = _special_ledgers(
        clean,
        fiscal_year=fiscal_year,
        present=present,
        delete_missing=delete_missing,
        department=department,
    )
    for field, kind_name in LISTS.items():
        if field not in present:
            continue
        stored = KINDS[kind_name].model.objects.filter(fiscal_year=fiscal_year)
        if delete_missing:
            gone = stored if department is None else stored.filter(department__code=department)
            gone.delete()
        stored.filter(key__in=[r["key"] for r in clean[field]]).delete()
    if "bonds" in present and (clean["bonds"] is not None or delete_missing):
        ledgers = KINDS["bonds"].model.objects.filter(fiscal_year=fiscal_year, account__isnull=True)
        if clean["bonds"] is None and department is not None:
            ledgers = ledgers.filter(department__code=department)
        ledgers.delete()
    clean = {
        **{field: (clean[field] if field in present else []) for field in LISTS},
        "bonds": clean["bonds"] if "bonds" in present else None,
    }
    for field, kind_name in LISTS.items():
        kind = KINDS[kind_name]
        for record in clean[field]:
            obj = kind.model(fiscal_year=fiscal_year, department=departments[record["department"]])
            kind.write(obj, record)
    if clean["bonds"] is not None:
        kind = KINDS["bonds"]
        obj = kind.model(
            fiscal_year=fiscal_year, department=departments[clean["bonds"]["department"]]
        )
        kind.write(obj, clean["bonds"])
    _write_special_ledgers(rewrite, fiscal_year=fiscal_year, departments=departments)


def _special_ledgers(
    clean: dict,
    *,
    fiscal_year: int,
    present: set[str],
    delete_missing: bool,
    department: str | None,
) -> list[tuple[str, dict, BondLedger | None]]:
    """Delete the special accounts' ledgers that will be written again, and return what to
    write: the file's ledgers, and the stored ledgers kept whose account is replaced (they are
    written again pointing at the new account), as (pointer, ledger, old record)."""
    stored = list(records.ledgers_qs().filter(fiscal_year=fiscal_year, account__isnull=False))
    given = clean["bond_ledgers"] if "bond_ledgers" in present else []
    given_keys = {ledger["account"] for ledger in given}
    replaced: list[BondLedger] = []
    kept: list[BondLedger] = []
    for obj in stored:
        mine = department is None or obj.department.code == department
        if obj.account.key in given_keys or ("bond_ledgers" in present and delete_missing and mine):
            replaced.append(obj)
        else:
            kept.append(obj)
    account_keys: set[str] = set()
    if "accounts" in present:
        file_keys = {r["key"] for r in clean["accounts"]}
        for obj in kept:
            mine = department is None or obj.account.department.code == department
            if obj.account.key in file_keys or (delete_missing and mine):
                account_keys.add(obj.account.key)
    moved = [obj for obj in kept if obj.account.key in account_keys]
    BondLedger.objects.filter(pk__in=[obj.pk for obj in replaced + moved]).delete()
    out: list[tuple[str, dict, BondLedger | None]] = [
        (f"{ROOT}/bond_ledgers/{i}", ledger, None) for i, ledger in enumerate(given)
    ]
    out += [(f"{ROOT}/bond_ledgers", records.bonds_dict(obj), obj) for obj in moved]
    return out


def _write_special_ledgers(
    ledgers: list[tuple[str, dict, BondLedger | None]],
    *,
    fiscal_year: int,
    departments: dict[str, Department],
) -> None:
    if not ledgers:
        return
    accounts = {
        a.key: a
        for a in Account.objects.filter(fiscal_year=fiscal_year).exclude(kind=Account.Kind.GENERAL)
    }
    errors = validation.Errors()
    for where, ledger, _old in ledgers:
        if ledger["account"] not in accounts:
            errors.add(
                f"{where}/account",
                f"地方債の会計「{ledger['account']}」がこの年度の特別会計・公営企業会計に"
                "ありません。会計を残すか、その地方債も取り込むファイルに入れてください。",
            )
    errors.raise_if_any("財政データ")  # inside the transaction: nothing is written
    kind = KINDS["bonds"]
    for _where, ledger, old in ledgers:
        if old is not None:
            obj = kind.model(
                fiscal_year=fiscal_year,
                department=old.department,
                updated_by=old.updated_by,
                version=old.version + 1,
            )
        else:
            obj = kind.model(fiscal_year=fiscal_year, department=departments[ledger["department"]])
        obj.account = accounts[ledger["account"]]
        kind.write(obj, ledger)


def schema_part() -> tuple[str, dict, dict]:
    """The "finance" object of the interchange JSON Schema and its $defs (reports.schema)."""
    return "finance", SCHEMA, SCHEMA_DEFS


SCHEMA = {
    "type": "object",
    "properties": {
        "accounts": {"type": "array", "items": {"$ref": "#/$defs/account"}},
        "comparisons": {"type": "array", "items": {"$ref": "#/$defs/comparison"}},
        "bonds": {
            "description": "一般会計の地方債（会計を指定しない）",
            "anyOf": [
                {"type": "null"},
                {
                    "type": "object",
                    "properties": {
                        "loans": {"type": "array", "items": {"$ref": "#/$defs/loan"}},
                        "balances": {"type": "array", "items": {"$ref": "#/$defs/lender_balance"}},
                        "unit": {"enum": ["円", "千円"]},
                        "department": {"type": "string", "pattern": "^[a-z0-9][a-z0-9-]*$"},
                    },
                    "additionalProperties": False,
                },
            ],
        },
        "bond_ledgers": {
            "description": "特別会計・公営企業会計の地方債（会計ごとに一つ、account は会計のキー）",
            "type": "array",
            "items": {"$ref": "#/$defs/bond_ledger"},
        },
        "funds": {"type": "array", "items": {"$ref": "#/$defs/fund"}},
        "grants": {"type": "array", "items": {"$ref": "#/$defs/grant"}},
    },
    "additionalProperties": False,
}
SCHEMA_DEFS = {
    "bond_ledger": {
        "type": "object",
        "properties": {
            "account": {
                "type": "string",
                "pattern": "^[A-Za-z0-9][A-Za-z0-9_-]*$",
                "maxLength": 50,
            },
            "loans": {"type": "array", "items": {"$ref": "#/$defs/loan"}},
            "balances": {"type": "array", "items": {"$ref": "#/$defs/lender_balance"}},
            "unit": {"enum": ["円", "千円"]},
            "department": {"type": "string", "pattern": "^[a-z0-9][a-z0-9-]*$"},
        },
        "additionalProperties": False,
        "required": ["account"],
    },
    "budget_line": {
        "type": "object",
        "properties": {
            "number": {"type": "string"},
            "name": {"type": "string", "minLength": 1},
            "initial": {"type": ["integer", "null"]},
            "supplementary": {"type": "array", "items": {"type": ["integer", "null"]}},
            "appropriation": {"type": ["integer", "null"]},
            "settlement": {"type": ["integer", "null"]},
            "children": {"type": "array", "items": {"$ref": "#/$defs/budget_line"}},
        },
        "additionalProperties": False,
        "required": ["name", "initial", "supplementary", "settlement"],
    },
    "account": {
        "type": "object",
        "properties": {
            "key": {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9_-]*$", "maxLength": 100},
            "name": {"type": "string", "minLength": 1},
            "kind": {"enum": ["general", "special", "enterprise"]},
            "unit": {"enum": ["円", "千円"]},
            "order": {"type": "integer"},
            "supplementary_count": {"type": "integer", "minimum": 0, "maximum": 20},
            "parts": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "part": {
                            "enum": [
                                "revenue",
                                "expenditure",
                                "operating_revenue",
                                "operating_expenditure",
                                "capital_revenue",
                                "capital_expenditure",
                            ]
                        },
                        "lines": {"type": "array", "items": {"$ref": "#/$defs/budget_line"}},
                    },
                    "additionalProperties": False,
                    "required": ["part", "lines"],
                },
                "minItems": 1,
            },
            "department": {"type": "string", "pattern": "^[a-z0-9][a-z0-9-]*$"},
        },
        "additionalProperties": False,
        "required": ["key", "name", "kind", "unit", "supplementary_count", "parts"],
        "allOf": [
            {
                "if": {"properties": {"kind": {"const": "enterprise"}}},
                "then": {
                    "properties": {
                        "parts": {
                            "items": {
                                "properties": {
                                    "part": {
                                        "enum": [
                                            "operating_revenue",
                                            "operating_expenditure",
                                            "capital_revenue",
                                            "capital_expenditure",
                                        ]
                                    }
                                }
                            }
                        }
                    }
                },
                "else": {
                    "properties": {
                        "parts": {
                            "items": {"properties": {"part": {"enum": ["revenue", "expenditure"]}}}
                        }
                    }
                },
            }
        ],
    },
    "comparison_row": {
        "type": "object",
        "required": ["label"],
        "properties": {
            "letter": {"type": ["string", "null"], "pattern": "^[\\u30A1-\\u30FA]$"},
            "label": {"type": "string", "minLength": 1},
            "current": {"type": ["integer", "null"]},
            "previous": {"type": ["integer", "null"]},
            "formula": {
                "oneOf": [
                    {"type": "null"},
                    {"type": "string", "pattern": "^[\\u30A1-\\u30FA]([+-][\\u30A1-\\u30FA])*$"},
                ]
            },
        },
        "additionalProperties": False,
        "oneOf": [
            {
                "properties": {
                    "formula": {"type": "null"},
                    "current": {"type": "integer"},
                    "previous": {"type": "integer"},
                },
                "required": ["current", "previous"],
            },
            {
                "properties": {
                    "formula": {"type": "string"},
                    "current": {"type": "null"},
                    "previous": {"type": "null"},
                },
                "required": ["formula"],
            },
        ],
    },
    "comparison": {
        "type": "object",
        "properties": {
            "key": {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9_-]*$", "maxLength": 100},
            "title": {"type": "string", "minLength": 1},
            "unit": {"enum": ["円", "千円"]},
            "order": {"type": "integer"},
            "rows": {"type": "array", "items": {"$ref": "#/$defs/comparison_row"}, "minItems": 1},
            "department": {"type": "string", "pattern": "^[a-z0-9][a-z0-9-]*$"},
            "carryover_note": {"type": "string"},
        },
        "additionalProperties": False,
        "required": ["key", "title", "unit", "rows"],
    },
    "loan": {
        "type": "object",
        "properties": {
            "purpose": {"type": "string", "minLength": 1},
            "amount": {"type": "integer"},
            "date": {"$ref": "#/$defs/date"},
            "lender": {"type": "string", "minLength": 1},
            "rate": {"type": "string", "pattern": "^[0-9]+(\\.[0-9]+)?$"},
            "term_years": {"type": "integer", "minimum": 0},
            "grace_years": {"type": "integer", "minimum": 0},
        },
        "additionalProperties": False,
        "required": ["purpose", "amount", "date", "lender", "rate", "term_years", "grace_years"],
    },
    "lender_balance": {
        "type": "object",
        "properties": {
            "lender": {"type": "string", "minLength": 1},
            "opening": {"type": "integer"},
            "repaid": {"type": "integer"},
            "carryover_note": {"type": "string"},
        },
        "additionalProperties": False,
        "required": ["lender", "opening", "repaid"],
    },
    "fund": {
        "type": "object",
        "properties": {
            "key": {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9_-]*$", "maxLength": 100},
            "name": {"type": "string", "minLength": 1},
            "opening": {"type": "integer"},
            "deposits": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "label": {"type": "string", "minLength": 1},
                        "amount": {"type": "integer"},
                    },
                    "additionalProperties": False,
                    "required": ["label", "amount"],
                },
            },
            "withdrawals": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "label": {"type": "string", "minLength": 1},
                        "amount": {"type": "integer"},
                    },
                    "additionalProperties": False,
                    "required": ["label", "amount"],
                },
            },
            "sub_balances": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "label": {"type": "string", "minLength": 1},
                        "amount": {"type": "integer"},
                    },
                    "additionalProperties": False,
                    "required": ["label", "amount"],
                },
            },
            "department": {"type": "string", "pattern": "^[a-z0-9][a-z0-9-]*$"},
            "carryover_note": {"type": "string"},
            "unit": {"enum": ["円", "千円"]},
            "order": {"type": "integer"},
        },
        "additionalProperties": False,
        "required": ["key", "name", "opening"],
    },
    "grant": {
        "type": "object",
        "properties": {
            "key": {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9_-]*$", "maxLength": 100},
            "name": {"type": "string", "minLength": 1},
            "received": {"type": "integer"},
            "projects": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "name": {"type": "string", "minLength": 1},
                        "amount": {"type": "integer"},
                        "description": {"type": "string"},
                    },
                    "additionalProperties": False,
                    "required": ["name", "amount"],
                },
            },
            "department": {"type": "string", "pattern": "^[a-z0-9][a-z0-9-]*$"},
            "unit": {"enum": ["円", "千円"]},
            "order": {"type": "integer"},
        },
        "additionalProperties": False,
        "required": ["key", "name", "received"],
    },
}
