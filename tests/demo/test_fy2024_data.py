"""The FY2024 demo data (demo/fy2024.json) against the format, the block kinds and the excerpt.

The excerpt is the PDF text extraction of the real 令和6年度 事務報告書, copied next to this file.
Checked here: the JSON Schema; every core block is already clean; every reference resolves; the
derived numbering reproduces the excerpt's headings in order; every text, label and count
renders to a string the excerpt prints; every printed total equals the one computed from the
data; every number of the excerpt is stored in the data or computed from it.
"""

from __future__ import annotations

import copy
import datetime as dt
import itertools
import json
import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import jsonschema
import pytest

from akiruno import numbers, wareki
from akiruno.numbering import label
from reports import blocks, tables

ROOT = Path(__file__).resolve().parents[2]
DATA = json.loads((ROOT / "demo" / "fy2024.json").read_text(encoding="utf-8"))
SCHEMA = json.loads((ROOT / "docs" / "report-format.schema.json").read_text(encoding="utf-8"))
EXCERPT = (Path(__file__).parent / "annual-report-fy2024-excerpt.txt").read_text(encoding="utf-8")

CORE_KINDS = ("text", "list", "counts", "table", "monthly_table")
DEPARTMENTS = ("kikaku-seisaku", "shicho-koshitsu", "zaisei")
BODIES = {b["key"]: b for b in DATA["meetings"]["bodies"]}
ACCOUNTS = {a["key"]: a for a in DATA["finance"]["accounts"]}
COMPARISONS = {c["key"]: c for c in DATA["finance"]["comparisons"]}

# Text the data holds that the excerpt does not print: the excerpt starts at 財政課's （２）, so
# item １ and its （１）一般会計 are supplied to reproduce the numbering, and the transposed
# ネーミングライツ table needs a label for its record-header column (the printed cell is blank).
NOT_PRINTED = {
    "予算の執行状況",
    "一般会計",
    "（本データは抜粋のため一般会計の表を含まない。）",
    "施設",
}


# --- helpers ---------------------------------------------------------------------------------
def normalise(text: str) -> str:
    """Half-width, no whitespace: the PDF breaks lines and pads cells with spaces at will."""
    return re.sub(r"\s+", "", wareki.to_halfwidth(text))


def _excerpt_parts() -> dict[str, str]:
    lines = EXCERPT.splitlines()
    starts = {}
    for index, line in enumerate(lines):
        stripped = line.strip()
        for code, first in (
            ("kikaku-seisaku", "企画政策課"),
            ("shicho-koshitsu", "市長公室"),
            ("zaisei", "（２）特別会計"),
        ):
            if stripped == first and code not in starts:
                starts[code] = index
    bounds = [*sorted(starts.items(), key=lambda kv: kv[1]), ("", len(lines))]
    return {
        code: "\n".join(lines[start:end]) for (code, start), (_, end) in itertools.pairwise(bounds)
    }


PARTS = _excerpt_parts()


def section(code: str) -> dict:
    return next(s for s in DATA["sections"] if s["department"] == code)


def walk(items: list[dict], depth: int = 1) -> Iterator[tuple[int, int, dict]]:
    for index, item in enumerate(items, start=1):
        yield depth, index, item
        yield from walk(item["children"], depth + 1)


def all_blocks(code: str | None = None) -> Iterator[tuple[str, int, dict]]:
    """(where, depth, block) over every section, or one department's."""
    for sec in DATA["sections"]:
        if code and sec["department"] != code:
            continue
        for depth, _, item in walk(sec["items"]):
            for position, block in enumerate(item["blocks"]):
                where = f"{sec['department']}:{item['heading']}#{position}:{block['kind']}"
                yield where, depth, block


# The two paragraphs the excerpt splits: a page break with tables between "９６施設を" and
# "除いた４０施設", and the text column after "広告を掲載" (the table), "した。" on the next page.
SPLIT_BY_PAGE_BREAK = {"除いた４０施設について", "した。"}


def appears(text: str, haystack: str) -> bool:
    """Whether `text` is printed in `haystack`: whole, or in two pieces at a known page break."""
    needle = normalise(text)
    if needle in haystack:
        return True
    for tail in SPLIT_BY_PAGE_BREAK:
        head, sep, rest = text.rpartition(tail) if tail == "した。" else text.partition(tail)
        if sep and head and normalise(head) in haystack and normalise(sep + rest) in haystack:
            return haystack.index(normalise(head)) < haystack.rindex(normalise(sep + rest))
    return False


def sum0(values) -> int:
    """The report's sums print 0 over no values (補正予算額 合計 of a line without any)."""
    return sum(v or 0 for v in values)


# --- how meetings and counts print -------------------------------------------------------------
WHOLE = {"written": "書面開催", "online": "オンライン開催", "hybrid": "ハイブリッド開催"}
PART = {"written": "書面開催", "online": "オンライン", "hybrid": "ハイブリッド開催"}


