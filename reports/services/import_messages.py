"""Japanese refusals for imports: the place in the file, the rule, never a validator's sentence.

Every refusal of an import keeps its JSON pointer as the key of `details` and gets, in front of
its message, the human path to that place as the printed report names it:

    /sections/1/items/0/children/1/blocks/0/data/rows/2/n
    → 市長公室 １（２）「会議の開催」 第1ブロック（表「会議」） 3行目 列「件数」：整数で書いてください…

`schema_message` turns one jsonschema error into (pointer, rule); `locate` prefixes every
message of a refusal with the place; `json_error` words a JSON syntax error.
"""

from __future__ import annotations

import json
import re
import unicodedata
from typing import Any

import jsonschema
from jsonschema.exceptions import best_match

from akiruno.numbering import MAX_DEPTH, label

TYPE_NAMES = {
    "integer": "整数",
    "number": "数値",
    "string": "文字列",
    "object": "オブジェクト（{…}）",
    "array": "配列（[…]）",
    "boolean": "真偽値（true か false）",
    "null": "null",
}

FIELD_NAMES = {
    "heading": "見出し",
    "blocks": "ブロック",
    "children": "下位の項目",
    "items": "項目",
    "kind": "種類",
    "data": "内容",
    "department": "課コード",
    "state": "状態",
    "code": "課コード",
    "name": "名称",
    "title": "表題",
    "deadline": "提出期限",
    "display_order": "表示順",
    "parent": "上位",
    "fiscal_year": "年度",
    "format": "形式名",
    "format_version": "形式の版",
    "report": "報告書",
    "sections": "課別報告",
    "departments": "課の一覧",
    "meetings": "会議データ",
    "finance": "財政データ",
    "bodies": "会議体",
    "sessions": "会議",
    "manual_counts": "手入力の回数",
    "start": "開催日",
    "end": "終了日",
    "attendance": "出席者数",
    "venue": "開催会場",
    "sequence": "回",
    "category": "区分",
    "count": "回数",
    "agenda": "議題",
    "key": "キー",
    "unit": "単位",
    "columns": "列",
    "rows": "行",
    "caption": "表題",
    "label": "見出し",
    "value": "値",
    "entries": "項目",
    "paragraphs": "段落",
    "initial": "当初予算額",
    "supplementary": "補正予算額",
    "supplementary_count": "補正の回数",
    "appropriation": "予算現額",
    "settlement": "決算額",
    "lines": "行",
    "parts": "歳入・歳出",
    "accounts": "会計",
    "comparisons": "年度比較表",
    "funds": "基金",
    "grants": "交付金",
    "bonds": "地方債",
    "loans": "借入",
    "balances": "借入先別の残高",
    "opening": "前年度末現在高",
    "repaid": "償還額",
    "amount": "金額",
    "lender": "借入先",
    "rate": "利率",
    "date": "日付",
    "current": "今年度",
    "previous": "前年度",
    "formula": "式",
    "letter": "記号",
    "received": "交付額",
    "projects": "充当事業",
    "deposits": "積立",
    "withdrawals": "取崩し",
    "summary": "集計行",
    "footnotes": "注記",
    "total": "合計",
    "final": "最終予算額",
    "note": "備考",
    "purpose": "目的",
    "role": "市の関わり",
    "numbering": "回の番号",
    "active_from": "活動開始年度",
    "active_to": "活動終了年度",
    "by_format": "開催形式別の回数",
    "text": "文",
    "marker": "記号",
    "type": "型",
    "places": "小数の桁数",
}

PART_NAMES = {
    "revenue": "歳入",
    "expenditure": "歳出",
    "operating_revenue": "収益的収入",
    "operating_expenditure": "収益的支出",
    "capital_revenue": "資本的収入",
    "capital_expenditure": "資本的支出",
}

PATTERN_RULES = {
    "^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$": "日付は YYYY-MM-DD の形（例: 2024-10-03）で書いてください",
    "^[A-Za-z0-9][A-Za-z0-9_-]*$": "キーは半角英数字・ハイフン・下線で、英数字から始めてください",
    "^[-a-zA-Z0-9_]+$": "課コードは半角英数字・ハイフン・下線で書いてください",
    "^[a-z0-9][a-z0-9-]*$": "課コードは半角の小文字英数字とハイフンで、英数字から始めてください",
    "^[\\u30A1-\\u30FA]$": "記号はカタカナ1文字（ア、イ、…）で書いてください",
    "^[\\u30A1-\\u30FA]([+-][\\u30A1-\\u30FA])*$": "式は記号を + か - でつないで書いてください（例: ア-イ）",
    "^[0-9]+(\\.[0-9]+)?$": "利率は数字で書いてください（例: 0.5）",
}


