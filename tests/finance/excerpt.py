"""The finance tables of the FY2024 excerpt (/work/shared/seed/annual-report-fy2024-excerpt.txt).

The extracted text lost empty cells; the 第n号 column of each supplementary amount was worked
out from the printed column totals (e.g. 国民健康保険: 第1号 6,948 = 5,397 + 1,551; 第2号
101,322 = 117,980 − 16,658; 第3号 30; 第4号 24,786 = 600 + 24,186).

Each line is entered as printed: its own figures, plus the printed 補正予算額合計 and 最終予算額
(computed places, so they are checked against the computation, never stored); each side's
printed 合計 row is `PRINTED_TOTALS`, asserted against the computed totals by the tests.
"""

from __future__ import annotations


def line(
    number: str,
    name: str,
    initial: int,
    supplementary: dict[int, int],
    n: int,
    *,
    supp_total: int,
    final: int,
    settlement: int,
    appropriation: int | None = None,
) -> dict:
    return {
        "number": number,
        "name": name,
        "initial": initial,
        "supplementary": [supplementary.get(k) for k in range(1, n + 1)],
        "appropriation": appropriation,
        "settlement": settlement,
        "supplementary_total": supp_total,
        "final": final,
    }


def account(key: str, name: str, kind: str, order: int, n: int, parts: dict) -> dict:
    return {
        "key": key,
        "name": name,
        "kind": kind,
        "unit": "千円",
        "order": order,
        "supplementary_count": n,
        "parts": [{"part": part, "lines": lines} for part, lines in parts.items()],
    }


# -- ア 国民健康保険特別会計 (4 supplementary budgets) -------------------------------------------
N = 4
KOKUHO = account(
    "kokuho",
    "国民健康保険特別会計",
    "special",
    1,
    N,
    {
        "revenue": [
            line(
                "1",
                "国民健康保険税",
                1560383,
                {2: -16658},
                N,
                supp_total=-16658,
                final=1543725,
                settlement=1547761,
            ),
            line("2", "国庫支出金", 1, {1: 5397}, N, supp_total=5397, final=5398, settlement=5396),
            line(
                "3",
                "都支出金",
                5742467,
                {1: 1551, 4: 600},
                N,
                supp_total=2151,
                final=5744618,
                settlement=5547716,
            ),
            line("4", "財産収入", 2, {}, N, supp_total=0, final=2, settlement=0),
            line(
                "5",
                "繰入金",
                1030295,
                {3: 30, 4: 24186},
                N,
                supp_total=24216,
                final=1054511,
                settlement=1038780,
            ),
            line(
                "6", "繰越金", 1, {2: 117980}, N, supp_total=117980, final=117981, settlement=117981
            ),
            line("7", "諸収入", 13012, {}, N, supp_total=0, final=13012, settlement=11691),
        ],
        "expenditure": [
            line(
                "1", "総務費", 24590, {1: 6948}, N, supp_total=6948, final=31538, settlement=24573
            ),
            line(
                "2",
                "保険給付費",
                5614742,
                {4: 600},
                N,
                supp_total=600,
                final=5615342,
                settlement=5325817,
            ),
            line(
                "3",
                "国民健康保険事業費納付金",
                2564298,
                {},
                N,
                supp_total=0,
                final=2564298,
                settlement=2564295,
            ),
            line("4", "共同事業拠出金", 1, {}, N, supp_total=0, final=1, settlement=0),
            line(
                "5",
                "保健事業費",
                130139,
                {2: 189, 3: 30},
                N,
                supp_total=219,
                final=130358,
                settlement=96010,
            ),
            line(
                "6", "基金積立金", 1, {2: 61347}, N, supp_total=61347, final=61348, settlement=61348
            ),
            line(
                "7",
                "諸支出金",
                11390,
                {2: 39786, 4: 24186},
                N,
                supp_total=63972,
                final=75362,
                settlement=72359,
            ),
            line("8", "予備費", 1000, {}, N, supp_total=0, final=1000, settlement=0),
        ],
    },
)