def meeting_count(body: dict, category: str) -> tuple[int, dict[str, int]]:
    sessions = [s for s in body["sessions"] if s["category"] == category]
    if sessions:
        return len(sessions), {f: sum(s["format"] == f for s in sessions) for f in WHOLE}
    manual = next(m for m in body["manual_counts"] if m["category"] == category)
    return manual["count"], manual["by_format"]


def meeting_count_text(entry: dict) -> str:
    count, by_format = meeting_count(BODIES[entry["body"]], entry["category"])
    note = entry.get("note", "")
    if not note:
        for fmt, n in by_format.items():
            if n and n == count:
                note = f"（{WHOLE[fmt]}）"
            elif n:
                note = f"（うち{PART[fmt]}{numbers.count_text(n, '回')}）"
    return (entry["label"] or entry["category"]) + numbers.count_text(count, "回") + note


def printed_strings(block: dict, depth: int) -> list[str]:
    """What a block prints that the excerpt must contain (numbers included, layout aside)."""
    kind, data = block["kind"], block["data"]
    out: list[str] = []
    if kind == "text":
        out += data["paragraphs"]
    elif kind == "list":
        view = blocks.get("list").view(data, None, depth=depth)
        out += [e["label"] + e["text"] for e in view["entries"]]
    elif kind == "counts":
        view = blocks.get("counts").view(data, None, depth=depth)
        for e in view["entries"]:
            # The view's count already carries the extra figures (２６人、６団体).
            out.append(e["mark"] + e["label"] + e["count"] + e["note"])
        if view["total"]:
            total = view["total"]
            out.append(f"{total['label']}{total['count']}（{total['note']}）")
    elif kind == "table":
        out += [data["caption"]] if data["caption"] else []
        out += [c["label"] for c in data["columns"]]
        types = {c["key"]: c["type"] for c in data["columns"]}
        for row in data["rows"]:
            for key, value in row.items():
                if types[key] == "text":
                    out.append(value)
                elif types[key] == "lines":
                    out += ["・" + line for line in value]
                elif types[key] in tables.NUMERIC_TYPES:
                    out.append(numbers.format_integer(value, digits=data["digits"]))
        if not data["transposed"] and set(types.values()) <= {"text", "integer"}:
            # whole rows, computed 合計 included, as the table prints them
            for row in blocks.get("table").compute(data).rows:
                out.append("".join(cell.display for cell in row.cells))
    elif kind == "monthly_table":
        view = blocks.get("monthly_table").view(data, None, depth=depth)
        out += [data["caption"]] if data["caption"] else []
        for half in view["halves"]:
            for row in half["rows"]:
                out.append(row["label"] + "".join(row["values"]) + "".join(row["summaries"]))
    elif kind == "meeting_counts":
        for index, entry in enumerate(data["entries"], start=1):
            mark = label(depth + 1, index) if data["style"] == "numbered" else ""
            out.append(mark + meeting_count_text(entry))
    return out


# --- 1. the JSON Schema ------------------------------------------------------------------------
def test_schema_is_a_valid_draft_2020_12_schema():
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_demo_data_validates_against_the_schema():
    errors = sorted(
        jsonschema.Draft202012Validator(SCHEMA).iter_errors(DATA), key=lambda e: e.json_path
    )
    assert [f"{e.json_path}: {e.message}" for e in errors] == []


def _first_block(doc: dict, kind: str) -> dict:
    for sec in doc["sections"]:
        for _, _, item in walk(sec["items"]):
            for block in item["blocks"]:
                if block["kind"] == kind:
                    return block
    raise AssertionError(kind)


def _nest_to_depth_7(doc: dict) -> None:
    depth, item = max(
        ((d, item) for sec in doc["sections"] for d, _, item in walk(sec["items"])),
        key=lambda pair: pair[0],
    )
    for level in range(depth + 1, 8):
        child = {"heading": f"第{level}階層", "blocks": [], "children": []}
        item["children"].append(child)
        item = child


BROKEN = {
    "unknown top-level key": lambda d: d.update(extra=1),
    "wrong format version": lambda d: d.update(format_version=2),
    "text block with stray key": lambda d: _first_block(d, "text")["data"].update(html="<b>"),
    "counts value as text": lambda d: _first_block(d, "counts")["data"]["entries"][0].update(
        value="３１８"
    ),
    "monthly table with 11 months": lambda d: _first_block(d, "monthly_table")["data"]["measures"][
        0
    ]["values"].pop(),
    "amount column without unit": lambda d: _first_block(d, "table")["data"]["columns"][1].update(
        type="amount"
    ),
    "unknown block kind": lambda d: _first_block(d, "text").update(kind="html"),
    "item nested seven deep": _nest_to_depth_7,
    "session format not in the list": lambda d: d["meetings"]["bodies"][9]["sessions"][0].update(
        format="zoom"
    ),
    "date not ISO": lambda d: d["meetings"]["bodies"][9]["sessions"][0].update(start="R6.6.4"),
    "comparison row with figures and a formula": lambda d: d["finance"]["comparisons"][0]["rows"][
        2
    ].update(current=1, previous=1),
    "enterprise account with a revenue part": lambda d: d["finance"]["accounts"][6]["parts"][
        0
    ].update(part="revenue"),
    "amount with a decimal": lambda d: d["finance"]["accounts"][0]["parts"][0]["lines"][0].update(
        initial=1.5
    ),
}


