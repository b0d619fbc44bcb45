"""Filtering and searching sessions and bodies (the selectors the pages and the API use)."""

import pytest

from meetings import selectors
from tests.meetings.factories import make_body, make_session


@pytest.fixture
def data(planning, koshitsu):
    nishitama = make_body(planning, "西多摩地域広域行政圏協議会", key="nishitama", kind="協議会")
    sentei = make_body(planning, "指定管理者選定委員会", key="sentei", kind="委員会")
    shicho = make_body(koshitsu, "東京都市長会", key="shichokai", kind="会議")
    s = {
        "kyogikai": make_session(nishitama, "2024-05-20", category="協議会"),
        "online": make_session(nishitama, "2024-11-11", category="幹事会", format="online"),
        "written_range": make_session(nishitama, "2024-05-23", end="2024-06-04", format="written"),
        "sentei": make_session(
            sentei,
            "2024-10-15",
            sequence=38,
            venue="本庁舎",
            agenda=[("秋川渓谷瀬音の湯の指定管理者の候補者について", "諮問")],
        ),
        "sentei_old": make_session(sentei, "2023-10-01", sequence=37, agenda=["令和５年度の議題"]),
        "shicho": make_session(shicho, "2025-02-01", agenda=["市長会の議題"]),
    }
    return s


def ids(filterset):
    assert filterset.is_valid(), filterset.errors
    return {s.pk for s in filterset.qs}


def pick(data, *names):
    return {data[n].pk for n in names}


def test_filter_by_fiscal_year_department_kind_format_and_body(data, reviewer, planning):
    def run(**filters):
        return ids(selectors.session_list(user=reviewer, filters=filters))

    assert run(fiscal_year="2023") == pick(data, "sentei_old")
    assert run(fiscal_year="2024", department=str(planning.pk)) == pick(
        data, "kyogikai", "online", "written_range", "sentei"
    )
    assert run(kind="委員会") == pick(data, "sentei", "sentei_old")
    assert run(format="online") == pick(data, "online")
    assert run(format="written") == pick(data, "written_range")
    assert run(body=str(data["shicho"].body_id)) == pick(data, "shicho")
    assert run() == set(pick(data, *data))


def test_filter_by_date_range_counts_a_session_range_that_overlaps(data, reviewer):
    def run(**filters):
        return ids(selectors.session_list(user=reviewer, filters=filters))

    assert run(date_from="2024-06-01", date_to="令和6年6月30日") == pick(data, "written_range")
    assert run(date_from="２０２４／１０／１") == pick(data, "sentei", "online", "shicho")
    assert run(date_to="R6.5.20") == pick(data, "kyogikai", "sentei_old")


def test_bad_date_filters_are_form_errors_not_crashes(data, reviewer):
    filterset = selectors.session_list(user=reviewer, filters={"date_from": "2024-13-01"})
    assert not filterset.is_valid()
    assert "13月はありません" in str(filterset.errors["date_from"])


def test_text_search_in_name_agenda_category_and_venue_with_either_digit_width(data, reviewer):
    def run(q):
        return ids(selectors.session_list(user=reviewer, filters={"q": q}))

    assert run("西多摩") == pick(data, "kyogikai", "online", "written_range")
    assert run("瀬音の湯") == pick(data, "sentei")
    assert run("令和5年度") == pick(data, "sentei_old")  # stored as 令和５年度
    assert run("幹事会") == pick(data, "online")
    assert run("本庁舎 候補者") == pick(data, "sentei")
    assert run("存在しない語") == set()


def test_lists_show_only_what_the_user_may_see(data, editor, other_editor, reviewer):
    assert ids(selectors.session_list(user=editor, filters={})) == pick(data, "shicho")
    assert ids(selectors.session_list(user=other_editor, filters={})) == set()
    bodies = selectors.body_list(user=editor, filters={}, fiscal_year=2024)
    assert [b.key for b in bodies.qs] == ["shichokai"]
    assert {b.key for b in selectors.body_list(user=reviewer, filters={}, fiscal_year=2024).qs} == {
        "nishitama",
        "sentei",
        "shichokai",
    }


def test_body_filters_and_year_counts(data, reviewer, koshitsu):
    def run(**filters):
        filterset = selectors.body_list(user=reviewer, filters=filters, fiscal_year=2024)
        assert filterset.is_valid()
        return {b.key: b.session_count for b in filterset.qs}

    assert run() == {"nishitama": 3, "sentei": 1, "shichokai": 1}
    assert run(kind="委員会") == {"sentei": 1}
    assert run(department=str(koshitsu.pk)) == {"shichokai": 1}
    assert run(q="広域") == {"nishitama": 3}
    assert run(q="sentei") == {"sentei": 1}