# -- イ 後期高齢者医療特別会計 (2) ----------------------------------------------------------------
N = 2
KOKI = account(
    "koki",
    "後期高齢者医療特別会計",
    "special",
    2,
    N,
    {
        "revenue": [
            line(
                "1",
                "後期高齢者医療保険料",
                1303951,
                {2: 45423},
                N,
                supp_total=45423,
                final=1349374,
                settlement=1361402,
            ),
            line(
                "2",
                "広域連合支出金",
                18983,
                {2: -1599},
                N,
                supp_total=-1599,
                final=17384,
                settlement=17466,
            ),
            line(
                "3",
                "繰入金",
                1232258,
                {2: 3392},
                N,
                supp_total=3392,
                final=1235650,
                settlement=1235650,
            ),
            line("4", "繰越金", 1, {1: 21880}, N, supp_total=21880, final=21881, settlement=21881),
            line(
                "5",
                "諸収入",
                83882,
                {1: 10996, 2: 3450},
                N,
                supp_total=14446,
                final=98328,
                settlement=99982,
            ),
        ],
        "expenditure": [
            line("1", "総務費", 14995, {}, N, supp_total=0, final=14995, settlement=12188),
            line(
                "2",
                "保険給付費",
                39250,
                {2: 3450},
                N,
                supp_total=3450,
                final=42950,
                settlement=42950,
                appropriation=250,
            ),
            line(
                "3",
                "広域連合納付金",
                2491032,
                {1: 15672, 2: 47216},
                N,
                supp_total=62888,
                final=2553920,
                settlement=2550444,
            ),
            line("4", "保健事業費", 89337, {}, N, supp_total=0, final=89337, settlement=87649),
            line(
                "5",
                "諸支出金",
                1461,
                {1: 17204},
                N,
                supp_total=17204,
                final=18665,
                settlement=18171,
            ),
            line(
                "6",
                "予備費",
                3000,
                {},
                N,
                supp_total=0,
                final=2750,
                settlement=0,
                appropriation=-250,
            ),
        ],
    },
)

# -- ウ 介護保険特別会計 (3) ----------------------------------------------------------------------
N = 3
KAIGO = account(
    "kaigo",
    "介護保険特別会計",
    "special",
    3,
    N,
    {
        "revenue": [
            line("1", "保険料", 1724393, {}, N, supp_total=0, final=1724393, settlement=1739211),
            line("2", "使用料及び手数料", 1, {}, N, supp_total=0, final=1, settlement=0),
            line(
                "3",
                "国庫支出金",
                1523497,
                {1: 219, 2: 927, 3: -7127},
                N,
                supp_total=-5981,
                final=1517516,
                settlement=1505054,
            ),
            line(
                "4",
                "支払基金交付金",
                1955330,
                {1: 845, 2: 558, 3: -4475},
                N,
                supp_total=-3072,
                final=1952258,
                settlement=1910782,
            ),
            line(
                "5",
                "都支出金",
                1114782,
                {1: 114, 2: 258, 3: 708},
                N,
                supp_total=1080,
                final=1115862,
                settlement=1093489,
            ),
            line("6", "財産収入", 1, {}, N, supp_total=0, final=1, settlement=0),
            line("7", "寄附金", 1, {}, N, supp_total=0, final=1, settlement=0),
            line(
                "8",
                "繰入金",
                1324500,
                {1: 5566, 2: 8504, 3: 1064},
                N,
                supp_total=15134,
                final=1339634,
                settlement=1339633,
            ),
            line(
                "9", "繰越金", 1, {1: 249466}, N, supp_total=249466, final=249467, settlement=249467
            ),
            line("10", "諸収入", 8, {}, N, supp_total=0, final=8, settlement=14879),
        ],
        "expenditure": [
            line(
                "1",
                "総務費",
                196702,
                {1: 4147, 2: 8183, 3: -16696},
                N,
                supp_total=-4366,
                final=192336,
                settlement=175559,
            ),
            line(
                "2",
                "保険給付費",
                7094855,
                {2: 1860, 3: -22950},
                N,
                supp_total=-21090,
                final=7073765,
                settlement=6844542,
            ),
            line(
                "3",
                "地域支援事業費",
                284578,
                {1: 727, 2: 204, 3: 5234},
                N,
                supp_total=6165,
                final=290743,
                settlement=276924,
            ),
            line(
                "4",
                "基金積立金",
                63927,
                {1: 104687, 3: 24582},
                N,
                supp_total=129269,
                final=193196,
                settlement=193194,
            ),
            line("5", "公債費", 741, {}, N, supp_total=0, final=741, settlement=0),
            line(
                "6",
                "諸支出金",
                1711,
                {1: 146649},
                N,
                supp_total=146649,
                final=148360,
                settlement=148311,
            ),
        ],
    },
)