@pytest.mark.parametrize("mutation", list(BROKEN), ids=list(BROKEN))
def test_schema_refuses_broken_documents(mutation):
    doc = copy.deepcopy(DATA)
    BROKEN[mutation](doc)
    assert doc != DATA
    assert list(jsonschema.Draft202012Validator(SCHEMA).iter_errors(doc))


# --- 2. core blocks are already clean ----------------------------------------------------------
CORE_BLOCKS = [(w, b) for w, _, b in all_blocks() if b["kind"] in CORE_KINDS]


@pytest.mark.parametrize(("where", "block"), CORE_BLOCKS, ids=[w for w, _ in CORE_BLOCKS])
def test_core_block_is_unchanged_by_clean(where, block):
    assert blocks.get(block["kind"]).clean(copy.deepcopy(block["data"])) == block["data"]


def test_every_core_kind_is_used():
    assert {b["kind"] for _, b in CORE_BLOCKS} == set(CORE_KINDS)


# --- references ------------------------------------------------------------------------------
def test_references_resolve():
    codes = {d["code"] for d in DATA["departments"]}
    assert [s["department"] for s in DATA["sections"]] == list(DEPARTMENTS)
    assert {s["state"] for s in DATA["sections"]} == {"draft"}
    assert len(BODIES) == len(DATA["meetings"]["bodies"]), "body keys are unique"
    for body in BODIES.values():
        assert body["department"] in codes
        assert body["parent"] is None or body["parent"] in BODIES
    problems = []
    for where, _, block in all_blocks():
        data = block["data"]
        if block["kind"] == "meeting_counts":
            for entry in data["entries"]:
                body = BODIES.get(entry["body"])
                categories = {m["category"] for m in body["manual_counts"]} | {
                    s["category"] for s in body["sessions"]
                }
                if entry["category"] not in categories:
                    problems.append((where, entry))
        elif block["kind"] == "meeting_table":
            if not BODIES[data["body"]]["sessions"]:
                problems.append((where, data))
        elif block["kind"] == "budget_statement":
            if data["account"] not in ACCOUNTS:
                problems.append((where, data))
        elif block["kind"] == "comparison_table":
            if data["table"] not in COMPARISONS:
                problems.append((where, data))
    assert problems == []


def test_every_record_is_embedded_somewhere():
    """No orphans: each account, comparison and counted or tabled body is printed once."""
    used = {"budget_statement": [], "comparison_table": [], "bodies": []}
    for _, _, block in all_blocks():
        if block["kind"] == "budget_statement":
            used["budget_statement"].append(block["data"]["account"])
        elif block["kind"] == "comparison_table":
            used["comparison_table"].append(block["data"]["table"])
        elif block["kind"] == "meeting_counts":
            used["bodies"] += [(e["body"], e["category"]) for e in block["data"]["entries"]]
        elif block["kind"] == "meeting_table":
            body = BODIES[block["data"]["body"]]
            used["bodies"] += [(body["key"], s["category"]) for s in body["sessions"]]
    assert sorted(used["budget_statement"]) == sorted(ACCOUNTS)
    assert sorted(used["comparison_table"]) == sorted(COMPARISONS)
    counted = {(b["key"], m["category"]) for b in BODIES.values() for m in b["manual_counts"]}
    assert counted <= set(used["bodies"])


def test_supplementary_columns_match_each_account():
    for account in ACCOUNTS.values():
        for part in account["parts"]:
            for line in part["lines"]:
                assert len(line["supplementary"]) == account["supplementary_count"], line["name"]
                assert line["children"] == []


# --- numbering and text ------------------------------------------------------------------------
@pytest.mark.parametrize("code", DEPARTMENTS)
def test_derived_numbering_reproduces_the_excerpt_headings_in_order(code):
    part = normalise(PARTS[code])
    position = 0
    printed = []
    for depth, index, item in walk(section(code)["items"]):
        if item["heading"] in NOT_PRINTED:
            continue
        expected = normalise(label(depth, index) + item["heading"])
        found = part.find(expected, position)
        assert found >= 0, f"{label(depth, index)}{item['heading']} not found after {printed[-1:]}"
        position = found + len(expected)
        printed.append(label(depth, index) + item["heading"])
    assert printed


