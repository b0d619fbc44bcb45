"""Every meeting count and meeting table of 企画政策課 in the FY2024 excerpt comes from data.

The data is meetings/demo/kikaku-seisaku-fy2024.json (sessions where the excerpt gives them,
manual counts where it gives only a number), imported with import_meetings; the section below
embeds it as the printed report does.
"""

import json
from pathlib import Path

import pytest

from meetings.interchange import import_meetings
from reports.models import Department
from tests import factories
from tests.meetings.factories import section_html, table_rows, visible_text

DEMO = Path(__file__).resolve().parents[2] / "meetings" / "demo" / "kikaku-seisaku-fy2024.json"


def counts(*entries, body, columns=2, style="numbered"):
    return {
        "entries": [{"body": body, "category": c} for c in entries],
        "columns": columns,
        "style": style,
    }


@pytest.fixture
def rendered(planning, report):
    data = json.loads(DEMO.read_text(encoding="utf-8"))
    import_meetings(
        data["meetings"],
        fiscal_year=2024,
        departments={d.code: d for d in Department.objects.all()},
    )
    s = factories.make_section(planning, report)
    item = factories.make_item
    block = factories.make_block

    one = item(s, "各種協議会等関係")
    for key, heading, entries in (
        (
            "nishitama-kouiki",
            "西多摩地域広域行政圏協議会",
            ("協議会", "審議会", "副市町村長会", "教育長会", "幹事会・事務局会議"),
        ),
        ("akigawa-ryuiki", "秋川流域開発振興協議会", ("協議会", "事務局会議")),
        ("itsukaichi-fukusenka", "ＪＲ五日市線複線化促進協議会", ("協議会", "事務局会議")),
    ):
        body_item = item(s, heading, parent=one)
        if key == "nishitama-kouiki":
            block(
                body_item,
                "meeting_purpose",
                {
                    "body": key,
                    "after": "を目的とする協議会の構成団体として、会議に出席するとともに、各種活動や共同事業を実施した。",
                },
            )
        block(item(s, "会議", parent=body_item), "meeting_counts", counts(*entries, body=key))
    for key, heading in (
        ("mitaka-tachikawa-fukufukusen", "三鷹・立川間立体化複々線促進協議会"),
        ("tama-monorail", "多摩地域都市モノレール等建設促進協議会"),
    ):
        body_item = item(s, heading, parent=one)
        block(
            item(s, "会議", parent=body_item),
            "meeting_counts",
            counts("総会", body=key, style="plain", columns=1),
        )
    hoppo = item(s, "北方領土の返還を求める都民会議", parent=one)
    block(
        item(s, "会議", parent=hoppo),
        "meeting_counts",
        counts("総会", "都民大会", body="hoppo-ryodo-tomin-kaigi"),
    )
    heiwa = item(s, "平和首長会議", parent=one)
    network = item(s, "平和首長会議東京都多摩地域平和ネットワーク", parent=heiwa)
    block(network, "meeting_counts", counts("市長会議", "担当課長会", body="heiwa-tama-network"))
    kenkyu = item(s, "東京都市町村企画研究会", parent=one)
    block(
        item(s, "会議", parent=kenkyu),
        "meeting_counts",
        counts(
            "総会",
            "ブロック総会・会議",
            "全体研修会",
            "ブロック研修会",
            body="shichoson-kikaku-kenkyukai",
            columns=1,
        ),
    )

    block(item(s, "市税等徴収状況報告会"), "meeting_table", {"body": "shizei-choshu-hokokukai"})
    item(s, "市議会関係")
    chogi = item(s, "庁議関係")
    block(
        item(s, "開催回数", parent=chogi),
        "meeting_counts",
        counts("調整会議", "経営会議", body="chogi"),
    )
    block(
        item(s, "あきる野市指定管理者選定委員会"),
        "meeting_table",
        {"body": "shitei-kanrisha-sentei"},
    )
    danjo = item(s, "あきる野市男女共同参画計画の策定及び推進")
    block(
        item(s, "あきる野市男女共同参画推進市民会議", parent=danjo),
        "meeting_table",
        {"body": "danjo-kyodo-sankaku-shimin-kaigi"},
    )
    block(
        item(s, "あきる野市総合教育会議"),
        "meeting_table",
        {"body": "sogo-kyoiku-kaigi", "content_label": "議題"},
    )
    block(
        item(s, "第２次あきる野市総合計画の策定及び推進"),
        "meeting_table",
        {"body": "sogo-keikaku-shingikai", "content_label": "内容（議事等）"},
    )
    gyokaku = item(s, "行財政改革に関する取組")
    block(
        item(s, "受益者負担（使用料・手数料）の適正化", parent=gyokaku),
        "meeting_table",
        {"body": "jueki-futan-bukai", "content_label": "議題"},
    )
    item(s, "資産マネジメントに関する取組")
    block(
        item(s, "あきる野市タウンミーティング"),
        "meeting_table",
        {"body": "town-meeting", "columns": ["date", "venue", "attendance"]},
    )
    markup = section_html(s)
    return visible_text(markup), table_rows(markup)


