"""Enumerated lists (列挙): （ア）（イ）… one level below their item, or bullets (・)."""

from __future__ import annotations

import re
from typing import Any

from django.http import QueryDict

from akiruno import cleaning
from reports.blocks import BlockKind, Problem, register
from reports.blocks.editing import Editor


class ListEditor(Editor):
    template_name = "staff/sections/blocks/list.html"

    def initial(self, data: dict) -> dict:
        return {
            "entries": "\n".join(data.get("entries", [])),
            "style": data.get("style", "numbered"),
        }

    def from_post(self, post: QueryDict, data: dict) -> dict:
        return {"entries": post.get("entries", ""), "style": post.get("style", "numbered")}

    def to_data(self, state: dict, data: dict) -> dict:
        return {"entries": state["entries"].split("\n"), "style": state["style"]}

    def field_errors(self, details: dict, state: dict) -> dict[str, str]:
        out = {}
        for p, m in details.items():
            out["style" if p == "/style" else "entries"] = m
        return out

    def place(self, pointer: str, state: dict) -> str:
        if m := re.fullmatch(r"/entries/(\d+)", pointer):
            return f"{int(m[1]) + 1}行目"
        return "列挙"


@register
class ListBlock(BlockKind):
    """An enumerated list （ア）（イ）… numbered one level below its item, or bullets (・)."""

    kind = "list"
    label = "列挙"
    template_name = "blocks/list.html"
    editor = ListEditor()
    menu_position = 1
    schema = {
        "type": "object",
        "properties": {
            "entries": {"type": "array", "items": {"type": "string"}},
            "style": {"enum": ["numbered", "bullet"]},
        },
        "additionalProperties": False,
        "required": ["entries"],
    }

    def clean(self, data: Any) -> dict:
        errors = cleaning.Errors()
        data = cleaning.block_data(data, errors)
        entries = data.get("entries", [])
        if isinstance(entries, str):
            entries = entries.splitlines()
        if not isinstance(entries, list):
            errors.add("/entries", "項目の一覧で入力してください。")
            entries = []
        cleaned = [
            cleaning.text(e, f"/entries/{i}", errors, limit=2000) for i, e in enumerate(entries)
        ]
        style = data.get("style", "numbered")
        if style not in {"numbered", "bullet"}:
            errors.add("/style", "番号付き（numbered）か中黒（bullet）を選んでください。")
        errors.raise_if_any("列挙")
        return {"entries": [e for e in cleaned if e], "style": style}

    def view(self, data: dict, resolved: Any, *, depth: int) -> dict:
        from akiruno.numbering import MAX_DEPTH, label

        entries = []
        for index, text in enumerate(data["entries"], start=1):
            mark = label(min(depth + 1, MAX_DEPTH), index) if data["style"] == "numbered" else "・"
            entries.append({"label": mark, "text": text})
        return {"data": data, "entries": entries}

    def diff_lines(self, data: dict, resolved: Any, *, depth: int) -> list[str] | None:
        return self.history_lines(self.view(data, resolved, depth=depth))

    def history_lines(self, view: dict) -> list[str] | None:
        return [f"{e['label']} {e['text']}" for e in view.get("entries", [])]

    def strict_problems(self, data: dict, resolved: Any) -> list[Problem]:
        return [] if data.get("entries") else [Problem("/entries", "列挙の項目がありません。")]