def test_numbering_spot_checks():
    """The excerpt's deepest and widest numbers: 10 and 11 half-width, （ア）, ａ, サ."""
    labels = {
        item["heading"]: label(depth, index)
        for code in DEPARTMENTS
        for depth, index, item in walk(section(code)["items"])
    }
    assert labels["資産マネジメントに関する取組"] == "10"
    assert labels["社会課題・地域課題解決型官民連携プロジェクト推進事業"] == "17"
    assert labels["投票数"] == "（イ）"
    assert labels["公営企業会計"] == "（３）"
    assert labels["東京都市町村総合交付金年度比較表"] == "３"
    letters = next(b for w, _, b in all_blocks("shicho-koshitsu") if "市長への手紙内訳" in w)
    view = blocks.get("counts").view(letters["data"], None, depth=2)
    assert [e["mark"] for e in view["entries"]][-1] == "サ"
    second = next(
        b for w, _, b in all_blocks("kikaku-seisaku") if w.startswith("kikaku-seisaku:二次審査")
    )
    assert [
        e["label"] for e in blocks.get("list").view(second["data"], None, depth=4)["entries"]
    ] == [
        "ａ",
        "ｂ",
    ]


@pytest.mark.parametrize("code", DEPARTMENTS)
def test_every_printed_string_is_in_the_excerpt(code):
    part = normalise(PARTS[code])
    missing = []
    for where, depth, block in all_blocks(code):
        for text in printed_strings(block, depth):
            if text not in NOT_PRINTED and not appears(text, part):
                missing.append((where, text))
    assert missing == []


@pytest.mark.parametrize("code", DEPARTMENTS[:2])
def test_meeting_records_are_in_the_excerpt(code):
    part = normalise(PARTS[code])
    missing = []
    for body in BODIES.values():
        if body["department"] != code:
            continue
        texts = [body["name"], body["purpose"]] + [m["category"] for m in body["manual_counts"]]
        for session in body["sessions"]:
            texts += [session["category"], session["venue"]]
            if session["sequence"]:
                texts.append(f"第{wareki.to_fullwidth_digits(str(session['sequence']))}回")
            if session["attendance"] is not None:
                texts.append(numbers.format_integer(session["attendance"], digits="full"))
            for agenda in session["agenda"]:
                marker = f"（{agenda['marker']}）" if agenda["marker"] else ""
                first, *continuation = agenda["text"].split("\n")
                texts += ["・" + first + marker, *continuation]
        missing += [(body["key"], t) for t in texts if t and not appears(t, part)]
    assert missing == []


def test_finance_names_are_in_the_excerpt():
    part = normalise(PARTS["zaisei"])
    names = [a["name"] for a in ACCOUNTS.values()]
    names += [ln["name"] for a in ACCOUNTS.values() for p in a["parts"] for ln in p["lines"]]
    names += [c["title"] for c in COMPARISONS.values()]
    names += [r["label"] for c in COMPARISONS.values() for r in c["rows"]]
    assert [n for n in names if normalise(n) not in part] == []


def test_session_formats_follow_the_printed_notes():
    written = {
        (b["key"], s["sequence"])
        for b in BODIES.values()
        for s in b["sessions"]
        if s["format"] == "written"
    }
    assert written == {("chozei-hokokukai", 1), ("chozei-hokokukai", 3)}
    assert normalise(EXCERPT).count("(書面開催)") == 2 + 2  # two sessions, two count notes


# --- 3. arithmetic: every printed total equals the computed one ---------------------------------
def block_under(code: str, heading: str, kind: str) -> dict:
    for _, _, item in walk(section(code)["items"]):
        if item["heading"] == heading:
            return next(b["data"] for b in item["blocks"] if b["kind"] == kind)
    raise AssertionError(heading)


def table_total(data: dict) -> list:
    view = blocks.get("table").compute(data)
    total = next(r for r in view.rows if r.kind == "total")
    return [c.value for c in total.cells]


def column_sum(data: dict, key: str) -> int:
    return sum(row[key] for row in data["rows"])


def monthly_summaries(data: dict) -> dict:
    computed = blocks.get("monthly_table").compute(data)
    return computed["measures"][0]["summaries"]


def test_council_bills_total():
    data = block_under("kikaku-seisaku", "市議会関係", "table")
    assert table_total(data) == ["合計", 0, 11, 85, 2]


def test_homepage_access_total_and_monthly_average():
    data = block_under("shicho-koshitsu", "ホームページ月別アクセス件数", "monthly_table")
    assert monthly_summaries(data) == {"average": 277710, "sum": 3332519}


def test_mail_service_has_no_totals_and_two_measures():
    data = block_under("shicho-koshitsu", "メール配信サービス", "monthly_table")
    assert data["summary"] == [] and data["split"] == 2
    assert [m["label"] for m in data["measures"]] == ["利用者数", "配信数"]
    assert data["measures"][0]["values"][0] == 15166 and data["measures"][1]["values"][-1] == 163


