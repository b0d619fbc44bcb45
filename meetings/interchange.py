"""The "meetings" object of the interchange format (docs/report-format.md, "Meetings").

`export_meetings(fiscal_year=…)` writes the bodies with that year's sessions and manual counts;
`import_meetings(data, fiscal_year=…, departments=…)` checks everything first, reporting every
problem with a JSON pointer ("/meetings/bodies/3/sessions/2/start"), then writes in one
transaction: bodies are upserted by key, and the year's sessions and manual counts of every
body in the data are replaced by the ones given. The same session shape is what meeting
blocks put into a snapshot's `resolved`.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.db.models import Prefetch, Q

from akiruno.exceptions import InvalidInput
from meetings import validation
from meetings.models import AgendaItem, ManualCount, MeetingBody, MeetingSession
from meetings.validation import SessionData, nendo
from reports.models import Department

ROOT = "/meetings"


# --- shapes ------------------------------------------------------------------------------


def agenda_json(items) -> list[dict]:
    return [{"text": a.text, "marker": a.marker or None} for a in items]


def session_json(session: MeetingSession) -> dict:
    """A session as the format writes it; agenda_items must be prefetched."""
    return {
        "category": session.category,
        "sequence": session.sequence,
        "start": session.start.isoformat(),
        "end": session.end.isoformat() if session.end else None,
        "format": session.format,
        "venue": session.venue,
        "attendance": session.attendance,
        "agenda": agenda_json(session.agenda_items.all()),
        "note": session.note,
    }


def manual_count_json(count: ManualCount) -> dict:
    return {
        "category": count.category,
        "count": count.count,
        "by_format": count.by_format,
        "note": count.note,
    }


def body_json(body: MeetingBody, *, sessions: list, manual_counts: list) -> dict:
    return {
        "key": body.key,
        "name": body.name,
        "kind": body.kind,
        "department": body.department.code,
        "role": body.role,
        "purpose": body.purpose,
        "parent": body.parent.key if body.parent_id else None,
        "numbering": body.numbering,
        "active_from": body.active_from,
        "active_to": body.active_to,
        "sessions": [session_json(s) for s in sessions],
        "manual_counts": [manual_count_json(c) for c in manual_counts],
    }


def session_order_key(session: MeetingSession) -> tuple:
    return (session.start, session.category, session.sequence or 0, session.end or session.start)


# --- export ------------------------------------------------------------------------------


def export_meetings(*, fiscal_year: int) -> dict:
    """The bodies active in the fiscal year (or with its sessions or counts), and their parents,
    each with that year's sessions and manual counts. Four queries."""
    sessions = list(
        MeetingSession.objects.filter(fiscal_year=fiscal_year).prefetch_related(
            Prefetch("agenda_items", queryset=AgendaItem.objects.order_by("position", "id"))
        )
    )
    counts = list(ManualCount.objects.filter(fiscal_year=fiscal_year).order_by("category", "id"))
    with_records = {s.body_id for s in sessions} | {c.body_id for c in counts}
    bodies = {
        b.pk: b
        for b in MeetingBody.objects.select_related("department", "parent").order_by(
            "department__display_order", "department__code", "key"
        )
    }
    included = {
        pk
        for pk, b in bodies.items()
        if pk in with_records
        or (
            (b.active_from is None or b.active_from <= fiscal_year)
            and (b.active_to is None or b.active_to >= fiscal_year)
        )
    }
    for pk in list(included):  # parents, so that every "parent" key resolves
        parent = bodies[pk].parent_id
        while parent and parent not in included:
            included.add(parent)
            parent = bodies[parent].parent_id
    by_body: dict[int, list] = defaultdict(list)
    for s in sorted(sessions, key=session_order_key):
        by_body[s.body_id].append(s)
    counts_by_body: dict[int, list] = defaultdict(list)
    for c in counts:
        counts_by_body[c.body_id].append(c)
    return {
        "bodies": [
            body_json(b, sessions=by_body[pk], manual_counts=counts_by_body[pk])
            for pk, b in bodies.items()
            if pk in included
        ]
    }


