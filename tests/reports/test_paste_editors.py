"""Pasting a range copied from Excel into the counts and monthly editors (server side)."""

import pytest

from akiruno.exceptions import InvalidInput
from reports import forms


def test_counts_paste_fills_from_the_cell_and_adds_rows():
    editor = forms.editor_for("counts")
    state = editor.initial({"entries": [{"label": "相談", "value": 1, "unit": "件"}]})
    state["paste"] = "12\t件\n3\t回\n"
    state = editor.paste(state, 0, 1)
    assert [(e["label"], e["value"], e["unit"]) for e in state["entries"]] == [
        ("相談", "12", "件"),
        ("", "3", "回"),
    ]
    assert state["paste"] == ""


def test_counts_paste_with_too_many_cells_is_refused():
    editor = forms.editor_for("counts")
    state = editor.initial({"entries": []})
    state["paste"] = "a\t1\t件\t2\t回\t注\t余り"
    with pytest.raises(InvalidInput) as exc:
        editor.paste(state, 0, 0)
    assert "/paste/0" in exc.value.details


def test_monthly_paste_from_a_middle_month_keeps_the_other_months():
    editor = forms.editor_for("monthly_table")
    state = editor.initial({"measures": [{"label": "件数", "values": [1] * 12}]})
    state["paste"] = "7\t8\t9"
    state = editor.paste(state, 0, 3)
    assert state["measures"][0]["values"] == ["1", "1", "1", "7", "8", "9"] + ["1"] * 6


def test_monthly_paste_past_march_is_refused():
    editor = forms.editor_for("monthly_table")
    state = editor.initial({"measures": [{"label": "件数", "values": [1] * 12}]})
    state["paste"] = "7\t8\t9"
    with pytest.raises(InvalidInput):
        editor.paste(state, 0, 10)


def test_kinds_without_a_grid_refuse_a_paste_instead_of_failing():
    editor = forms.editor_for("text")
    with pytest.raises(InvalidInput):
        editor.paste(editor.initial({"text": "本文"}), 0, 0)
