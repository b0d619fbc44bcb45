"""The 市長公室 part of the FY2024 excerpt as content JSON (docs/report-format.md).

Every figure here is typed as the department would type it; totals, averages and numbering
are left to the system. Tests render it and compare with the printed excerpt.
"""


def _t(*paragraphs: str, inline: bool = False) -> dict:
    return {"kind": "text", "data": {"paragraphs": list(paragraphs), "inline": inline}}


def _c(*entries, style="numbered", columns=1, flow="row", inline=False, total=None) -> dict:
    out = []
    for e in entries:
        label, value, unit, *rest = e
        note = rest[0] if rest else ""
        extra = rest[1] if len(rest) > 1 else []
        out.append({"label": label, "value": value, "unit": unit, "note": note, "extra": extra})
    return {
        "kind": "counts",
        "data": {
            "entries": out,
            "style": style,
            "columns": columns,
            "flow": flow,
            "inline": inline,
            "total": total,
        },
    }


def _item(heading: str, *blocks, children=()) -> dict:
    return {"heading": heading, "blocks": list(blocks), "children": list(children)}


def _one(label: str, value: int, unit: str, note: str = "", extra=None) -> dict:
    """An item whose figure prints on its heading line: （１）移住・定住相談 ５６１回."""
    return _c(("", value, unit, note, extra or []), style="plain", inline=True)


MONTHS_POST = [4, 12, 4, 3, 15, 6, 7, 12, 2, 1, 7, 7]
MONTHS_LETTERS = [9, 4, 9, 9, 7, 8, 10, 9, 9, 7, 10, 5]
MONTHS_WEB = [
    277508, 288059, 288857, 337692, 313413, 270325,
    289560, 275039, 234191, 256946, 241495, 259434,
]  # fmt: skip
MAIL_USERS = [15166, 15147, 15200, 15389, 15613, 15679, 15673, 15678, 15662, 15645, 15605, 15615]
MAIL_SENT = [109, 116, 160, 487, 559, 443, 387, 365, 157, 145, 159, 163]

POST_LOCATIONS = [
    ("秋川駅", 22), ("東秋留駅", 3), ("武蔵引田駅", 5), ("秋川農協多西支店前", 5),
    ("中央公民館", 2), ("五日市ファインプラザ", 8), ("五日市図書館", 2), ("小川会館", 0),
    ("鳥居場会館", 4), ("菅生下会館", 1), ("増戸会館", 0), ("下舘谷自治会館", 0),
    ("小和田会館", 0), ("小宮会館", 0), ("武蔵五日市駅", 8), ("武蔵増戸駅", 4),
    ("秋川農協東秋留支店前", 1), ("西秋留小学校正門前", 3), ("いきいきセンター", 1),
    ("瀬戸岡神明保育園", 3), ("草花台会館", 3), ("御堂会館", 1), ("山田会館", 0),
    ("尾崎会館", 0), ("福寿公園", 4),
]  # fmt: skip
POST_DIVISIONS = [
    ("市長公室", 4), ("保険年金課", 11), ("高齢者支援課", 2),
    ("子ども政策課", 13), ("障がい者支援課", 4), ("その他", 46),
]  # fmt: skip
LETTER_FIELDS = [
    ("行財政に関するもの", 5), ("総務・人事に関するもの", 2), ("防災・防犯に関するもの", 5),
    ("市民生活に関するもの", 9), ("生活環境に関するもの", 14), ("産業振興に関するもの", 4),
    ("保健福祉に関するもの", 15), ("子どもに関するもの", 11), ("都市基盤に関するもの", 21),
    ("教育に関するもの", 14), ("生涯学習に関するもの", 4),
]  # fmt: skip


def _two_col_table(header: str, rows: list[tuple[str, int]], columns: int) -> dict:
    return {
        "kind": "table",
        "data": {
            "columns": [
                {"key": "place", "label": header, "type": "text"},
                {"key": "count", "label": "件数", "type": "integer"},
            ],
            "rows": [{"place": p, "count": n} for p, n in rows],
            "print_columns": columns,
            "digits": "full",
        },
    }