# -- エ 戸倉財産区特別会計 (1: no 合計 column printed) -------------------------------------------
N = 1
TOKURA = account(
    "tokura",
    "戸倉財産区特別会計",
    "special",
    4,
    N,
    {
        "revenue": [
            line("1", "財産収入", 4, {}, N, supp_total=0, final=4, settlement=0),
            line("2", "繰入金", 3428, {}, N, supp_total=0, final=3428, settlement=3428),
            line("3", "繰越金", 1, {1: 1625}, N, supp_total=1625, final=1626, settlement=1627),
            line("4", "諸収入", 3, {}, N, supp_total=0, final=3, settlement=0),
        ],
        "expenditure": [
            line("1", "総務費", 850, {}, N, supp_total=0, final=850, settlement=788),
            line("2", "業務費", 2486, {}, N, supp_total=0, final=2486, settlement=1374),
            line("3", "予備費", 100, {}, N, supp_total=0, final=100, settlement=0),
            line("4", "基金積立金", 0, {1: 1625}, N, supp_total=1625, final=1625, settlement=1625),
        ],
    },
)

# -- オ テレビ共同受信事業特別会計 (2) -----------------------------------------------------------
N = 2
TV = account(
    "tv-kyodo",
    "テレビ共同受信事業特別会計",
    "special",
    5,
    N,
    {
        "revenue": [
            line("1", "分担金及び負担金", 350, {}, N, supp_total=0, final=350, settlement=245),
            line("2", "財産収入", 1, {}, N, supp_total=0, final=1, settlement=0),
            line(
                "3",
                "繰入金",
                41438,
                {1: 131, 2: 17},
                N,
                supp_total=148,
                final=41586,
                settlement=31149,
            ),
            line("4", "繰越金", 1, {}, N, supp_total=0, final=1, settlement=0),
            line("5", "諸収入", 1, {}, N, supp_total=0, final=1, settlement=0),
        ],
        "expenditure": [
            line(
                "1",
                "総務費",
                18438,
                {1: 131, 2: 17},
                N,
                supp_total=148,
                final=18586,
                settlement=16665,
            ),
            line("2", "事業費", 22000, {}, N, supp_total=0, final=22000, settlement=14484),
            line("3", "基金積立金", 353, {}, N, supp_total=0, final=353, settlement=245),
            line("4", "予備費", 1000, {}, N, supp_total=0, final=1000, settlement=0),
        ],
    },
)

# -- カ 秋多都市計画事業武蔵引田駅北口土地区画整理事業特別会計 (3; 第1号 changed nothing here) ------
N = 3
KUKAKU = account(
    "kukaku-seiri",
    "秋多都市計画事業武蔵引田駅北口土地区画整理事業特別会計",
    "special",
    6,
    N,
    {
        "revenue": [
            line(
                "1",
                "国庫支出金",
                62000,
                {2: -22760},
                N,
                supp_total=-22760,
                final=39240,
                settlement=39240,
            ),
            line(
                "2",
                "都支出金",
                17750,
                {2: 1870, 3: 23672},
                N,
                supp_total=25542,
                final=43292,
                settlement=39170,
            ),
            line("3", "財産収入", 24, {}, N, supp_total=0, final=24, settlement=29),
            line(
                "4",
                "繰入金",
                163574,
                {2: -62904, 3: 16364},
                N,
                supp_total=-46540,
                final=117034,
                settlement=117034,
            ),
            line("5", "繰越金", 1, {2: 74100}, N, supp_total=74100, final=74101, settlement=74102),
            line(
                "6",
                "諸収入",
                522639,
                {3: -338128},
                N,
                supp_total=-338128,
                final=184511,
                settlement=184478,
            ),
            line(
                "7",
                "市債",
                477800,
                {2: 90800, 3: 216000},
                N,
                supp_total=306800,
                final=784600,
                settlement=752600,
            ),
        ],
        "expenditure": [
            line(
                "1",
                "区画整理費",
                1195901,
                {2: 81106, 3: -81673},
                N,
                supp_total=-567,
                final=1195334,
                settlement=1095977,
            ),
            line(
                "2", "公債費", 47887, {3: -419}, N, supp_total=-419, final=47468, settlement=47467
            ),
        ],
    },
)