def _pointer(path) -> str:
    return "/" + "/".join(str(p).replace("~", "~0").replace("/", "~1") for p in path)


def _value(instance: Any) -> str:
    """A scalar as the message quotes it; never an object or array dump."""
    if isinstance(instance, bool):
        return "true" if instance else "false"
    if instance is None:
        return "null"
    if isinstance(instance, dict):
        return "オブジェクト"
    if isinstance(instance, list):
        return f"{len(instance)}件の配列"
    text = _clean(instance)
    return f"「{text[:30]}{'…' if len(text) > 30 else ''}」"


def _kind_of(instance: Any) -> str:
    if isinstance(instance, bool):
        return TYPE_NAMES["boolean"]
    if isinstance(instance, int):
        return TYPE_NAMES["integer"]
    if isinstance(instance, float):
        return TYPE_NAMES["number"]
    if isinstance(instance, str):
        return f"文字列{_value(instance)}"
    if instance is None:
        return "null"
    return TYPE_NAMES["object"] if isinstance(instance, dict) else TYPE_NAMES["array"]


def _field(name: str) -> str:
    japanese = FIELD_NAMES.get(name)
    return f"「{name}」（{japanese}）" if japanese else f"「{name}」"


def _quoted_names(message: str) -> list[str]:
    """The property names jsonschema quotes in "('a', 'b' were unexpected)"."""
    inside = re.search(r"\((.*) (?:was|were) unexpected\)", message)
    return re.findall(r"'([^']*)'", inside.group(1)) if inside else []


def schema_message(error: jsonschema.ValidationError) -> tuple[str, str]:
    """(JSON pointer, the rule in Japanese) for one schema violation."""
    pointer = _pointer(error.absolute_path)
    kind, expected, instance = error.validator, error.validator_value, error.instance
    if kind in ("anyOf", "oneOf") and error.context:
        null_allowed = any(isinstance(s, dict) and s.get("type") == "null" for s in expected or [])
        relevant = [e for e in error.context if not _only_rejects_null(e)]
        if len(relevant) == 1 or (relevant and null_allowed):
            inner_pointer, rule = schema_message(best_match(relevant))
            return inner_pointer, rule + ("（null も使えます）" if null_allowed else "")
        if kind == "oneOf" and isinstance(instance, dict) and "formula" in instance:
            return pointer, (
                "式（formula）のある行は今年度・前年度（current・previous）を null にし、"
                "式のない行は formula を null にして current と previous を整数で書いてください。"
            )
        branches = sorted({schema_message(best_match([e]))[1] for e in error.context})
        return pointer, "どの書き方にも合いません（" + "／".join(branches[:3]) + "）。"
    if kind == "required":
        missing = re.match(r"'(.+)' is a required property", error.message)
        name = missing.group(1) if missing else "?"
        return pointer, f"必須の項目{_field(name)}がありません。"
    if kind in ("additionalProperties", "unevaluatedProperties"):
        names = _quoted_names(error.message) or ["?"]
        listed = "、".join(f"「{_short(n, 40)}」" for n in names)
        return pointer, (
            f"{listed}という項目はこの場所にはありません（綴りを確かめるか、取り除いてください）。"
        )
    if kind == "type":
        wanted = expected if isinstance(expected, list) else [expected]
        names = "か".join(TYPE_NAMES.get(t, t) for t in wanted)
        return pointer, f"{names}で書いてください（いまは{_kind_of(instance)}）。"
    if kind == "enum":
        return pointer, (
            f"{_value(instance)}は使えません。使える値: {'、'.join(map(str, expected))}。"
        )
    if kind == "const":
        return pointer, f"{_value(expected)}でなければなりません（いまは{_value(instance)}）。"
    if kind == "minimum":
        return pointer, f"{instance} は小さすぎます。{expected} 以上にしてください。"
    if kind == "maximum":
        return pointer, f"{instance} は大きすぎます。{expected} 以下にしてください。"
    if kind == "exclusiveMinimum":
        return pointer, f"{instance} は小さすぎます。{expected} より大きくしてください。"
    if kind == "exclusiveMaximum":
        return pointer, f"{instance} は大きすぎます。{expected} より小さくしてください。"
    if kind == "minLength":
        if expected == 1:
            return pointer, "空にはできません。"
        return pointer, f"{expected} 文字以上にしてください（いまは {len(instance)} 文字）。"
    if kind == "maxLength":
        return pointer, f"{expected} 文字以内にしてください（いまは {len(instance)} 文字）。"
    if kind == "pattern":
        rule = PATTERN_RULES.get(expected, "決められた書き方に合いません")
        return pointer, f"{rule}（いまは{_value(instance)}）。"
    if kind == "minItems":
        return pointer, f"少なくとも {expected} 件必要です（いまは {len(instance)} 件）。"
    if kind == "maxItems":
        if expected == 0 and pointer.endswith("/children"):
            return pointer, (
                f"項目の階層は{MAX_DEPTH}段（{label(MAX_DEPTH, 1)}）までです。"
                f"{MAX_DEPTH + 1}段目の項目は置けません。階層を見直してください。"
            )
        return pointer, f"{expected} 件以内にしてください（いまは {len(instance)} 件）。"
    if kind == "uniqueItems":
        return pointer, "同じ値が重複しています。"
    if kind == "format":
        return pointer, f"{expected} の形式に合いません（いまは{_value(instance)}）。"
    return pointer, f"この場所の決まり（{kind}）に合いません（いまは{_value(instance)}）。"