# --- import ------------------------------------------------------------------------------


def _list(value: Any, where: str, errors: dict, what: str) -> list:
    if value is None:
        return []
    if not isinstance(value, list):
        errors[where] = f"{what}は配列で指定してください。"
        return []
    return value


def import_meetings(
    data: dict,
    *,
    fiscal_year: int,
    departments: dict[str, Department],
    delete_missing: bool = True,
    remove_bodies: tuple[str, ...] = (),
) -> None:
    """Check the whole "meetings" object, then write it in one transaction (or nothing).

    With `delete_missing` (the default here), a body's sessions and manual counts of the year
    are the ones given; without it, the given ones replace the stored ones they match (same
    category and number, or category and date; same count category) and the others stay.
    `remove_bodies` names bodies whose year's records go (and the body, when no other year
    has records of it and it has no sub-bodies)."""
    errors: dict[str, str] = {}
    if not isinstance(data, Mapping):
        raise InvalidInput(
            "会議データ（meetings）はオブジェクトで指定してください。",
            details={ROOT: '{"bodies": [...]} の形で指定してください。'},
        )
    raw_bodies = _list(data.get("bodies"), f"{ROOT}/bodies", errors, "会議体の一覧（bodies）")
    cleaned: list[dict] = []
    keys: dict[str, int] = {}
    for b, raw in enumerate(raw_bodies):
        where = f"{ROOT}/bodies/{b}"
        if not isinstance(raw, Mapping):
            errors[where] = "会議体はオブジェクトで指定してください。"
            continue
        body_errors: dict[str, str] = {}
        fields, body_errors = validation.clean_body_fields(raw, creating=True)
        if not fields["key"] and "key" not in body_errors:
            body_errors["key"] = "キーを指定してください（例: nishitama-kouiki）。"
        elif fields["key"] in keys:
            body_errors["key"] = (
                f"キー「{fields['key']}」が重複しています（/bodies/{keys[fields['key']]} と同じ）。"
            )
        keys.setdefault(fields["key"], b)
        code = raw.get("department")
        department = departments.get(code) if isinstance(code, str) else None
        if department is None:
            body_errors["department"] = f"担当課のコード「{code}」がありません。"
        parent = raw.get("parent")
        if parent is not None and not isinstance(parent, str):
            body_errors["parent"] = "上位の会議体はキー（文字）で指定してください。"
            parent = None
        for name, message in body_errors.items():
            errors[f"{where}/{name}"] = message
        cleaned.append(
            {
                "index": b,
                "fields": fields,
                "department": department,
                "parent": parent or None,
                "sessions": [],
                "manual_counts": [],
                "raw": raw,
            }
        )

    existing = {
        b.key: b
        for b in MeetingBody.objects.filter(
            Q(key__in=[c["fields"]["key"] for c in cleaned])
            | Q(key__in=[c["parent"] for c in cleaned if c["parent"]])
        )
    }
    _check_parents(cleaned, existing, errors)
    other_years = _other_year_sessions(cleaned, existing, fiscal_year)
    for body in cleaned:
        _clean_body_records(body, fiscal_year, other_years, errors)
    if errors:
        raise InvalidInput(
            f"会議データに誤りがあります（{len(errors)}件）。何も取り込んでいません。",
            details=errors,
        )
    _write(cleaned, existing, fiscal_year, delete_missing=delete_missing)
    if remove_bodies:
        _remove_bodies(remove_bodies, fiscal_year)


def _check_parents(cleaned: list[dict], existing: dict, errors: dict) -> None:
    """Parents must exist (in the data or the database) and form no cycle."""
    in_data = {c["fields"]["key"]: c["parent"] for c in cleaned}
    existing_parents = {
        b.key: b.parent.key if b.parent_id else None
        for b in MeetingBody.objects.select_related("parent").filter(
            pk__in=[b.pk for b in existing.values()]
        )
    }

    def parent_of(key: str) -> str | None:
        if key in in_data:
            return in_data[key]
        if key in existing_parents:
            return existing_parents[key]
        parent = MeetingBody.objects.filter(key=key).values_list("parent__key", flat=True).first()
        existing_parents[key] = parent
        return parent

    for body in cleaned:
        key, parent = body["fields"]["key"], body["parent"]
        where = f"{ROOT}/bodies/{body['index']}/parent"
        if not parent:
            continue
        if parent not in in_data and parent not in existing:
            errors[where] = (
                f"上位の会議体「{parent}」がありません（データにも登録済みの会議体にも）。"
            )
            continue
        seen = {key}
        current: str | None = parent
        while current:
            if current in seen:
                errors[where] = "上位の会議体をたどると自分に戻ります（循環しています）。"
                break
            seen.add(current)
            current = parent_of(current)