# -- （３）公営企業会計 下水道事業会計 (2) --------------------------------------------------------
N = 2
GESUIDO = account(
    "gesuido",
    "下水道事業会計",
    "enterprise",
    7,
    N,
    {
        "operating_revenue": [
            line(
                "1",
                "営業収益",
                908687,
                {2: -696},
                N,
                supp_total=-696,
                final=907991,
                settlement=903462,
            ),
            line(
                "2",
                "営業外収益",
                1143089,
                {1: 8279, 2: -16256},
                N,
                supp_total=-7977,
                final=1135112,
                settlement=1069943,
            ),
        ],
        "operating_expenditure": [
            line(
                "1",
                "営業費用",
                1854898,
                {1: -1146, 2: -16952},
                N,
                supp_total=-18098,
                final=1836800,
                settlement=1771669,
            ),
            line(
                "2",
                "営業外費用",
                151824,
                {1: 9425},
                N,
                supp_total=9425,
                final=161249,
                settlement=153330,
            ),
            line("3", "特別損失", 1, {}, N, supp_total=0, final=1, settlement=0),
        ],
        "capital_revenue": [
            line("1", "企業債", 1075700, {}, N, supp_total=0, final=1075700, settlement=842300),
            line(
                "2",
                "他会計出資金",
                351604,
                {1: 7194, 2: 241},
                N,
                supp_total=7435,
                final=359039,
                settlement=305309,
            ),
            line("3", "補助金", 66296, {}, N, supp_total=0, final=66296, settlement=34210),
            line("4", "負担金", 0, {}, N, supp_total=0, final=0, settlement=362),
        ],
        "capital_expenditure": [
            line(
                "1",
                "建設改良費",
                753945,
                {1: 7194, 2: 241},
                N,
                supp_total=7435,
                final=761380,
                settlement=401521,
            ),
            line(
                "2", "企業債償還金", 1595011, {}, N, supp_total=0, final=1595011, settlement=1595011
            ),
        ],
    },
)

ACCOUNTS = [KOKUHO, KOKI, KAIGO, TOKURA, TV, KUKAKU, GESUIDO]

# The printed 合計 rows: (当初, [第1号…第n号], 補正合計, 充当, 最終, 決算). 充当 is None where the
# printed row shows no figure.
PRINTED_TOTALS = {
    ("kokuho", "revenue"): (8346161, [6948, 101322, 30, 24786], 133086, None, 8479247, 8269325),
    ("kokuho", "expenditure"): (8346161, [6948, 101322, 30, 24786], 133086, None, 8479247, 8144402),
    ("koki", "revenue"): (2639075, [32876, 50666], 83542, None, 2722617, 2736381),
    ("koki", "expenditure"): (2639075, [32876, 50666], 83542, 0, 2722617, 2711402),
    ("kaigo", "revenue"): (7642514, [256210, 10247, -9830], 256627, None, 7899141, 7852515),
    ("kaigo", "expenditure"): (7642514, [256210, 10247, -9830], 256627, None, 7899141, 7638530),
    ("tokura", "revenue"): (3436, [1625], 1625, None, 5061, 5055),
    ("tokura", "expenditure"): (3436, [1625], 1625, None, 5061, 3787),
    ("tv-kyodo", "revenue"): (41791, [131, 17], 148, None, 41939, 31394),
    ("tv-kyodo", "expenditure"): (41791, [131, 17], 148, None, 41939, 31394),
    ("kukaku-seiri", "revenue"): (1243788, [0, 81106, -82092], -986, None, 1242802, 1206653),
    ("kukaku-seiri", "expenditure"): (1243788, [0, 81106, -82092], -986, None, 1242802, 1143444),
    ("gesuido", "operating_revenue"): (2051776, [8279, -16952], -8673, None, 2043103, 1973405),
    ("gesuido", "operating_expenditure"): (2006723, [8279, -16952], -8673, None, 1998050, 1924999),
    ("gesuido", "capital_revenue"): (1493600, [7194, 241], 7435, None, 1501035, 1182181),
    ("gesuido", "capital_expenditure"): (2348956, [7194, 241], 7435, None, 2356391, 1996532),
}