def _only_rejects_null(error: jsonschema.ValidationError) -> bool:
    return error.validator == "type" and error.validator_value == "null"


# -- the human path ----------------------------------------------------------------------


def _child(node: Any, segment: str) -> Any:
    if isinstance(node, list):
        try:
            return node[int(segment)]
        except (ValueError, IndexError):
            return None
    if isinstance(node, dict):
        return node.get(segment)
    return None


def _clean(text: Any) -> str:
    """Text quoted from the file, without the characters that cannot be shown (a lone
    surrogate, control characters): the refusal of those must still be printable."""
    return "".join(
        c for c in str(text or "") if unicodedata.category(c) not in ("Cs", "Cc", "Co", "Cn")
    )


def _short(text: Any, limit: int = 20) -> str:
    text = _clean(text)
    return text if len(text) <= limit else text[:limit] + "…"


def place(document: Any, pointer: str) -> str:
    """The place a JSON pointer names, as a person reading the report names it."""
    segments = [t.replace("~1", "/").replace("~0", "~") for t in pointer.split("/")[1:] if t != ""]
    if not segments:
        return "ファイル全体"
    names = {}
    for row in (document.get("departments") if isinstance(document, dict) else None) or []:
        if isinstance(row, dict) and isinstance(row.get("code"), str):
            names[row["code"]] = _short(row.get("name") or row["code"], 50)
    parts: list[str] = []
    node: Any = document
    depth = 0
    number = ""
    i = 0
    context = ""
    data_columns: dict[str, str] = {}
    item_part: int | None = None
    while i < len(segments):
        segment = segments[i]
        following = segments[i + 1] if i + 1 < len(segments) else None
        child = _child(node, segment)
        if following is not None and isinstance(child, list) and following.isdigit():
            index = int(following)
            element = _child(child, following)
            part = _element(context, segment, index, element, names, depth, number)
            if segment == "children" and item_part is not None:
                parts[item_part] = ""  # the deepest item's number already says where it is
            if segment in ("items", "children"):
                item_part = len(parts)
            parts.append(part)
            if segment in ("items", "children"):
                depth += 1
                number = (number if segment == "children" else "") + _label(depth, index)
            context = segment
            node = element
            i += 2
            continue
        if isinstance(node, dict) and segment == "data" and "kind" in node:
            context = f"data:{node.get('kind')}"
            data_columns = _column_labels(child)
            node = child
            i += 1
            continue
        if isinstance(node, dict) and context == "rows" and _is_table_row(node):
            parts.append(f"列「{_short(data_columns.get(segment, segment))}」")
        else:
            parts.append(FIELD_NAMES.get(segment, f"「{segment}」"))
        node = child
        i += 1
    return " ".join(p for p in parts if p)


def _column_labels(data: Any) -> dict[str, str]:
    columns = data.get("columns") if isinstance(data, dict) else None
    return {
        c["key"]: c.get("label") or c["key"]
        for c in columns or []
        if isinstance(c, dict) and isinstance(c.get("key"), str)
    }


def _is_table_row(node: dict) -> bool:
    return not {"heading", "blocks", "label", "formula"} & set(node)


def _label(depth: int, index: int) -> str:
    try:
        return label(depth, index + 1) if 1 <= depth <= MAX_DEPTH else ""
    except ValueError:
        return f"（{index + 1}番目）"


