"""What the edge refuses before anything reaches a service or the database.

- Characters no stored text may hold: NUL (PostgreSQL text and jsonb cannot hold it), lone
  surrogates (not encodable as UTF-8), the other C0 control characters except tab, line feed and
  carriage return, and U+FFFE/U+FFFF (neither may appear in the XML inside an .xlsx, .docx or
  the PDF's text layer). `forbidden_char` finds the first one in a string, list or dict and says
  where it is; every entry point (form fields and query strings in the middleware, JSON bodies in
  the API's parser, imported files, spreadsheet uploads) refuses with `forbidden_message`.
- Database lock conflicts (a deadlock, a serialisation failure, SQLite's "database is locked"):
  `is_lock_conflict` lets the API and the pages answer 409 "try again" instead of 500.
"""

from __future__ import annotations

import re
from typing import Any

FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

LOCK_CONFLICT_MESSAGE = (
    "他の保存と同時になったため、保存しませんでした（何も変更していません）。"
    "最新の内容を確かめてから、もう一度保存してください。"
)


def describe(char: str) -> str:
    """「NUL（U+0000）」「制御文字（U+001B）」「対になっていないサロゲート（U+D800）」."""
    code = f"U+{ord(char):04X}"
    if char == "\x00":
        return f"NUL 文字（{code}）"
    if "\ud800" <= char <= "\udfff":
        return f"対になっていないサロゲート（{code}）"
    if char in "\ufffe\uffff":
        return f"文字でない符号（{code}）"
    return f"制御文字（{code}）"


def forbidden_char(value: Any, place: str = "") -> tuple[str, str] | None:
    """(place, char) of the first forbidden character in `value`, or None.

    Places are JSON pointers below `place` ("/data/rows/0/1"); dict keys are checked too.
    """
    stack: list[tuple[str, Any]] = [(place, value)]
    while stack:
        where, current = stack.pop()
        if isinstance(current, str):
            found = FORBIDDEN.search(current)
            if found:
                return where or "/", found.group()
        elif isinstance(current, dict):
            items = list(current.items())
            for key, sub in reversed(items):
                key_text = str(key)
                found = FORBIDDEN.search(key_text)
                if found:
                    return f"{where}/{_escape(key_text)}", found.group()
                stack.append((f"{where}/{_escape(key_text)}", sub))
        elif isinstance(current, list | tuple):
            for index in range(len(current) - 1, -1, -1):
                stack.append((f"{where}/{index}", current[index]))
    return None


def _escape(key: str) -> str:
    return FORBIDDEN.sub("?", key).replace("~", "~0").replace("/", "~1")


def forbidden_message(char: str, what: str = "入力") -> str:
    return (
        f"{what}に使えない文字 {describe(char)} が含まれています。"
        "その文字を削除してから、もう一度送ってください（何も保存していません）。"
    )


def is_lock_conflict(exc: BaseException) -> bool:
    """A deadlock or serialisation failure (PostgreSQL) or a lock timeout (SQLite)."""
    from django.db import OperationalError

    if not isinstance(exc, OperationalError):
        return False
    cause = exc.__cause__
    if getattr(cause, "sqlstate", None) in {"40P01", "40001", "55P03"}:
        return True
    text = str(exc).lower()
    return "deadlock detected" in text or "database is locked" in text