def _other_year_sessions(cleaned: list[dict], existing: dict, fiscal_year: int) -> dict:
    """(key, category, sequence) -> fiscal years of stored sessions in other years, and the
    span of years with sessions per key (for active years). One query."""
    pks = {b.pk: b.key for b in existing.values()}
    numbered: dict[tuple, list[int]] = defaultdict(list)
    years: dict[str, set[int]] = defaultdict(set)
    rows = (
        MeetingSession.objects.filter(body_id__in=pks)
        .exclude(fiscal_year=fiscal_year)
        .values_list("body_id", "category", "sequence", "fiscal_year")
    )
    for body_id, category, sequence, year in rows:
        years[pks[body_id]].add(year)
        if sequence is not None:
            numbered[(pks[body_id], category, sequence)].append(year)
    return {"numbered": numbered, "years": years}


def _clean_body_records(body: dict, fiscal_year: int, other_years: dict, errors: dict) -> None:
    raw, fields = body["raw"], body["fields"]
    where = f"{ROOT}/bodies/{body['index']}"
    key = fields["key"]
    stored_years = sorted(other_years["years"].get(key, set()))
    span = validation.active_years_text(fields["active_from"], fields["active_to"])
    for name, outside in (
        (
            "active_from",
            [y for y in stored_years if fields["active_from"] and y < fields["active_from"]],
        ),
        ("active_to", [y for y in stored_years if fields["active_to"] and y > fields["active_to"]]),
    ):
        if outside:
            errors.setdefault(
                f"{where}/{name}",
                f"{nendo(outside[0])}の会議が登録されているため、活動年度を{span}にはできません。",
            )
    seen: dict[tuple, int] = {}
    for s, raw_session in enumerate(
        _list(raw.get("sessions"), f"{where}/sessions", errors, "会議の一覧（sessions）")
    ):
        at = f"{where}/sessions/{s}"
        if not isinstance(raw_session, Mapping):
            errors[at] = "会議はオブジェクトで指定してください。"
            continue
        session, problems = validation.clean_session(
            raw_session,
            fiscal_year=fiscal_year,
            default_category=fields["kind"],
            active_from=fields["active_from"],
            active_to=fields["active_to"],
        )
        for name, message in problems.items():
            errors[f"{at}/{name}"] = message
        if session.sequence is not None and session.category:
            ident = (session.category, session.sequence)
            if ident in seen:
                errors[f"{at}/sequence"] = (
                    f"「{session.category}」の第{session.sequence}回が重複しています"
                    f"（{where}/sessions/{seen[ident]} と同じ番号）。"
                )
            seen.setdefault(ident, s)
            if fields["numbering"] == MeetingBody.Numbering.CONTINUOUS:
                years = other_years["numbered"].get((key, session.category, session.sequence))
                if years:
                    errors[f"{at}/sequence"] = (
                        f"「{session.category}」の第{session.sequence}回は{nendo(years[0])}に"
                        "登録済みです（通し番号の会議体）。回の番号を確認してください。"
                    )
        if not problems:
            body["sessions"].append(session)
    categories: Counter = Counter()
    for c, raw_count in enumerate(
        _list(raw.get("manual_counts"), f"{where}/manual_counts", errors, "手入力の回数")
    ):
        at = f"{where}/manual_counts/{c}"
        if not isinstance(raw_count, Mapping):
            errors[at] = "手入力の回数はオブジェクトで指定してください。"
            continue
        values, problems = validation.clean_manual_count(raw_count)
        for name, message in problems.items():
            name = name if name in {"category", "count", "note"} else f"by_format/{name}"
            errors[f"{at}/{name}"] = message
        categories[values["category"]] += 1
        if categories[values["category"]] > 1:
            errors[f"{at}/category"] = (
                f"区分「{values['category']}」の手入力の回数が重複しています（1区分に1つです）。"
            )
        if not problems:
            body["manual_counts"].append(values)