def test_citizen_post_totals():
    monthly = block_under("shicho-koshitsu", "市民ポストの月別利用状況", "monthly_table")
    places = block_under("shicho-koshitsu", "市民ポスト設置場所別利用状況", "table")
    departments = block_under("shicho-koshitsu", "市民ポスト担当別利用状況", "table")
    assert monthly_summaries(monthly) == {"sum": 80}
    assert column_sum(places, "count") == 80
    assert column_sum(departments, "count") == 80
    assert len(places["rows"]) == 25  # 市内２５か所に設置してある市民ポスト
    assert "市内２５か所" in block_under("shicho-koshitsu", "市民ポスト", "text")["paragraphs"][0]


def test_letters_to_the_mayor():
    monthly = block_under("shicho-koshitsu", "市長への手紙月別受付件数", "monthly_table")
    fields = block_under("shicho-koshitsu", "市長への手紙内訳", "counts")
    assert monthly_summaries(monthly) == {"sum": 96}
    assert sum(e["value"] for e in fields["entries"]) == 104
    assert len(fields["entries"]) == 11  # ア … サ
    assert fields["total"]["compare"] == 96 == monthly_summaries(monthly)["sum"]
    assert fields["total"]["note"] == "手紙によっては、複数の分野があり受付件数と一致しない。"


def test_public_relations_issues_add_up_to_24():
    data = block_under(
        "shicho-koshitsu", "仕様別発行回数（令和６年４月１日号～令和７年３月１５日号）", "table"
    )
    assert column_sum(data, "issues") == 24  # 「広報あきる野」を２４回掲載した
    assert "２４回掲載" in block_under("shicho-koshitsu", "マチイロ", "text")["paragraphs"][0]


def test_relocation_consultations_break_down_to_561():
    headline = block_under("shicho-koshitsu", "移住・定住相談", "counts")["entries"][0]["value"]
    breakdown = block_under("shicho-koshitsu", "移住・定住相談", "table")
    tour = block_under("shicho-koshitsu", "移住相談者への市内案内（再掲）", "counts")
    assert headline == 561 == column_sum(breakdown, "count")
    by_channel = {r["channel"]: r["count"] for r in breakdown["rows"]}
    assert by_channel["市内案内"] == 63 == tour["entries"][0]["value"]


def test_dvd_sales_are_unit_price_times_quantity():
    data = block_under("shicho-koshitsu", "宣伝広告", "table")
    for row in data["rows"]:
        match = re.fullmatch(r"([0-9,]+)円×([0-9]+)(枚|冊)", wareki.to_halfwidth(row["note"]))
        assert match, row["note"]
        price, quantity = numbers.parse_amount(match[1]), int(match[2])
        assert row["sales"] == price * quantity
    assert [r["sales"] for r in data["rows"]] == [2000, 10200, 0]


def test_town_meetings_were_held_in_four_places():
    sessions = BODIES["town-meeting"]["sessions"]
    assert len(sessions) == 4  # 市内４か所において
    assert [s["attendance"] for s in sessions] == [33, 8, 4, 9]


def test_naming_rights_term_is_five_years():
    data = block_under("kikaku-seisaku", "ネーミングライツの導入", "table")
    for row in data["rows"]:
        start = dt.date.fromisoformat(row["period"]["start"])
        end = dt.date.fromisoformat(row["period"]["end"])
        after = end + dt.timedelta(days=1)
        assert after.replace(year=start.year) == start  # whole years
        assert after.year - start.year == 5  # （５年間）


