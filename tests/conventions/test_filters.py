from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from django.template import Context, Template

from akiruno.numbers import ratio_percent


def render(source: str, **context: Any) -> str:
    return Template("{% load japanese %}" + source).render(Context(context))


@pytest.mark.parametrize(
    ("source", "context", "expected"),
    [
        ("{{ d|wareki }}", {"d": date(2024, 10, 15)}, "令和６年１０月１５日"),
        ("{{ d|wareki }}", {"d": date(2019, 5, 1)}, "令和元年５月１日"),
        ("{{ d|wareki }}", {"d": date(2019, 4, 30)}, "平成３１年４月３０日"),
        ('{{ d|wareki:"half" }}', {"d": date(2024, 10, 15)}, "令和6年10月15日"),
        ('{{ d|wareki:"pad" }}', {"d": date(2024, 6, 4)}, "令和６年 ６月 ４日"),
        ('{{ d|wareki:"half,pad" }}', {"d": date(2024, 6, 4)}, "令和6年 6月 4日"),
        ("{{ d|wareki }}", {"d": datetime(2024, 10, 15, 9, 0)}, "令和６年１０月１５日"),
        ("{{ d|wareki }}", {"d": None}, ""),
        ("{{ fy|nendo }}", {"fy": 2024}, "令和6年度"),
        ("{{ fy|nendo }}", {"fy": 2019}, "令和元年度"),
        ("{{ fy|nendo }}", {"fy": 2018}, "平成30年度"),
        ('{{ fy|nendo:"full" }}', {"fy": 2024}, "令和６年度"),
        ("{{ fy|nendo }}", {"fy": None}, ""),
        ("{{ n|amount }}", {"n": 8479247}, "8,479,247"),
        ("{{ n|amount }}", {"n": -16658}, "△16,658"),
        ("{{ n|amount }}", {"n": 0}, "0"),
        ("{{ n|amount }}", {"n": None}, "－"),
        ("{{ n|amount }}", {"n": Decimal("1000")}, "1,000"),
        ("{{ n|zen }}", {"n": 4119}, "４，１１９"),
        ("{{ n|zen }}", {"n": -16658}, "△１６，６５８"),
        ('{{ n|count:"回" }}', {"n": 2}, "２回"),
        ('{{ n|count:"件" }}', {"n": 318}, "３１８件"),
        ('{{ n|count:"票" }}', {"n": 4119}, "４，１１９票"),
        ("{{ r|percent }}", {"r": Decimal("3.3296")}, "3.3"),
        ("{{ r|percent }}", {"r": Decimal("-1.2")}, "△1.2"),
        ("{{ r|percent }}", {"r": Decimal("0.05")}, "0.1"),
        ("{{ r|percent:2 }}", {"r": Decimal("12.5")}, "12.50"),
        ("{{ r|percent }}", {"r": None}, "－"),
        ("{{ r|percent }}", {"r": ratio_percent(495056, 14868612)}, "3.3"),
        ("{% heading_label 1 1 %}", {}, "１"),
        ("{% heading_label 1 10 %}", {}, "10"),
        ("{% heading_label 2 3 %}", {}, "（３）"),
        ("{% heading_label depth index %}", {"depth": 3, "index": 11}, "サ"),
        ("{% heading_label 4 2 %}", {}, "（イ）"),
        ("{% heading_label 5 1 %}", {}, "ａ"),
        ("{% heading_label 6 26 %}", {}, "（ｚ）"),
    ],
)
def test_filters(source: str, context: dict[str, Any], expected: str) -> None:
    assert render(source, **context) == expected


def test_wareki_uses_local_date_of_an_aware_datetime(settings: Any) -> None:
    settings.USE_TZ = True
    settings.TIME_ZONE = "Asia/Tokyo"
    # 2024-10-14 20:00 UTC is already 10月15日 in Tokyo.
    assert render("{{ d|wareki }}", d=datetime(2024, 10, 14, 20, 0, tzinfo=UTC)) == (
        "令和６年１０月１５日"
    )