def _element(
    context: str, segment: str, index: int, element: Any, names: dict, depth: int, number: str
) -> str:
    el = element if isinstance(element, dict) else {}
    n = index + 1
    if segment == "sections":
        code = el.get("department")
        return f"{names.get(code, code or f'{n}番目の課別報告')}" if code else f"{n}番目の課別報告"
    if segment == "departments":
        return f"課の一覧 {n}件目" + (f"（{el.get('code')}）" if el.get("code") else "")
    if segment in ("items", "children"):
        level = depth + 1
        full = (number if segment == "children" else "") + _label(level, index)
        if level > MAX_DEPTH:
            full = f"{number} の下 {n}番目"
        heading = el.get("heading")
        return f"{full}「{_short(heading)}」" if heading else full
    if segment == "blocks":
        from reports import blocks

        kind = el.get("kind")
        try:
            kind_label = blocks.get(kind).label if isinstance(kind, str) else ""
        except Exception:
            kind_label = ""
        caption = (el.get("data") or {}).get("caption") if isinstance(el.get("data"), dict) else ""
        what = kind_label or (f"種類「{kind}」" if kind else "")
        if caption:
            what = f"{what}「{_short(caption)}」"
        return f"第{n}ブロック" + (f"（{what}）" if what else "")
    if segment == "rows":
        name = el.get("label") or el.get("name")
        return f"{n}行目" + (f"「{_short(name)}」" if isinstance(name, str) and name else "")
    if segment == "columns":
        return f"{n}列目" + (f"「{_short(el.get('label'))}」" if el.get("label") else "")
    if segment == "bodies":
        return f"会議体「{_short(el.get('name'))}」" if el.get("name") else f"{n}番目の会議体"
    if segment == "sessions":
        return f"{n}件目の会議" + (f"（{el.get('start')}）" if el.get("start") else "")
    if segment == "manual_counts":
        return (
            f"手入力の回数「{el.get('category')}」"
            if el.get("category")
            else f"手入力の回数 {n}件目"
        )
    if segment == "accounts":
        return f"会計「{_short(el.get('name'))}」" if el.get("name") else f"{n}番目の会計"
    if segment == "comparisons":
        return (
            f"年度比較表「{_short(el.get('title'))}」"
            if el.get("title")
            else f"{n}番目の年度比較表"
        )
    if segment == "funds":
        return f"基金「{_short(el.get('name'))}」" if el.get("name") else f"{n}番目の基金"
    if segment == "grants":
        return f"交付金「{_short(el.get('name'))}」" if el.get("name") else f"{n}番目の交付金"
    if segment == "parts":
        return PART_NAMES.get(el.get("part"), f"{n}番目の区分")
    if segment == "lines":
        return f"{n}行目" + (f"「{_short(el.get('name'))}」" if el.get("name") else "")
    if segment == "loans":
        return f"借入 {n}件目"
    if segment == "balances":
        return f"借入先「{_short(el.get('lender'))}」" if el.get("lender") else f"借入先 {n}件目"
    field = FIELD_NAMES.get(segment, f"「{segment}」")
    return f"{field} {n}件目"


def locate(document: Any, details: dict) -> dict:
    """Each message prefixed by the human path of its pointer (pointers stay the keys)."""
    out: dict = {}
    for pointer, message in details.items():
        if isinstance(pointer, str) and pointer.startswith("/") and isinstance(message, str):
            where = _clean(place(document, pointer))
            if where and not message.startswith(where):
                message = f"{where}：{message}"
        out[pointer] = message
    return out


JSON_REASONS = {
    "Expecting value": "値がありません",
    "Expecting property name enclosed in double quotes": '項目名は二重引用符（"）で囲んでください',
    "Unterminated string starting at": '文字列が閉じていません（" が足りません）',
    "Extra data": "JSON の終わりのあとに余分なデータがあります",
    "Expecting ',' delimiter": "区切りの「,」がありません",
    "Expecting ':' delimiter": "項目名のあとの「:」がありません",
    "Invalid control character at": "文字列の中に改行などの制御文字があります（\\n と書いてください）",
    "Invalid \\escape": "使えない「\\」の書き方があります",
}


def json_error(exc: Exception) -> str:
    """A JSON syntax or encoding error, in Japanese, with the line and column."""
    if isinstance(exc, UnicodeDecodeError):
        return (
            f"UTF-8 の文字として読めません（{exc.start + 1} バイト目）。UTF-8 で保存してください。"
        )
    if isinstance(exc, json.JSONDecodeError):
        reason = next(
            (text for prefix, text in JSON_REASONS.items() if exc.msg.startswith(prefix)),
            "JSON の書き方に合いません",
        )
        return f"{exc.lineno}行{exc.colno}文字目: {reason}。"
    return "JSON として読めません。"