# Printed per line: (補正予算額 合計 or None where the table has one 補正 column, 充当額 or None,
# 最終予算額); per part the 合計 row: 当初, [第1号…], 補正合計, 充当 (None where blank), 最終, 決算.
PRINTED_BUDGETS = {
    ("kokuho", "revenue"): (
        [(-16658, None, 1543725), (5397, None, 5398), (2151, None, 5744618), (0, None, 2),
         (24216, None, 1054511), (117980, None, 117981), (0, None, 13012)],
        (8346161, [6948, 101322, 30, 24786], 133086, None, 8479247, 8269325),
    ),
    ("kokuho", "expenditure"): (
        [(6948, None, 31538), (600, None, 5615342), (0, None, 2564298), (0, None, 1),
         (219, None, 130358), (61347, None, 61348), (63972, None, 75362), (0, None, 1000)],
        (8346161, [6948, 101322, 30, 24786], 133086, None, 8479247, 8144402),
    ),
    ("koki-korei-iryo", "revenue"): (
        [(45423, None, 1349374), (-1599, None, 17384), (3392, None, 1235650),
         (21880, None, 21881), (14446, None, 98328)],
        (2639075, [32876, 50666], 83542, None, 2722617, 2736381),
    ),
    ("koki-korei-iryo", "expenditure"): (
        [(0, None, 14995), (3450, 250, 42950), (62888, None, 2553920), (0, None, 89337),
         (17204, None, 18665), (0, -250, 2750)],
        (2639075, [32876, 50666], 83542, 0, 2722617, 2711402),
    ),
    ("kaigo-hoken", "revenue"): (
        [(0, None, 1724393), (0, None, 1), (-5981, None, 1517516), (-3072, None, 1952258),
         (1080, None, 1115862), (0, None, 1), (0, None, 1), (15134, None, 1339634),
         (249466, None, 249467), (0, None, 8)],
        (7642514, [256210, 10247, -9830], 256627, None, 7899141, 7852515),
    ),
    ("kaigo-hoken", "expenditure"): (
        [(-4366, None, 192336), (-21090, None, 7073765), (6165, None, 290743),
         (129269, None, 193196), (0, None, 741), (146649, None, 148360)],
        (7642514, [256210, 10247, -9830], 256627, None, 7899141, 7638530),
    ),
    ("tokura-zaisanku", "revenue"): (
        [(None, None, 4), (None, None, 3428), (None, None, 1626), (None, None, 3)],
        (3436, [1625], None, None, 5061, 5055),
    ),
    ("tokura-zaisanku", "expenditure"): (
        [(None, None, 850), (None, None, 2486), (None, None, 100), (None, None, 1625)],
        (3436, [1625], None, None, 5061, 3787),
    ),
    ("tv-kyodo-jushin", "revenue"): (
        [(0, None, 350), (0, None, 1), (148, None, 41586), (0, None, 1), (0, None, 1)],
        (41791, [131, 17], 148, None, 41939, 31394),
    ),
    ("tv-kyodo-jushin", "expenditure"): (
        [(148, None, 18586), (0, None, 22000), (0, None, 353), (0, None, 1000)],
        (41791, [131, 17], 148, None, 41939, 31394),
    ),
    ("musashi-hikida-kukaku", "revenue"): (
        [(-22760, None, 39240), (25542, None, 43292), (0, None, 24), (-46540, None, 117034),
         (74100, None, 74101), (-338128, None, 184511), (306800, None, 784600)],
        (1243788, [0, 81106, -82092], -986, None, 1242802, 1206653),
    ),
    ("musashi-hikida-kukaku", "expenditure"): (
        [(-567, None, 1195334), (-419, None, 47468)],
        (1243788, [0, 81106, -82092], -986, None, 1242802, 1143444),
    ),
    ("gesuido", "operating_revenue"): (
        [(-696, None, 907991), (-7977, None, 1135112)],
        (2051776, [8279, -16952], -8673, None, 2043103, 1973405),
    ),
    ("gesuido", "operating_expenditure"): (
        [(-18098, None, 1836800), (9425, None, 161249), (0, None, 1)],
        (2006723, [8279, -16952], -8673, 0, 1998050, 1924999),
    ),
    ("gesuido", "capital_revenue"): (
        [(0, None, 1075700), (7435, None, 359039), (0, None, 66296), (0, None, 0)],
        (1493600, [7194, 241], 7435, None, 1501035, 1182181),
    ),
    ("gesuido", "capital_expenditure"): (
        [(7435, None, 761380), (0, None, 1595011)],
        (2348956, [7194, 241], 7435, 0, 2356391, 1996532),
    ),
}  # fmt: skip


def line_figures(line: dict) -> tuple[int, int]:
    """補正予算額 合計 and 最終予算額 (= 当初 + 補正合計 + 充当) of one line."""
    supplementary = sum0(line["supplementary"])
    return supplementary, sum0([line["initial"], supplementary, line["appropriation"]])


def part_totals(account: dict, lines: list[dict]) -> tuple:
    columns = [
        sum0(ln["supplementary"][i] for ln in lines) for i in range(account["supplementary_count"])
    ]
    return (
        sum0(ln["initial"] for ln in lines),
        columns,
        sum(columns),
        sum0(ln["appropriation"] for ln in lines),
        sum(line_figures(ln)[1] for ln in lines),
        sum0(ln["settlement"] for ln in lines),
    )


def part_lines(key: str, part: str) -> list[dict]:
    return next(p["lines"] for p in ACCOUNTS[key]["parts"] if p["part"] == part)


def test_every_budget_part_is_checked():
    stored = {(a["key"], p["part"]) for a in ACCOUNTS.values() for p in a["parts"]}
    assert stored == set(PRINTED_BUDGETS)


