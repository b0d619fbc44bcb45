"""Open data: the MIC rules for machine-readable tables, formula injection, the ZIP and index."""

from __future__ import annotations

import csv
import io
import json
import zipfile

import pytest

from reports import blocks
from reports.services import rendering

FINANCE = {
    "caption": "国民健康保険特別会計 歳入",
    "unit": "千円",
    "columns": [
        {"key": "name", "label": "款", "type": "text"},
        {"key": "initial", "label": "当初予算額", "type": "integer"},
        {"key": "s1", "label": "第1号", "type": "integer", "group": "補正予算額"},
        {
            "key": "final",
            "label": "最終予算額",
            "type": "integer",
            "computed": {"op": "sum", "of": ["initial", "s1"]},
        },
        {
            "key": "ratio",
            "label": "増減率",
            "type": "percent",
            "computed": {"op": "ratio", "of": ["s1", "initial"]},
        },
    ],
    "rows": [
        {"name": "国民健康保険税", "initial": "1,560,383", "s1": "△16,658"},
        {"name": '=HYPERLINK("http://evil.example","x")', "initial": 1, "s1": None},
        {"name": "+81 3 0000", "initial": 2, "s1": 1},
        {"name": "-（マイナスで始まる文字）", "initial": 3, "s1": 0},
        {"name": "@SUM(A1:A9)", "initial": 4, "s1": 0},
    ],
    "summary": [{"op": "sum"}],
    "digits": "full",
}
MEETINGS = {
    "caption": "開催状況",
    "columns": [
        {"key": "session", "label": "回", "type": "text"},
        {"key": "date", "label": "開催日", "type": "date"},
        {"key": "period", "label": "期間", "type": "date_range"},
        {"key": "agenda", "label": "内容", "type": "lines"},
        {"key": "fee", "label": "命名権料", "type": "amount", "unit": "円"},
    ],
    "rows": [
        {
            "session": "第1回",
            "date": "令和6年10月15日",
            "period": {"start": "2024-07-19", "end": "2024-08-13"},
            "agenda": ["徴収状況について", "債権の取扱いについて"],
            "fee": "1,000,000円",
        }
    ],
}


def _content(*tables_data: dict) -> dict:
    return {
        "department": "zaisei",
        "department_name": "財政課",
        "items": [
            {
                "uid": "i1",
                "heading": "財政関係",
                "blocks": [
                    {"kind": "table", "data": blocks.get("table").clean(t)} for t in tables_data
                ],
                "children": [],
            }
        ],
    }


def _render(*tables_data: dict) -> rendering.Rendered:
    return rendering.render_report(
        fiscal_year=2024,
        title="令和6年度 事務報告書",
        city="あきる野市",
        contents=[_content(*tables_data)],
    )


def _rows(data: bytes) -> list[list[str]]:
    assert data.startswith(rendering.CSV_BOM)
    text = data[len(rendering.CSV_BOM) :].decode("utf-8")
    return list(csv.reader(io.StringIO(text, newline="")))


def test_csv_follows_the_mic_rules():
    rendered = _render(FINANCE, MEETINGS)
    finance = rendered.files["data/zaisei-01.csv"]
    rows = _rows(finance)

    # One header row, units in the header, groups folded into the column name.
    assert rows[0] == [
        "款",
        "当初予算額（千円）",
        "補正予算額・第1号（千円）",
        "最終予算額（千円）",
        "増減率（％）",
    ]
    # Numbers without commas or △, negative with a minus sign, half-width digits even though
    # the printed table uses full-width ones; computed columns and the total row included.
    assert rows[1] == ["国民健康保険税", "1560383", "-16658", "1543725", "-1.1"]
    assert rows[-1] == ["合計", "1560393", "-16657", "1543736", ""]
    assert len(rows) == 1 + 5 + 1
    # UTF-8 with a BOM, CRLF line ends, no comma-grouped numbers anywhere.
    assert finance.count(b"\r\n") == len(rows)
    assert "1,560,383" not in finance.decode("utf-8-sig") and "△" not in finance.decode("utf-8-sig")

    meetings = _rows(rendered.files["data/zaisei-02.csv"])
    assert meetings[0] == ["回", "開催日", "期間", "内容", "命名権料（円）"]
    # 西暦 dates (ISO 8601), one value per cell, no line break inside a cell.
    assert meetings[1] == [
        "第1回",
        "2024-10-15",
        "2024-07-19/2024-08-13",
        "徴収状況について；債権の取扱いについて",
        "1000000",
    ]


def test_text_cells_are_neutralised_against_formula_injection_numbers_are_not():
    rows = _rows(_render(FINANCE).files["data/zaisei-01.csv"])
    names = [row[0] for row in rows[2:6]]
    assert names == [
        '\'=HYPERLINK("http://evil.example","x")',
        "'+81 3 0000",
        "'-（マイナスで始まる文字）",
        "'@SUM(A1:A9)",
    ]
    # A negative number is data: it keeps its minus sign and gets no quote.
    assert rows[1][2] == "-16658"
    assert not any(cell.startswith("'-1") for row in rows for cell in row)


