"""What an import would change, record by record, before it changes anything.

The import compares the file (narrowed to the department filter) with the year's export in
the same format: each section, meeting body, session, manual count and finance record is
created, replaced, left unchanged, kept (in the database, not in the file) or — only with
`delete_missing` — deleted. A top-level part the file does not carry (no "finance", no
"meetings", no "funds" list, …) is not looked at at all, so it is never touched.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass
from typing import Any

CREATE, REPLACE, UNCHANGED, KEEP, DELETE = "create", "replace", "unchanged", "keep", "delete"
ACTION_LABELS = {
    CREATE: "新規",
    REPLACE: "置換",
    UNCHANGED: "変更なし",
    KEEP: "残す（ファイルにない）",
    DELETE: "削除",
}
FINANCE_LISTS = {
    "accounts": ("account", "会計", "name"),
    "comparisons": ("comparison", "年度比較表", "title"),
    "funds": ("fund", "基金", "name"),
    "grants": ("grant", "交付金", "name"),
}


@dataclass(frozen=True)
class Change:
    action: str
    kind: str
    key: str
    label: str
    department: str
    pointer: str = ""

    @property
    def action_label(self) -> str:
        return ACTION_LABELS[self.action]

    def as_dict(self) -> dict:
        return asdict(self)


def finance_department(record: dict) -> str:
    from finance.validation import finance_department_code

    return record.get("department") or finance_department_code()


def scope_document(document: dict, department: str | None) -> dict:
    """The part of the document a department-filtered import looks at (the whole without one).

    Keys the file does not carry stay absent, so that they are never touched."""
    if department is None:
        return document
    out = {k: v for k, v in document.items() if k not in {"sections", "meetings", "finance"}}
    out["sections"] = [s for s in document.get("sections") or [] if s["department"] == department]
    if isinstance(document.get("meetings"), dict):
        bodies = document["meetings"].get("bodies")
        out["meetings"] = {
            **document["meetings"],
            "bodies": [b for b in bodies if b.get("department") == department]
            if isinstance(bodies, list)
            else bodies,
        }
    if isinstance(document.get("finance"), dict):
        finance: dict = {}
        for key, value in document["finance"].items():
            if (key in FINANCE_LISTS or key == "bond_ledgers") and isinstance(value, list):
                finance[key] = [
                    r
                    for r in value
                    if not isinstance(r, dict) or finance_department(r) == department
                ]
            elif key == "bonds":
                if value is None or (
                    isinstance(value, dict) and finance_department(value) == department
                ):
                    finance[key] = value
            else:
                finance[key] = value
        out["finance"] = finance
    return out


def session_identity(session: dict, seen: Counter) -> str:
    """A session is the same record when its category and number match (or, unnumbered, its
    category and date, counting sessions on the same date in order)."""
    if session.get("sequence") is not None:
        return f"{session.get('category')}#{session['sequence']}"
    base = f"{session.get('category')}@{session.get('start')}"
    seen[base] += 1
    return base if seen[base] == 1 else f"{base}/{seen[base]}"


def sessions_by_identity(sessions: list[dict]) -> dict[str, dict]:
    seen: Counter = Counter()
    return {session_identity(s, seen): s for s in sessions}


def _session_label(body: dict, session: dict) -> str:
    number = f"第{session['sequence']}回" if session.get("sequence") is not None else ""
    return f"{body.get('name')}：{session.get('category')}{number}（{session.get('start')}）"


def _decide(new: Any, old: Any) -> str:
    if old is None:
        return CREATE
    return UNCHANGED if new == old else REPLACE


BODY_FIELDS = (
    "name",
    "kind",
    "department",
    "role",
    "purpose",
    "parent",
    "numbering",
    "active_from",
    "active_to",
)


def plan(
    scoped: dict,
    current: dict | None,
    *,
    department: str | None,
    delete_missing: bool,
    keep_states: bool,
    stored_body_keys: set[str],
    department_names: dict[str, str],
) -> list[Change]:
    """Every record the import would touch (or keep), in the file's order."""
    current = current or {"sections": [], "meetings": {"bodies": []}, "finance": {}}

    def in_scope(code: str | None) -> bool:
        return department is None or code == department

    missing = DELETE if delete_missing else KEEP
    changes: list[Change] = []

    # sections
    now = {s["department"]: s for s in current["sections"] if in_scope(s["department"])}
    for i, data in enumerate(scoped.get("sections") or []):
        code = data["department"]
        old = now.pop(code, None)
        new_view = {"items": data["items"], **({"state": data.get("state")} if keep_states else {})}
        old_view = (
            {"items": old["items"], **({"state": old.get("state")} if keep_states else {})}
            if old
            else None
        )
        changes.append(
            Change(
                _decide(new_view, old_view),
                "section",
                code,
                f"{department_names.get(code, code)}の課別報告",
                code,
                f"/sections/{i}",
            )
        )
    for code in now:
        changes.append(
            Change(
                missing,
                "section",
                code,
                f"{department_names.get(code, code)}の課別報告",
                code,
            )
        )

    # meetings
    if isinstance(scoped.get("meetings"), dict) and isinstance(
        scoped["meetings"].get("bodies"), list
    ):
        now_bodies = {
            b["key"]: b
            for b in current["meetings"].get("bodies", [])
            if in_scope(b.get("department"))
        }
        for b, body in enumerate(scoped["meetings"]["bodies"]):
            if not isinstance(body, dict):
                continue
            where = f"/meetings/bodies/{b}"
            old = now_bodies.pop(body.get("key"), None)
            code = body.get("department") or ""
            if old is None and body.get("key") in stored_body_keys:
                old = {"sessions": [], "manual_counts": []}  # stored, not active this year
                action = REPLACE
            else:
                action = _decide(
                    {f: body.get(f) for f in BODY_FIELDS},
                    {f: old.get(f) for f in BODY_FIELDS} if old else None,
                )
            changes.append(
                Change(
                    action,
                    "body",
                    str(body.get("key")),
                    f"会議体「{body.get('name')}」",
                    code,
                    where,
                )
            )
            old_sessions = sessions_by_identity((old or {}).get("sessions", []))
            sessions = body.get("sessions") if isinstance(body.get("sessions"), list) else []
            seen: Counter = Counter()
            for s, session in enumerate(sessions):
                if not isinstance(session, dict):
                    continue
                ident = session_identity(session, seen)
                changes.append(
                    Change(
                        _decide(session, old_sessions.pop(ident, None)),
                        "session",
                        f"{body.get('key')}/{ident}",
                        _session_label(body, session),
                        code,
                        f"{where}/sessions/{s}",
                    )
                )
            for ident, session in old_sessions.items():
                changes.append(
                    Change(
                        missing,
                        "session",
                        f"{body.get('key')}/{ident}",
                        _session_label(body, session),
                        code,
                    )
                )
            old_counts = {c["category"]: c for c in (old or {}).get("manual_counts", [])}
            counts = (
                body.get("manual_counts") if isinstance(body.get("manual_counts"), list) else []
            )
            for c, count in enumerate(counts):
                if not isinstance(count, dict):
                    continue
                changes.append(
                    Change(
                        _decide(count, old_counts.pop(count.get("category"), None)),
                        "manual_count",
                        f"{body.get('key')}/{count.get('category')}",
                        f"{body.get('name')}：手入力の回数「{count.get('category')}」",
                        code,
                        f"{where}/manual_counts/{c}",
                    )
                )
            for category in old_counts:
                changes.append(
                    Change(
                        missing,
                        "manual_count",
                        f"{body.get('key')}/{category}",
                        f"{body.get('name')}：手入力の回数「{category}」",
                        code,
                    )
                )
        for key, body in now_bodies.items():
            code = body.get("department") or ""
            changes.append(Change(missing, "body", key, f"会議体「{body.get('name')}」", code))
            for ident, session in sessions_by_identity(body.get("sessions", [])).items():
                changes.append(
                    Change(
                        missing, "session", f"{key}/{ident}", _session_label(body, session), code
                    )
                )
            for count in body.get("manual_counts", []):
                changes.append(
                    Change(
                        missing,
                        "manual_count",
                        f"{key}/{count['category']}",
                        f"{body.get('name')}：手入力の回数「{count['category']}」",
                        code,
                    )
                )

    # finance
    finance = scoped.get("finance")
    if isinstance(finance, dict):
        now_finance = current.get("finance") or {}
        for field, (kind, what, name_key) in FINANCE_LISTS.items():
            if not isinstance(finance.get(field), list):
                continue
            old_records = {
                r["key"]: r for r in now_finance.get(field) or [] if in_scope(finance_department(r))
            }
            for i, record in enumerate(finance[field]):
                if not isinstance(record, dict):
                    continue
                changes.append(
                    Change(
                        _decide(_with_department(record), old_records.pop(record.get("key"), None)),
                        kind,
                        str(record.get("key")),
                        f"{what}「{record.get(name_key)}」",
                        finance_department(record),
                        f"/finance/{field}/{i}",
                    )
                )
            for key, record in old_records.items():
                changes.append(
                    Change(
                        missing,
                        kind,
                        key,
                        f"{what}「{record.get(name_key)}」",
                        finance_department(record),
                    )
                )
        if "bonds" in finance:
            old = now_finance.get("bonds")
            if old is not None and not in_scope(finance_department(old)):
                old = None
            new = finance["bonds"]
            if isinstance(new, dict):
                changes.append(
                    Change(
                        _decide(_with_department(new), old),
                        "bonds",
                        "bonds",
                        "市債の台帳",
                        finance_department(new),
                        "/finance/bonds",
                    )
                )
            elif old is not None:
                changes.append(
                    Change(missing, "bonds", "bonds", "市債の台帳", finance_department(old))
                )
    return changes


def _with_department(record: dict) -> dict:
    return {**record, "department": finance_department(record)}


def counts(changes: list[Change]) -> dict[str, int]:
    """The audit entry's summary: created, replaced and deleted records."""
    tally = Counter(c.action for c in changes)
    return {"created": tally[CREATE], "replaced": tally[REPLACE], "deleted": tally[DELETE]}