@pytest.mark.parametrize("where", list(PRINTED_BUDGETS), ids=["/".join(k) for k in PRINTED_BUDGETS])
def test_budget_lines_and_totals_match_the_printed_figures(where):
    key, part = where
    printed_lines, printed_total = PRINTED_BUDGETS[where]
    lines = part_lines(key, part)
    assert len(lines) == len(printed_lines)
    for line, (supplementary, appropriation, final) in zip(lines, printed_lines, strict=True):
        computed_supplementary, computed_final = line_figures(line)
        assert computed_final == final, line["name"]
        assert computed_final == line["initial"] + computed_supplementary + (
            line["appropriation"] or 0
        )
        if supplementary is not None:
            assert computed_supplementary == supplementary, line["name"]
        assert line["appropriation"] == appropriation, line["name"]
    initial, columns, supplementary, appropriation, final, settlement = part_totals(
        ACCOUNTS[key], lines
    )
    p_initial, p_columns, p_supplementary, p_appropriation, p_final, p_settlement = printed_total
    assert (initial, columns, final, settlement) == (p_initial, p_columns, p_final, p_settlement)
    if p_supplementary is not None:
        assert supplementary == p_supplementary
    if p_appropriation is not None:
        assert appropriation == p_appropriation
    assert final == initial + supplementary + appropriation


@pytest.mark.parametrize("key", [k for k, a in ACCOUNTS.items() if a["kind"] != "enterprise"])
def test_revenue_and_expenditure_budgets_balance(key):
    revenue = part_totals(ACCOUNTS[key], part_lines(key, "revenue"))
    expenditure = part_totals(ACCOUNTS[key], part_lines(key, "expenditure"))
    assert revenue[:5] == expenditure[:5]  # budgets balance; settlements do not
    assert revenue[5] != expenditure[5] or key == "tv-kyodo-jushin"


def comparison_rows(table: dict) -> list[tuple]:
    """(label, 本年度, 前年度, 増△減, 比率) with formula rows evaluated over earlier letters."""
    values: dict[str, tuple[int, int]] = {}
    out = []
    for row in table["rows"]:
        if row.get("formula"):
            tokens = re.findall(r"[+-]|[^+-]", row["formula"])
            current, previous = values[tokens[0]]
            for op, letter in zip(tokens[1::2], tokens[2::2], strict=True):
                sign = 1 if op == "+" else -1
                current += sign * values[letter][0]
                previous += sign * values[letter][1]
        else:
            current, previous = row["current"], row["previous"]
        if row["letter"]:
            values[row["letter"]] = (current, previous)
        difference = current - previous
        ratio = numbers.ratio_percent(difference, previous)
        if ratio is None and current == 0:
            ratio = Decimal("0.0")  # 0 against 0: the report prints 0.0 (調整額)
        out.append((row["label"], current, previous, difference, ratio))
    return out


def test_local_allocation_tax_table():
    rows = comparison_rows(COMPARISONS["chiho-kofuzei"])
    assert rows == [
        ("基準財政需要額", 15363668, 14868612, 495056, Decimal("3.3")),
        ("基準財政収入額", 10551470, 10387229, 164241, Decimal("1.6")),
        ("交付基準額", 4812198, 4481383, 330815, Decimal("7.4")),
        ("調整額", 0, 0, 0, Decimal("0.0")),
        ("普通交付税交付額", 4812198, 4481383, 330815, Decimal("7.4")),
        ("特別交付税交付額", 498136, 489236, 8900, Decimal("1.8")),
        ("地方交付税交付額", 5310334, 4970619, 339715, Decimal("6.8")),
    ]
    formulas = [(r["letter"], r.get("formula")) for r in COMPARISONS["chiho-kofuzei"]["rows"]]
    assert formulas == [
        ("ア", None), ("イ", None), ("ウ", "ア-イ"), ("エ", None), ("オ", "ウ-エ"), ("カ", None),
        (None, "オ+カ"),
    ]  # fmt: skip


def test_tokyo_general_grant_table():
    assert comparison_rows(COMPARISONS["tokyo-sogo-kofukin"]) == [
        ("東京都市町村総合交付金交付額", 1809014, 1774027, 34987, Decimal("2.0"))
    ]


# --- 4. every number of the excerpt is stored or computed --------------------------------------
NUMBER = re.compile(r"(△)?([0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.([0-9]+))?")
ISO_DATE = re.compile(r"^([0-9]{4})-([0-9]{2})-([0-9]{2})$")
PAGE_NUMBER = re.compile(r"^\s*-\s*[0-9]+\s*-\s*$", re.M)
# A heading's own number at the start of a line: "1 各種…", "10 資産…", "(1)西多摩…".
ITEM_NUMBER = re.compile(r"^[ \t]*(?:[0-9]{1,2}[ \t]+(?=[^0-9\s,△])|\([0-9]{1,2}\))", re.M)

# The totals the prose parts print, which are computed and not stored. Every other number of
# 企画政策課 and 市長公室 is stored. 財政課's totals (合計 rows, 補正予算額 合計, 最終予算額,
# 増△減, 比率, formula rows: 122 figures) come from the same arithmetic as the budget tests above.
PRINTED_TOTALS = {
    "kikaku-seisaku": {
        11: "市長提出案件数 合計 報告",
        85: "市長提出案件数 合計 議案",
        2: "市長提出案件数 合計 諮問",
        0: "市長提出案件数 合計 専決",
    },
    "shicho-koshitsu": {
        80: "市民ポストの月別利用状況 合計",
        96: "市長への手紙月別受付件数 合計",
        104: "市長への手紙内訳 １０４件",
        277710: "ホームページ月別アクセス件数 月平均",
        3332519: "ホームページ月別アクセス件数 合計",
    },
    "zaisei": {},
}


