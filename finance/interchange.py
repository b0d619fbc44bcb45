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
from .kinds import KINDS
from .services import check_year_open

LISTS = {"accounts": "account", "comparisons": "comparison", "funds": "fund", "grants": "grant"}
ROOT = "/finance"


def export_finance(*, fiscal_year: int) -> dict:
    """The finance records of a year as the interchange format's "finance" object."""
    ledger = records.ledgers_qs().filter(fiscal_year=fiscal_year).first()
    return {
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


def validate_finance(data: Any, *, fiscal_year: int) -> dict:
    """Clean the "finance" object; raise InvalidInput listing every problem at its pointer."""
    errors = validation.Errors()
    if not isinstance(data, dict):
        errors.add(ROOT, "finance はオブジェクトで指定してください。")
        errors.raise_if_any("財政データ")
    unknown = set(data) - {*LISTS, "bonds"}
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
        bonds = KINDS["bonds"].clean(raw_bonds, errors, where, fiscal_year=fiscal_year)
        if len(errors) == before:
            for p in KINDS["bonds"].problems(bonds):
                errors.add(f"{where}{p.where}", p.message)
        clean["bonds"] = bonds
        located.append((where, bonds))
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
    present = {*LISTS, "bonds"} if present is None else present
    codes = {r["department"] for field in LISTS for r in clean[field]}
    if clean["bonds"] is not None:
        codes.add(clean["bonds"]["department"])
    departments = {d.code: d for d in Department.objects.filter(code__in=codes)}
    for field, kind_name in LISTS.items():
        if field not in present:
            continue
        stored = KINDS[kind_name].model.objects.filter(fiscal_year=fiscal_year)
        if delete_missing:
            gone = stored if department is None else stored.filter(department__code=department)
            gone.delete()
        stored.filter(key__in=[r["key"] for r in clean[field]]).delete()
    if "bonds" in present and (clean["bonds"] is not None or delete_missing):
        ledgers = KINDS["bonds"].model.objects.filter(fiscal_year=fiscal_year)
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


def schema_part() -> tuple[str, dict, dict]:
    """The "finance" object of the interchange JSON Schema and its $defs (reports.schema)."""
    return "finance", SCHEMA, SCHEMA_DEFS


SCHEMA = {
    "type": "object",
    "properties": {
        "accounts": {"type": "array", "items": {"$ref": "#/$defs/account"}},
        "comparisons": {"type": "array", "items": {"$ref": "#/$defs/comparison"}},
        "bonds": {
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
            ]
        },
        "funds": {"type": "array", "items": {"$ref": "#/$defs/fund"}},
        "grants": {"type": "array", "items": {"$ref": "#/$defs/grant"}},
    },
    "additionalProperties": False,
}
SCHEMA_DEFS = {
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
