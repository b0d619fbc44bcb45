"""The narrative that quotes a body's purpose verbatim (会議体の目的), by reference."""

from __future__ import annotations

from typing import Any

from akiruno import cleaning
from meetings.blocks import (
    MeetingBlock,
    body_key,
)
from meetings.models import MeetingBody
from reports.blocks import Problem, register

ROLE_SENTENCES = {
    "organiser": "を目的とする{name}を開催した。",
    "member": "を目的とする{kind}の構成団体として、会議に出席した。",
    "attendee": "を目的とする{name}に参加した。",
    "affiliate": "を目的とする{name}に加盟している。",
}


@register
class MeetingPurposeBlock(MeetingBlock):
    """The narrative that quotes a body's purpose verbatim: 「…」を目的とする協議会の構成団体として、…

    `after` (and optionally `before`) is typed by staff; the purpose comes from the body record,
    so it is written once and quoted the same way every year.
    """

    kind = "meeting_purpose"
    label = "会議体の目的（本文）"
    template_name = "blocks/meeting_purpose.html"
    schema = {
        "type": "object",
        "properties": {
            "body": {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9_-]*$", "maxLength": 100},
            "before": {"type": "string"},
            "after": {"type": "string"},
        },
        "additionalProperties": False,
        "required": ["body"],
    }

    def clean(self, data: Any) -> dict:
        errors = cleaning.Errors()
        data = cleaning.block_data(data, errors)
        cleaned = {
            "body": body_key(data.get("body"), "/body", errors, required=False),
            "before": cleaning.text(data.get("before"), "/before", errors, limit=2000),
            "after": cleaning.text(data.get("after"), "/after", errors, limit=5000),
        }
        errors.raise_if_any("会議体の目的")
        return cleaned

    def resolve_many(self, datas: list[dict], *, fiscal_year: int) -> list[Any]:
        keys = {d["body"] for d in datas if d.get("body")}
        bodies = (
            {
                b["key"]: b
                for b in MeetingBody.objects.filter(key__in=keys).values(
                    "key", "name", "kind", "role", "purpose"
                )
            }
            if keys
            else {}
        )
        return [
            {**bodies[d["body"]], "found": True}
            if d.get("body") in bodies
            else {"key": d.get("body"), "found": False}
            for d in datas
        ]

    @staticmethod
    def _body(data: dict, resolved: Any) -> dict | None:
        if resolved and resolved.get("found") and resolved.get("key") == data["body"]:
            return resolved
        return None

    def view(self, data: dict, resolved: Any, *, depth: int) -> dict:
        body = self._body(data, resolved)
        if body is None:
            return {"data": data, "text": "", "missing": True}
        after = data["after"] or ROLE_SENTENCES.get(body["role"], "を目的とする{name}。").format(
            name=body["name"], kind=body["kind"]
        )
        purpose = f"「{body['purpose']}」" if body["purpose"] else ""
        return {"data": data, "text": f"{data['before']}{purpose}{after}", "missing": False}

    def strict_problems(self, data: dict, resolved: Any) -> list[Problem]:
        if not data.get("body"):
            return [Problem("/body", "会議体が選ばれていません。")]
        if resolved is None:
            return []
        body = self._body(data, resolved)
        if body is None:
            return [Problem("/body", f"会議体「{data['body']}」が登録されていません。")]
        if not body["purpose"]:
            return [Problem("/body", f"会議体「{body['name']}」の目的が入力されていません。")]
        return []