def numbers_in(text: str) -> set[Decimal]:
    found = set()
    for match in NUMBER.finditer(wareki.to_halfwidth(text)):
        value = Decimal(match[2].replace(",", "") + (f".{match[3]}" if match[3] else ""))
        found.add(-value if match[1] else value)
    return found


def excerpt_numbers(code: str) -> set[Decimal]:
    text = wareki.to_halfwidth(PARTS[code])
    text = ITEM_NUMBER.sub(" ", PAGE_NUMBER.sub(" ", text))
    return numbers_in(text)


def stored_numbers(value) -> set[Decimal]:
    """Every number in a JSON value: integers, digits inside text, and ISO dates as printed."""
    found: set[Decimal] = set()
    if isinstance(value, bool) or value is None:
        return found
    if isinstance(value, int):
        found.add(Decimal(value))
    elif isinstance(value, str):
        date = ISO_DATE.match(value)
        if date:
            year, month, day = (int(g) for g in date.groups())
            found |= {Decimal(year - 2018), Decimal(month), Decimal(day)}  # 令和n年m月d日
        else:
            found |= numbers_in(value)
    elif isinstance(value, dict):
        for v in value.values():
            found |= stored_numbers(v)
    elif isinstance(value, list):
        for v in value:
            found |= stored_numbers(v)
    return found


def computed_numbers(code: str) -> set[Decimal]:
    """Totals, averages, differences and ratios computed from the department's data."""
    found: set[Decimal] = set()
    for _, _, block in all_blocks(code):
        data = block["data"]
        if block["kind"] == "table":
            for row in blocks.get("table").compute(data).rows:
                found |= {Decimal(c.value) for c in row.cells if isinstance(c.value, int)}
        elif block["kind"] == "monthly_table":
            for measure in blocks.get("monthly_table").compute(data)["measures"]:
                found |= {Decimal(v) for v in measure["summaries"].values() if v is not None}
        elif block["kind"] == "counts" and data["total"]:
            found.add(Decimal(sum0(e["value"] for e in data["entries"])))
        elif block["kind"] == "meeting_counts":
            for entry in data["entries"]:
                found.add(Decimal(meeting_count(BODIES[entry["body"]], entry["category"])[0]))
    if code == "zaisei":
        for account in ACCOUNTS.values():
            for part in account["parts"]:
                for line in part["lines"]:
                    found |= {Decimal(v) for v in line_figures(line)}
                initial, columns, supplementary, appropriation, final, settlement = part_totals(
                    account, part["lines"]
                )
                found |= {Decimal(v) for v in [initial, *columns, supplementary, appropriation]}
                found |= {Decimal(final), Decimal(settlement)}
        for table in COMPARISONS.values():
            for _, current, previous, difference, ratio in comparison_rows(table):
                found |= {Decimal(current), Decimal(previous), Decimal(difference), ratio}
    return found


def department_records(code: str) -> list:
    records = [section(code)] + [b for b in BODIES.values() if b["department"] == code]
    if code == "zaisei":
        records.append(DATA["finance"])
    return records


@pytest.mark.parametrize("code", DEPARTMENTS)
def test_every_number_in_the_excerpt_is_stored_or_computed(code):
    stored = stored_numbers(department_records(code))
    computed = computed_numbers(code)
    printed = excerpt_numbers(code)
    totals = {Decimal(n) for n in PRINTED_TOTALS[code]}
    assert len(printed) > 40
    assert totals <= printed & computed  # each allowed total is printed and computed
    if code == "zaisei":
        assert sorted(printed - stored - computed) == []
    else:
        assert sorted(printed - stored - totals) == []


@pytest.mark.parametrize("code", DEPARTMENTS)
def test_large_figures_are_stored_or_computed_in_their_own_department(code):
    """The strong form: no figure of 100 or more is borrowed from another department's data."""
    stored = stored_numbers(department_records(code))
    computed = computed_numbers(code)
    large = {n for n in excerpt_numbers(code) if abs(n) >= 100}
    assert sorted(large - stored - computed) == []
    assert len(large) > 10


def test_the_finance_figures_are_not_all_stored():
    """Totals are computed, not typed: 合計 rows and 最終予算額 appear nowhere in the records."""
    stored = stored_numbers(DATA["finance"])
    for figure in (8479247, 133086, 2722617, 7899141, 1242802, 2356391, 5310334, 34987):
        assert Decimal(figure) not in stored, figure
        assert Decimal(figure) in computed_numbers("zaisei"), figure
