"""Narrative text (本文): paragraphs, the first optionally run on after the item's heading."""

from __future__ import annotations

import re
from typing import Any

from django.http import QueryDict

from akiruno import cleaning
from reports.blocks import BlockKind, Problem, register
from reports.blocks.editing import Editor, checked

MAX_TEXT = 20_000


class TextEditor(Editor):
    template_name = "staff/sections/blocks/text.html"

    def initial(self, data: dict) -> dict:
        return {
            "paragraphs": "\n".join(data.get("paragraphs", [])),
            "inline": data.get("inline", False),
        }

    def from_post(self, post: QueryDict, data: dict) -> dict:
        return {"paragraphs": post.get("paragraphs", ""), "inline": checked(post, "inline")}

    def to_data(self, state: dict, data: dict) -> dict:
        return {"paragraphs": state["paragraphs"].split("\n"), "inline": state["inline"]}

    def field_errors(self, details: dict, state: dict) -> dict[str, str]:
        messages = [m for p, m in details.items() if p.startswith("/paragraphs")]
        return {"paragraphs": " ".join(messages)} if messages else {}

    def place(self, pointer: str, state: dict) -> str:
        if m := re.fullmatch(r"/paragraphs/(\d+)", pointer):
            return f"{int(m[1]) + 1}段落目"
        return "本文"


@register
class TextBlock(BlockKind):
    kind = "text"
    label = "本文"
    template_name = "blocks/text.html"
    editor = TextEditor()
    menu_position = 0
    schema = {
        "type": "object",
        "properties": {
            "paragraphs": {"type": "array", "items": {"type": "string"}},
            "inline": {"type": "boolean"},
        },
        "additionalProperties": False,
        "required": ["paragraphs"],
    }

    def clean(self, data: Any) -> dict:
        errors = cleaning.Errors()
        data = cleaning.block_data(data, errors)
        paragraphs = data.get("paragraphs", [])
        if isinstance(paragraphs, str):
            paragraphs = [p for p in paragraphs.replace("\r\n", "\n").split("\n")]
        if not isinstance(paragraphs, list):
            errors.add("/paragraphs", "段落の一覧で入力してください。")
            paragraphs = []
        cleaned = [
            cleaning.text(p, f"/paragraphs/{i}", errors, limit=MAX_TEXT)
            for i, p in enumerate(paragraphs)
        ]
        errors.raise_if_any("本文")
        return {"paragraphs": [p for p in cleaned if p], "inline": bool(data.get("inline", False))}

    def view(self, data: dict, resolved: Any, *, depth: int) -> dict:
        paragraphs = list(data["paragraphs"])
        inline = ""
        if data.get("inline") and paragraphs:
            inline = paragraphs.pop(0)
        return {"data": data, "paragraphs": paragraphs, "inline": inline}

    def diff_lines(self, data: dict, resolved: Any, *, depth: int) -> list[str] | None:
        return list(data.get("paragraphs", []))

    def history_lines(self, view: dict) -> list[str] | None:
        return list(view.get("data", {}).get("paragraphs", []))

    def strict_problems(self, data: dict, resolved: Any) -> list[Problem]:
        if not data.get("paragraphs"):
            return [Problem("/paragraphs", "本文が空です。")]
        return []