def test_header_cells_are_neutralised_too():
    data = dict(
        MEETINGS, columns=[dict(MEETINGS["columns"][0], label="=cmd"), *MEETINGS["columns"][1:]]
    )
    rows = _rows(_render(data).files["data/zaisei-01.csv"])
    assert rows[0][0] == "'=cmd"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@a", "'@a"),
        ("\tx", "'\tx"),
        ("１＝２", "１＝２"),
        ("△5", "△5"),
    ],
)
def test_neutralise(text, expected):
    assert rendering.neutralise(text) == expected


def test_zip_holds_every_csv_and_a_json_index_with_checksums():
    rendered = _render(FINANCE, MEETINGS)
    archive = zipfile.ZipFile(io.BytesIO(rendered.files["data.zip"]))
    names = archive.namelist()
    assert names == [
        "jimuhokoku-2024/zaisei-01.csv",
        "jimuhokoku-2024/zaisei-02.csv",
        "jimuhokoku-2024/index.json",
        "jimuhokoku-2024/README.txt",
    ]
    index = json.loads(archive.read("jimuhokoku-2024/index.json"))
    assert index["fiscal_year"] == 2024 and index["fiscal_year_label"] == "令和6年度"
    assert [f["name"] for f in index["files"]] == ["zaisei-01.csv", "zaisei-02.csv"]
    first = index["files"][0]
    assert first["title"] == "国民健康保険特別会計 歳入"
    assert first["department"] == {"code": "zaisei", "name": "財政課"}
    assert first["url"] == "/reports/2024/data/zaisei-01.csv"
    assert first["columns"][1] == {"name": "当初予算額（千円）", "type": "integer", "unit": "千円"}
    assert first["rows"] == 6
    for entry in index["files"]:
        data = archive.read(f"jimuhokoku-2024/{entry['name']}")
        assert rendering.sha256(data) == entry["sha256"] and len(data) == entry["bytes"]
        assert data == rendered.files[f"data/{entry['name']}"]
    assert any("数式" in rule for rule in index["rules"])  # the neutralisation is documented
    assert rendered.files["data/index.json"] == archive.read("jimuhokoku-2024/index.json")


def test_same_input_gives_the_same_bytes():
    first, second = _render(FINANCE, MEETINGS), _render(FINANCE, MEETINGS)
    assert first.files == second.files
    assert first.work == second.work


def test_untitled_tables_take_the_heading_as_caption():
    rendered = _render(dict(MEETINGS, caption=""))
    page = rendered.files["departments/zaisei.html"].decode()
    # The heading is the caption for screen readers; it is not printed a second time.
    assert '<caption class="visually-hidden">１ 財政関係</caption>' in page
    index = json.loads(rendered.files["data/index.json"])
    assert index["files"][0]["title"] == "１ 財政関係"


def test_reserved_department_codes_are_refused():
    content = _content(MEETINGS)
    content["department"] = "editions"
    from akiruno.exceptions import InvalidInput

    with pytest.raises(InvalidInput, match="editions"):
        rendering.render_report(fiscal_year=2024, title="t", city="c", contents=[content])


def test_count_statements_are_gathered_into_one_csv_per_department():
    counts = blocks.get("counts").clean(
        {
            "entries": [
                {"label": "協議会", "value": "２", "unit": "回"},
                {"label": "=幹事会", "value": 4, "unit": "回", "note": "（うちオンライン１回）"},
            ]
        }
    )
    content = _content(MEETINGS)
    content["items"][0]["blocks"].append({"kind": "counts", "data": counts})
    content["items"].append(
        {
            "uid": "i2",
            "heading": "庁議関係",
            "blocks": [{"kind": "counts", "data": counts}],
            "children": [],
        }
    )
    rendered = rendering.render_report(fiscal_year=2024, title="t", city="c", contents=[content])
    assert sorted(n for n in rendered.files if n.endswith(".csv")) == [
        "data/zaisei-01.csv",
        "data/zaisei-counts.csv",
    ]
    rows = _rows(rendered.files["data/zaisei-counts.csv"])
    assert rows == [
        ["見出し", "項目", "数", "単位", "備考"],
        ["１ 財政関係", "協議会", "2", "回", ""],
        ["１ 財政関係", "'=幹事会", "4", "回", "（うちオンライン１回）"],
        ["２ 庁議関係", "協議会", "2", "回", ""],
        ["２ 庁議関係", "'=幹事会", "4", "回", "（うちオンライン１回）"],
    ]
    # Only printed tables get a data link beside them on the page.
    page = rendered.files["departments/zaisei.html"].decode()
    assert page.count("のデータ（CSV）") == 1
    assert "財政課の件数（CSV）" in rendered.files["index.html"].decode()