def _identity(category: str, sequence: int | None, start: str, seen: Counter) -> str:
    """The same identity reports.services.import_changes.session_identity gives a session."""
    if sequence is not None:
        return f"{category}#{sequence}"
    base = f"{category}@{start}"
    seen[base] += 1
    return base if seen[base] == 1 else f"{base}/{seen[base]}"


def _matching_sessions(body_id: int, sessions: list, fiscal_year: int) -> list[int]:
    """Ids of the stored sessions of the year that the given ones replace."""
    wanted: set[str] = set()
    seen: Counter = Counter()
    for data in sessions:
        fields = data.model_fields()
        wanted.add(
            _identity(fields["category"], fields.get("sequence"), fields["start"].isoformat(), seen)
        )
    stored = sorted(
        MeetingSession.objects.filter(body_id=body_id, fiscal_year=fiscal_year),
        key=session_order_key,
    )
    seen = Counter()
    return [
        s.pk
        for s in stored
        if _identity(s.category, s.sequence, s.start.isoformat(), seen) in wanted
    ]


@transaction.atomic
def _remove_bodies(keys: tuple[str, ...], fiscal_year: int) -> None:
    bodies = list(MeetingBody.objects.filter(key__in=keys))
    ids = [b.pk for b in bodies]
    MeetingSession.objects.filter(body_id__in=ids, fiscal_year=fiscal_year).delete()
    ManualCount.objects.filter(body_id__in=ids, fiscal_year=fiscal_year).delete()
    busy = set(
        MeetingSession.objects.filter(body_id__in=ids).values_list("body_id", flat=True)
    ) | set(ManualCount.objects.filter(body_id__in=ids).values_list("body_id", flat=True))
    removable = [b for b in bodies if b.pk not in busy]
    while removable:  # sub-bodies first; a body whose sub-bodies stay, stays
        parents = set(
            MeetingBody.objects.filter(parent__in=removable).values_list("parent_id", flat=True)
        )
        leaves = [b for b in removable if b.pk not in parents]
        if not leaves:
            break
        MeetingBody.objects.filter(pk__in=[b.pk for b in leaves]).delete()
        removable = [b for b in removable if b.pk in parents]


@transaction.atomic
def _write(
    cleaned: list[dict], existing: dict, fiscal_year: int, *, delete_missing: bool = True
) -> None:
    bodies: dict[str, MeetingBody] = {}
    for item in cleaned:
        fields = item["fields"]
        body = existing.get(fields["key"]) or MeetingBody(key=fields["key"])
        for name in ("name", "kind", "role", "purpose", "numbering", "active_from", "active_to"):
            setattr(body, name, fields[name])
        body.department = item["department"]
        if body.pk:
            body.version += 1
        body.save()
        bodies[body.key] = body
    for item in cleaned:
        body = bodies[item["fields"]["key"]]
        parent = item["parent"]
        parent_body = (bodies.get(parent) or existing.get(parent)) if parent else None
        if body.parent_id != (parent_body.pk if parent_body else None):
            body.parent = parent_body
            body.save(update_fields=["parent"])
    ids = [b.pk for b in bodies.values()]
    if delete_missing:
        MeetingSession.objects.filter(body_id__in=ids, fiscal_year=fiscal_year).delete()
        ManualCount.objects.filter(body_id__in=ids, fiscal_year=fiscal_year).delete()
    else:
        replaced: list[int] = []
        for item in cleaned:
            body = bodies[item["fields"]["key"]]
            replaced += _matching_sessions(body.pk, item["sessions"], fiscal_year)
            ManualCount.objects.filter(
                body=body,
                fiscal_year=fiscal_year,
                category__in=[v["category"] for v in item["manual_counts"]],
            ).delete()
        MeetingSession.objects.filter(pk__in=replaced).delete()
    sessions: list[tuple[MeetingSession, SessionData]] = []
    counts: list[ManualCount] = []
    for item in cleaned:
        body = bodies[item["fields"]["key"]]
        for data in item["sessions"]:
            sessions.append(
                (MeetingSession(body=body, fiscal_year=fiscal_year, **data.model_fields()), data)
            )
        for values in item["manual_counts"]:
            counts.append(ManualCount(body=body, fiscal_year=fiscal_year, **values))
    created = MeetingSession.objects.bulk_create([s for s, _ in sessions])
    AgendaItem.objects.bulk_create(
        [
            a
            for session, (_, data) in zip(created, sessions, strict=True)
            for a in data.agenda_models(session)
        ]
    )
    ManualCount.objects.bulk_create(counts)