@pytest.mark.parametrize(
    ("source", "context", "expected"),
    [
        ("{{ v|wareki }}", {"v": "<b>x</b>"}, "&lt;b&gt;x&lt;/b&gt;"),
        ("{{ v|nendo }}", {"v": "<b>x</b>"}, "&lt;b&gt;x&lt;/b&gt;"),
        ("{{ v|amount }}", {"v": "<b>x</b>"}, "&lt;b&gt;x&lt;/b&gt;"),
        ("{{ v|zen }}", {"v": "<b>x</b>"}, "&lt;b&gt;x&lt;/b&gt;"),
        ("{{ v|percent }}", {"v": "<b>x</b>"}, "&lt;b&gt;x&lt;/b&gt;"),
        ("{{ n|count:unit }}", {"n": 2, "unit": "<i>回</i>"}, "２&lt;i&gt;回&lt;/i&gt;"),
        ("{{ v|count:'回' }}", {"v": "<b>x</b>"}, "&lt;b&gt;x&lt;/b&gt;"),
    ],
)
def test_filters_never_mark_input_safe(source: str, context: dict[str, Any], expected: str) -> None:
    assert render(source, **context) == expected


@pytest.mark.parametrize(
    ("source", "context"),
    [
        ("{{ v|amount }}", {"v": 1.5}),
        ("{{ v|amount }}", {"v": Decimal("1.5")}),
        ("{{ v|percent }}", {"v": 3.3}),
        ("{{ v|zen }}", {"v": "1234"}),
    ],
)
def test_filters_leave_values_of_other_types_visible(source: str, context: dict[str, Any]) -> None:
    assert render(source, **context) == str(context["v"])


def test_heading_label_refuses_a_heading_without_label() -> None:
    with pytest.raises(ValueError, match="46個"):
        render("{% heading_label 3 47 %}")


@pytest.mark.parametrize(
    ("arg", "expected"),
    [("", "令和6年10月15日 09:05"), ('"seconds"', "令和6年10月15日 09:05:30")],
)
def test_wareki_datetime_shows_staff_moments_in_wareki_local_time(
    settings: Any, arg: str, expected: str
) -> None:
    settings.TIME_ZONE = "Asia/Tokyo"
    moment = datetime(2024, 10, 15, 0, 5, 30, tzinfo=UTC)  # 09:05:30 in Tokyo
    source = "{{ moment|wareki_datetime" + (":" + arg if arg else "") + " }}"
    assert Template(source).render(Context({"moment": moment})) == expected


def test_wareki_datetime_crosses_the_era_and_the_day_in_local_time(settings: Any) -> None:
    settings.TIME_ZONE = "Asia/Tokyo"
    moment = datetime(2019, 4, 30, 15, 30, tzinfo=UTC)  # 2019-05-01 00:30 in Tokyo: 令和元年
    rendered = Template("{{ moment|wareki_datetime }}").render(Context({"moment": moment}))
    assert rendered == "令和元年5月1日 00:30"


def test_no_staff_screen_prints_an_iso_moment() -> None:
    """Staff screens show 和暦 moments; ISO 8601 stays in the API and the exports."""
    from pathlib import Path

    staff = Path(__file__).resolve().parents[2] / "templates" / "staff"
    offenders = [
        str(path.relative_to(staff))
        for path in staff.rglob("*.html")
        if '|date:"Y-m-d' in path.read_text(encoding="utf-8")
    ]
    assert offenders == []


def test_one_word_for_a_build_on_every_screen() -> None:
    """Staff read 構築 on every screen and mail: 組版 (the old word for the same step) is gone."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    sources = [*root.glob("templates/**/*.html"), *root.glob("templates/**/*.txt")]
    sources += [
        p
        for app in ("akiruno", "reports", "meetings", "finance")
        for p in (root / app).rglob("*.py")
    ]
    offenders = [
        str(p.relative_to(root)) for p in sources if "組版" in p.read_text(encoding="utf-8")
    ]
    assert offenders == []