# -- ２ 地方交付税年度比較表 / ３ 東京都市町村総合交付金年度比較表 ---------------------------------
KOFUZEI = {
    "key": "kofuzei",
    "title": "地方交付税年度比較表",
    "unit": "千円",
    "order": 2,
    "rows": [
        {"letter": "ア", "label": "基準財政需要額", "current": 15363668, "previous": 14868612},
        {"letter": "イ", "label": "基準財政収入額", "current": 10551470, "previous": 10387229},
        {"letter": "ウ", "label": "交付基準額〔ア－イ〕"},
        {"letter": "エ", "label": "調整額", "current": 0, "previous": 0},
        {"letter": "オ", "label": "普通交付税交付額〔ウ－エ〕"},
        {"letter": "カ", "label": "特別交付税交付額", "current": 498136, "previous": 489236},
        {"letter": None, "label": "地方交付税交付額〔オ＋カ〕"},
    ],
}
# (本年度, 前年度, 増△減, 比率) as printed, in row order.
KOFUZEI_PRINTED = [
    (15363668, 14868612, 495056, "3.3"),
    (10551470, 10387229, 164241, "1.6"),
    (4812198, 4481383, 330815, "7.4"),
    (0, 0, 0, "0.0"),
    (4812198, 4481383, 330815, "7.4"),
    (498136, 489236, 8900, "1.8"),
    (5310334, 4970619, 339715, "6.8"),
]
SOGO = {
    "key": "sogo-kofukin",
    "title": "東京都市町村総合交付金年度比較表",
    "unit": "千円",
    "order": 3,
    "rows": [
        {"label": "東京都市町村総合交付金交付額", "current": 1809014, "previous": 1774027},
    ],
}
SOGO_PRINTED = [(1809014, 1774027, 34987, "2.0")]

# -- bonds, funds and grants ------------------------------------------------------------------
# The excerpt has no 地方債, 基金 or 充当事業 tables; these are small made-up figures in their
# layout, for the tests of the identities and of the carry-over.
SAMPLE_BONDS = {
    "unit": "千円",
    "loans": [
        {
            "purpose": "臨時財政対策債",
            "amount": 120000,
            "date": "2025-03-25",
            "lender": "財政融資資金",
            "rate": "0.900",
            "term_years": 20,
            "grace_years": 3,
        },
        {
            "purpose": "学校施設整備事業債",
            "amount": 85000,
            "date": "2025-05-20",
            "lender": "地方公共団体金融機構",
            "rate": "1.100",
            "term_years": 25,
            "grace_years": 5,
        },
    ],
    "balances": [
        {"lender": "財政融資資金", "opening": 4600000, "repaid": 410000},
        {"lender": "地方公共団体金融機構", "opening": 2750000, "repaid": 260000},
    ],
}
SAMPLE_FUNDS = [
    {
        "key": "zaisei-chosei",
        "name": "財政調整基金",
        "unit": "千円",
        "order": 1,
        "opening": 3200000,
        "deposits": [
            {"label": "決算剰余金の積立", "amount": 600000},
            {"label": "運用利子", "amount": 1200},
        ],
        "withdrawals": [{"label": "一般会計への繰入（財源調整）", "amount": 450000}],
        "sub_balances": [],
    },
    {
        "key": "kokyo-shisetsu",
        "name": "公共施設等整備基金",
        "unit": "千円",
        "order": 2,
        "opening": 1000000,
        "deposits": [{"label": "ふるさと納税寄附金", "amount": 30000}],
        "withdrawals": [],
        "sub_balances": [
            {"label": "学校施設分", "amount": 700000},
            {"label": "その他の施設分", "amount": 330000},
        ],
    },
]
SAMPLE_GRANTS = [
    {
        "key": "sogo",
        "name": "東京都市町村総合交付金",
        "unit": "千円",
        "order": 1,
        "received": 1809014,
        "projects": [
            {"name": "道路維持補修事業", "amount": 809014, "description": "市道の補修"},
            {"name": "小中学校施設改修事業", "amount": 1000000, "description": "体育館の空調設置"},
        ],
    }
]