def schema_part() -> tuple[str, dict, dict]:
    """The "meetings" object of the interchange JSON Schema and its $defs (reports.schema)."""
    return "meetings", SCHEMA, SCHEMA_DEFS


SCHEMA = {
    "type": "object",
    "properties": {"bodies": {"type": "array", "items": {"$ref": "#/$defs/meeting_body"}}},
    "additionalProperties": False,
}
SCHEMA_DEFS = {
    "agenda_item": {
        "type": "object",
        "properties": {
            "text": {
                "type": "string",
                "minLength": 1,
                "description": "continuation lines (①…) after a newline are "
                "printed without a bullet",
            },
            "marker": {"enum": ["諮問", "報告", None]},
        },
        "additionalProperties": False,
        "required": ["text"],
    },
    "session": {
        "type": "object",
        "properties": {
            "category": {"type": "string", "minLength": 1},
            "sequence": {"type": ["integer", "null"], "minimum": 1},
            "start": {"$ref": "#/$defs/date"},
            "end": {"anyOf": [{"$ref": "#/$defs/date"}, {"type": "null"}]},
            "format": {"enum": ["in_person", "written", "online", "hybrid"]},
            "venue": {"type": "string"},
            "attendance": {"type": ["integer", "null"], "minimum": 0},
            "agenda": {"type": "array", "items": {"$ref": "#/$defs/agenda_item"}},
            "note": {"type": "string"},
        },
        "additionalProperties": False,
        "required": ["category", "start", "format"],
    },
    "manual_count": {
        "type": "object",
        "properties": {
            "category": {"type": "string", "minLength": 1},
            "count": {"type": "integer", "minimum": 0},
            "by_format": {
                "type": "object",
                "properties": {
                    "online": {"type": "integer", "minimum": 0},
                    "written": {"type": "integer", "minimum": 0},
                    "hybrid": {"type": "integer", "minimum": 0},
                },
                "additionalProperties": False,
            },
            "note": {"type": "string"},
        },
        "additionalProperties": False,
        "required": ["category", "count"],
    },
    "meeting_body": {
        "type": "object",
        "properties": {
            "key": {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9_-]*$", "maxLength": 100},
            "name": {"type": "string", "minLength": 1},
            "kind": {
                "enum": ["協議会", "審議会", "委員会", "会議", "研究会", "部会", "本部", "その他"]
            },
            "department": {"type": "string", "minLength": 1},
            "role": {"enum": ["organiser", "member", "attendee", "affiliate"]},
            "purpose": {"type": "string"},
            "parent": {"type": ["string", "null"]},
            "active_from": {
                "anyOf": [{"type": "integer", "minimum": 1989, "maximum": 2200}, {"type": "null"}]
            },
            "active_to": {
                "anyOf": [{"type": "integer", "minimum": 1989, "maximum": 2200}, {"type": "null"}]
            },
            "sessions": {"type": "array", "items": {"$ref": "#/$defs/session"}},
            "manual_counts": {"type": "array", "items": {"$ref": "#/$defs/manual_count"}},
            "numbering": {"enum": ["yearly", "continuous"]},
        },
        "additionalProperties": False,
        "required": ["key", "name", "kind", "department", "role"],
    },
}