@pytest.mark.parametrize(
    "line",
    [
        "（ア）協議会 ２回",
        "（イ）審議会 ２回",
        "（ウ）副市町村長会 ２回",
        "（エ）教育長会 ２回",
        "（オ）幹事会・事務局会議 ４回",
        "（ア）協議会 １回（書面開催）",
        "（イ）事務局会議 ３回",
        "総会 １回",
        "（イ）都民大会 １回（ハイブリッド開催）",
        "（ア）市長会議 ２回",
        "（イ）担当課長会 ４回（うちオンライン１回）",
        "（イ）ブロック総会・会議 ２回（うち書面開催１回）",
        "（エ）ブロック研修会 １回",
        "ア調整会議 １２回",
        "イ経営会議 １５回",
    ],
)
def test_every_count_line_of_the_excerpt(rendered, line):
    text, _ = rendered
    assert line.replace(" ", "") in text.replace(" ", "")


def test_the_purpose_is_quoted_from_the_body(rendered):
    text, _ = rendered
    assert (
        "「西多摩地域の一体的整備と住民の福祉増進を図るため、広域行政圏計画の策定及び広域行政"
        "圏に関する必要な事務の連絡調整を行うこと」を目的とする協議会の構成団体として、会議に出"
        "席するとともに、各種活動や共同事業を実施した。"
    ) in text


def test_counts_keep_their_order_and_numbering(rendered):
    text, _ = rendered
    assert "（ア）協議会 １回（イ）事務局会議 １回" in text.replace("\n", "")


def test_every_meeting_table_of_the_excerpt(rendered):
    _, rows = rendered
    expected = [
        # あきる野市男女共同参画推進市民会議
        ["第１回/令和６年/８月 ７日", "・第５次あきる野男女共同参画プランの進捗状況調査について"],
        ["第２回/１１月 ８日", "・あきる野市ワーク・ライフ・バランス推進事業所認定事業について"],
        # あきる野市総合教育会議 (議題)
        ["開催日", "議題"],
        [
            "第１回/令和７年/２月１７日",
            "・あきる野市教育大綱の修正について/・あきる野が目指す特色ある学校づくりの推進について",
        ],
        # あきる野市総合計画審議会 (内容（議事等）), continuation lines without a bullet
        ["開催日", "内容（議事等）"],
        [
            "第１３回/令和６年/８月 ９日",
            "・第２次あきる野市総合計画における各施策の令和５年度の取組の進捗状況・課題及び令和６年度の取組について"
            "/①進捗管理シート【１ 施策の成果目標】/②進捗管理シート【２ 各施策の内容】",
        ],
        # 受益者負担（使用料・手数料）適正化検討部会
        [
            "第１回/令和６年/７月２３日",
            "・受益者負担（使用料・手数料）適正化の検討に当たっての基本的事項/・対象とする使用料・手数料について/・今後の予定について",
        ],
        [
            "第２回/１２月１６日",
            "・施設使用料（モデル施設）の算定方法及び算定結果/・手数料算定に係る調査結果まとめ"
            "/・体育施設（市内・市外）利用状況調査結果/・受益者負担（使用料・手数料）適正化検討部会報告書の内容について",
        ],
        [
            "第３回/令和７年/１月２３日",
            "・第２回会議における課題への対応について/・受益者負担（使用料・手数料）適正化検討部会報告書の内容について",
        ],
        # タウンミーティング: 開催日 | 開催会場 | 出席者数, the month only when it changes
        ["開催日", "開催会場", "出席者数"],
        ["令和６年１０月 ３日", "五日市ファインプラザ 第３研修室", "３３"],
        ["６日", "五日市地域交流センター 第４～６会議室", "８"],
        ["１０日", "市役所本庁舎５階 ５０３～５０４会議室", "４"],
        ["１１月 ２日", "あきる野子育てステーション ここるの", "９"],
        # 市税等徴収状況報告会 and 指定管理者選定委員会
        [
            "第１回/令和６年/６月 ４日/（書面開催）",
            "・令和６年３月末現在の市税等の徴収状況について",
        ],
        [
            "第４回/令和７年/３月２５日",
            "・令和６年１２月末現在の市税等の徴収状況について/・債権管理の在り方について",
        ],
    ]
    for row in expected:
        assert row in rows, row
    assert any(
        r[0] == "第３８回/令和６年/１０月１５日" and r[1].endswith("について（諮問）") for r in rows
    )