def _monthly(measures, summary, split=1, caption="") -> dict:
    return {
        "kind": "monthly_table",
        "data": {
            "caption": caption,
            "measures": [{"label": label, "values": values} for label, values in measures],
            "summary": summary,
            "split": split,
            "digits": "full" if split == 1 else "half",
        },
    }


CONTENT = {
    "items": [
        _item(
            "会議への出席状況",
            children=[
                _item(
                    "全国市長会",
                    _t(
                        "全国各市間の連絡協調を図り、市政の円滑な運営と進展に資し、地方自治の興隆繁栄に寄与することを目的とする。"
                    ),
                    _c(
                        ("通常総会", 1, "回"),
                        ("関東支部総会", 1, "回"),
                        ("全国都市問題会議", 1, "回"),
                    ),
                ),
                _item(
                    "東京都市長会",
                    _t(
                        "多摩の各市間の連絡協調を図り、市政の円滑な運営と向上を期し、もって地方自治の発展に寄与することを目的とする。"
                    ),
                    _c(
                        ("全体会議", 8, "回"),
                        ("研修会", 1, "回"),
                        ("環境部会", 1, "回"),
                        ("建設部会", 1, "回"),
                        columns=2,
                        flow="column",
                    ),
                ),
                _item(
                    "東京都市区長会",
                    _t(
                        "全国市長会（関東支部を含む。）を通じた国等への要望・意見具申・必要な事項についての調査研究及び連絡調整を行うことを目的とする。"
                    ),
                    _c(("総会", 1, "回"), ("臨時総会", 2, "回", "（書面開催）"), columns=2),
                ),
                _item(
                    "都市町村協議会",
                    _t(
                        "東京都及び市町村における事務事業執行上の関連事項について、協議・調整し、その解決促進を図ることを目的とする。"
                    ),
                    _c(("会議", 0, "回", "（出席者：市長会役員及び顧問）"), style="plain"),
                ),
                _item(
                    "東京都副市長会",
                    _t(
                        "各市間の連絡協調を図るとともに、行政上の諸問題の解決に向けて調査・研究及び検討をし、市長会へ提案することを目的とする。"
                    ),
                    _c(("全体会議", 4, "回"), ("研修会", 1, "回"), columns=2),
                ),
            ],
        ),
        _item(
            "表彰関係",
            children=[
                _item(
                    "あきる野市表彰条例に基づく表彰",
                    _t(
                        "当市の自治の振興及び文化の向上に功労のあったものを表彰し、その功績をたたえることにより、市民の福祉増進に資することを目的とする。"
                    ),
                    _c(
                        ("自治功労表彰", 3, "人"),
                        (
                            "市民表彰",
                            26,
                            "人",
                            "",
                            [{"value": 6, "unit": "団体", "separator": "、"}],
                        ),
                        columns=2,
                    ),
                ),
                _item(
                    "あきる野市民栄誉賞の顕彰に関する規則に基づく顕彰",
                    _t(
                        "広く市民に敬愛され、市民生活に夢と希望を与え、あきる野市の名を高めたものに対し、その栄誉をたたえ、もって市民のふるさと意識の高揚に資することを目的とする。"
                    ),
                    _c(("市民栄誉賞", 0, "人"), style="plain"),
                ),
                _item(
                    "その他の表彰",
                    _c(("叙勲", 1, "人"), ("東京都功労者表彰", 0, "人"), columns=2),
                ),
            ],
        ),
        _item(
            "交際費の公表",
            _t("市ホームページに市長交際費の支出状況を掲載し、市民への情報提供を行った。"),
        ),
        _item(
            "市長の資産等の公開",
            _t(
                "「政治倫理の確立のためのあきる野市長の資産等の公開に関する条例」に基づき資産等報告書を公開した。"
            ),
        ),
        _item(
            "広報の発行事業",
            _t(
                "「広報あきる野」（タブロイド版）を毎月１日・１５日（臨時号を除く。）に２４，８００部（令和７年３月末時点）発行し、新聞折り込み等で各戸配布を行った。"
            ),
            children=[
                _item(
                    "仕様別発行回数（令和６年４月１日号～令和７年３月１５日号）",
                    {
                        "kind": "table",
                        "data": {
                            "columns": [
                                {"key": "spec", "label": "仕様", "type": "text"},
                                {"key": "times", "label": "発行回数", "type": "integer"},
                            ],
                            "rows": [
                                ["２色・ ４ページ（うち２ページ４色）", 2],
                                ["２色・ ６ページ（うち２ページ４色）", 3],
                                ["２色・ ８ページ（うち２ページ４色）", 17],
                                ["２色・１０ページ（うち２ページ４色）", 2],
                            ],
                            "digits": "full",
                        },
                    },
                ),
                _item(
                    "広報紙個別配布事業",
                    _t(
                        "市内に住所があり、新聞折り込みで配布している「広報あきる野」を受け取れない世帯や事業所を対象に、希望により個別配布を行った。"
                    ),
                    _c(("配布件数", 5779, "件", "（令和７年３月末時点）"), style="plain"),
                ),
            ],
        ),
        _item(
            "市民ポスト",
            _t(
                "市内２５か所に設置してある市民ポストへの投書、市役所への届け物などの回収を行った。"
            ),
            children=[
                _item("市民ポストの月別利用状況", _monthly([("件数", MONTHS_POST)], ["sum"])),
                _item(
                    "市民ポスト設置場所別利用状況", _two_col_table("配置場所", POST_LOCATIONS, 3)
                ),
                _item("市民ポスト担当別利用状況", _two_col_table("担当課", POST_DIVISIONS, 3)),
            ],
        ),
        _item(
            "市長への手紙",
            children=[
                _item("市長への手紙月別受付件数", _monthly([("件数", MONTHS_LETTERS)], ["sum"])),
                _item(
                    "市長への手紙内訳",
                    _c(
                        *[(label, n, "件") for label, n in LETTER_FIELDS],
                        columns=2,
                        flow="column",
                        inline=True,
                        total={
                            "label": "",
                            "unit": "件",
                            "note": "手紙によっては、複数の分野があり受付件数と一致しない。",
                            "compare": 96,
                        },
                    ),
                ),
            ],
        ),
        _item(
            "ホームページ",
            children=[
                _item(
                    "ホームページ月別アクセス件数",
                    _monthly([("件数", MONTHS_WEB)], ["average", "sum"], split=2),
                ),
                _item(
                    "ホームページ及び携帯サイトの更新状況",
                    _t(
                        "人口・世帯数、ＰＤＦ版広報（毎号）、市長交際費（毎月）、フォトニュース等を更新した。"
                    ),
                ),
            ],
        ),
        _item(
            "メール配信サービス",
            _monthly(
                [("利用者数", MAIL_USERS), ("配信数", MAIL_SENT)],
                [],
                split=2,
                caption="利用者数/配信数",
            ),
        ),
        _item(
            "広報紙の電子書籍化",
            children=[
                _item(
                    "ＴＡＭＡ ｅｂｏｏｋｓ",
                    _t(
                        "多摩地域の広報紙や観光情報などを電子書籍で発信するポータルサイトである「ＴＡＭＡ ｅｂｏｏｋｓ」に「広報あきる野」を２４回掲載した。"
                    ),
                ),
                _item(
                    "マチイロ",
                    _t(
                        "自治体が発行する広報紙やイベントなどの情報を閲覧できるアプリである「マチイロ」に「広報あきる野」を２４回掲載した。"
                    ),
                    _c(("購読者数", 3132, "人"), style="plain"),
                ),
            ],
        ),
        _item(
            "広告の掲載",
            children=[
                _item(
                    "広報あきる野への広告掲載",
                    _t(
                        "広報あきる野の広告枠毎号９枠（３号広告）×２４月を広告代理店に一括して貸付けを行い、広告を掲載した。"
                    ),
                    _c(("広告料の内訳 ２１６枠一括貸付け分", 3608000, "円"), style="plain"),
                ),
                _item(
                    "ホームページへの広告掲載",
                    _t(
                        "ホームページの広告枠（１０枠）×１２月を広告代理店に一括して貸付けを行い、広告を掲載した。"
                    ),
                    _c(("広告料の内訳 １２０枠一括貸付け分", 264000, "円"), style="plain"),
                ),
            ],
        ),
        _item(
            "インスタグラム",
            _t(
                "あきる野市の魅力をアピールし、「るのびと」（あきる野市のファン）を増やしていくことを目的に、配信した。"
            ),
            _c(("投稿件数", 28, "件"), ("フォロワー", 1935, "人"), style="plain", columns=2),
        ),
        _item(
            "エックス",
            _t("あきる野市の情報を広範に発信していくことを目的に、配信した。"),
            {
                "kind": "table",
                "data": {
                    "columns": [
                        {"key": "account", "label": "アカウント名", "type": "text"},
                        {"key": "posts", "label": "投稿件数", "type": "integer"},
                        {"key": "followers", "label": "フォロワー", "type": "integer"},
                    ],
                    "rows": [
                        ["るのびと（あきる野市広報）", 173, 1337],
                        ["あきる野市（防災・防犯）", 114, 2724],
                    ],
                    "digits": "full",
                },
            },
        ),
        _item(
            "ユーチューブ",
            _t("あきる野市の魅力や情報を動画でわかりやすく発信していくことを目的に、配信した。"),
            _c(
                ("公開動画数", 9, "本"),
                ("チャンネル登録者数", 1536, "人"),
                style="plain",
                columns=2,
            ),
        ),
        _item(
            "宣伝広告",
            {
                "kind": "table",
                "data": {
                    "caption": "ＤＶＤ等販売売り上げ",
                    "columns": [
                        {"key": "work", "label": "作品名", "type": "text", "merge": True},
                        {"key": "product", "label": "販売品目", "type": "text"},
                        {
                            "key": "sales",
                            "label": "売上額",
                            "type": "amount",
                            "unit": "円",
                            "unit_in_cell": True,
                        },
                        {"key": "note", "label": "備考", "type": "text"},
                    ],
                    "rows": [
                        ["「あきる野物語 空色の旅人」", "ＤＶＤ", 2000, "１，０００円× ２枚"],
                        ["「五日市物語」", "ＤＶＤ", 10200, "３，４００円× ３枚"],
                        ["「五日市物語」", "シナリオフォトブック", 0, "１，２００円× ０冊"],
                    ],
                    "digits": "full",
                },
            },
        ),
        _item(
            "移住・定住促進事業",
            _t(
                "生産年齢人口の減少に歯止めをかけるため、主に都心に住む子育て世帯をターゲットとした移住・定住の促進に向けた取組を行った。"
            ),
            children=[
                _item(
                    "移住・定住相談",
                    _one("", 561, "回"),
                    {
                        "kind": "table",
                        "data": {
                            "columns": [
                                {"key": "label", "label": "内訳", "type": "text"},
                                {"key": "tel", "label": "電話", "type": "integer"},
                                {"key": "mail", "label": "メール", "type": "integer"},
                                {"key": "desk", "label": "窓口", "type": "integer"},
                                {"key": "online", "label": "オンライン", "type": "integer"},
                                {"key": "tour", "label": "市内案内", "type": "integer"},
                                {"key": "visit", "label": "出張相談", "type": "integer"},
                                {"key": "event", "label": "イベント", "type": "integer"},
                                {"key": "post", "label": "郵送", "type": "integer"},
                            ],
                            "rows": [["回数", 127, 140, 34, 7, 63, 33, 152, 5]],
                            "digits": "full",
                        },
                    },
                ),
                _item("出張移住相談（ふるさと回帰支援センター）", _one("", 12, "回")),
                _item("移住相談者への市内案内（再掲）", _one("", 63, "回")),
                _item(
                    "移住者（相談者のうち移住の報告があった方）",
                    _one("", 11, "組", "", [{"value": 23, "unit": "人", "separator": ""}]),
                ),
                _item(
                    "移住情報発信",
                    children=[
                        _item(
                            "移住情報サイト「ＫＯＴＯＳＵＭ」",
                            children=[
                                _item("閲覧数", _one("", 69959, "ページビュー")),
                                _item("移住情報発信", _one("", 43, "回")),
                            ],
                        ),
                        _item(
                            "ＳＮＳ（投稿件数）",
                            children=[
                                _item("エックス", _one("", 71, "件")),
                                _item("インスタグラム", _one("", 71, "件")),
                            ],
                        ),
                        _item(
                            "移住情報ガイドブック「ＫＯＴＯＳＵＭ」",
                            _c(("改訂版作成", 10000, "部"), style="plain", inline=True),
                        ),
                    ],
                ),
                _item(
                    "移住・定住促進業務",
                    children=[
                        _item(
                            "移住・定住フェア",
                            _one("", 2, "回"),
                            _t("ふるさと回帰フェア、東京都移住定住フェア"),
                        ),
                        _item("移住セミナー", _one("", 5, "回")),
                        _item("暮らし体験ツアー", _one("", 4, "回")),
                        _item("その他イベント出展", _one("", 5, "回")),
                    ],
                ),
                _item(
                    "他団体との連携",
                    children=[
                        _item(
                            "東京都",
                            _t(
                                "多摩島しょ移住・定住促進連絡会議、都主催イベントへの出展及び協力、都が運営する移住・定住ポータルサイト等での情報発信"
                            ),
                        ),
                        _item(
                            "認定ＮＰＯ法人ふるさと回帰支援センター（有料会員登録）",
                            _t(
                                "出張移住相談会の実施、施設利用枠を活用した移住セミナーの実施、センターが運営する移住・定住ポータルサイトでの情報発信"
                            ),
                        ),
                        _item(
                            "一般社団法人移住・交流推進機構（ＪＯＩＮ）（無料会員登録）",
                            _t("機構が運営する移住・定住ポータルサイトでの情報発信"),
                        ),
                    ],
                ),
                _item(
                    "移住者との連携",
                    children=[
                        _item(
                            "移住・定住コンシェルジュ",
                            _one("", 10, "組", "", [{"value": 20, "unit": "人", "separator": ""}]),
                            _t(
                                "市が行う移住・定住促進事業における情報発信、相談支援等に協力する移住者に委嘱した。"
                            ),
                        ),
                        _item(
                            "移住交流会",
                            _one("", 1, "回"),
                            _t(
                                "移住者及び移住検討者の交流を通じた新たなコミュニティ醸成のため、交流会を実施した。"
                            ),
                        ),
                    ],
                ),
                _item(
                    "移住・定住促進に関する協定",
                    children=[
                        _item(
                            "不動産物件情報提供",
                            _t(
                                "市と民間事業者が連携し、移住相談者からのニーズが高い不動産物件に関する効果的な情報提供を行った。"
                            ),
                            children=[
                                _item(
                                    "協定締結先",
                                    _t(
                                        "公益社団法人東京都宅地建物取引業協会第十二ブロック、公益社団法人全日本不動産協会東京都本部多摩西支部",
                                        inline=True,
                                    ),
                                )
                            ],
                        )
                    ],
                ),
            ],
        ),
        _item(
            "社会課題・地域課題解決型官民連携プロジェクト推進事業",
            _t(
                "市と民間事業者が連携し、若手職員を中心とした官民連携プロジェクトチームを立ち上げ、地域の持続的な発展と双方で共有する社会課題・地域課題の解決に向けた具体的な事業立案を行った。"
            ),
            children=[
                _item(
                    "包括連携協定締結先",
                    _t("東京都競馬株式会社、株式会社東京サマーランド", inline=True),
                ),
                _item(
                    "官民連携プロジェクトチーム",
                    _one("", 2, "チーム", "", [{"value": 8, "unit": "人", "separator": ""}]),
                    children=[
                        _item("メインテーマ", _t("地域資源を活用したツーリズム", inline=True)),
                        _item("全体会", _one("", 3, "回")),
                        _item("報告審査会", _t("令和７年２月２１日", inline=True)),
                    ],
                ),
            ],
        ),
    ]
}
