"""Counting and measuring words, and the canonical unit each is stored under.

A query for one unit must find every spelling of it: 名 and 位 count as 人, 個 as 个,
万元 and 亿元 as 元 (the multiplier goes into the value), 百分之 and ％ as %. 人次, 户, 家,
项 … stay what they are. Traditional spellings are folded to simplified here, so a document
that normalize did not convert still gives simplified units.
"""

from __future__ import annotations

# Traditional → simplified for the characters that occur in units and qualifiers.
TRAD = str.maketrans(
    "個臺類項場屆萬億戶張筆條門輛間處節歲週員級組隊輪種雙層棟堂篇冊點時鐘餘約將達過對畝噸學車課講頭顆網盞",
    "个台类项场届万亿户张笔条门辆间处节岁周员级组队轮种双层栋堂篇册点时钟余约将达过对亩吨学车课讲头颗网盏",
)

# Unit → canonical unit. Longest match wins (个月 before 个, 人次 before 人).
_UNITS: dict[str, str] = {}


def _add(canon: str, *spellings: str) -> None:
    for s in spellings:
        _UNITS[s] = canon


# people and person-times
_add("人", "人", "名", "位")
_add("人次", "人次", "名次", "人·次", "人/次")
_add("户次", "户次")
_add("家次", "家次")
_add("车次", "车次")
_add("台次", "台次")
_add("架次", "架次")
_add("班次", "班次", "个班次")
_add("场次", "场次")
_add("批次", "批次")
_add("课时", "课时", "个课时")
_add("学时", "学时", "个学时")
_add("人天", "人天")
# units, organisations, households
for u in ("家", "户", "所", "支", "个", "只", "项", "次", "场", "期", "届", "件", "份", "块", "张",
          "本", "册", "套", "台", "辆", "部", "批", "篇", "条", "处", "座", "间", "栋", "幢", "类",
          "种", "轮", "对", "组", "队", "门", "节", "堂", "讲", "首", "幅", "枚", "盒", "瓶", "袋",
          "箱", "包", "桶", "罐", "卷", "盏", "棵", "株", "头", "匹", "艘", "架", "颗", "封", "笔",
          "例", "起", "宗", "件次", "餐", "桌", "周", "倍", "网点", "部门", "班", "亩", "吨", "斤",
          "公斤", "千克", "米", "公里", "千米", "平方米", "平方公里", "立方米", "升", "千瓦",
          "千瓦时", "床", "张床", "分钟", "小时", "天", "年", "个月", "个小时", "个工作日",
          "工作日", "周年",  "星期", "学期", "人", "元", "美元", "个百分点", "百分点",
          "篇次", "期次", "个次", "所次", "km", "kg"):
    _UNITS.setdefault(u, u)
_add("平方米", "平方米", "平米", "㎡", "m2", "m²")
_add("个", "个", "個")
_add("小时", "小时", "个小时", "個小時", "小時")
_add("工作日", "工作日", "个工作日")
_add("%", "%", "％")
_add("‰", "‰")
# money: the multiplier goes into the value
MONEY_SCALE: dict[str, float] = {
    "元": 1, "块钱": 1, "万元": 1e4, "亿元": 1e8, "千元": 1e3, "百元": 1e2, "百万元": 1e6,
    "千万元": 1e7, "十万元": 1e5, "万多元": 1e4, "万余元": 1e4,
}
for _u in MONEY_SCALE:
    _UNITS[_u] = "元"
# other scaled units: the multiplier goes into the value, the unit keeps its name
SCALED: dict[str, tuple[float, str]] = {
    "万人": (1e4, "人"), "万人次": (1e4, "人次"), "万户": (1e4, "户"), "万份": (1e4, "份"),
    "万册": (1e4, "册"), "万件": (1e4, "件"), "万名": (1e4, "人"), "万余人": (1e4, "人"),
    "万平方米": (1e4, "平方米"), "万字": (1e4, "字"), "万亩": (1e4, "亩"),
}

# Units that need an explicit counting word: a bare 年 or 天 after a Chinese numeral is fine
# (两天, 三年) but the unit itself never starts a fact on its own.
MAX_UNIT_LEN = max(len(u) for u in _UNITS)

# Time and date words: a number followed by one of them is a date or a clock time, not a fact.
DATE_WORDS = frozenset("月日号时点秒")

# Names that look like a count but are slogans when they follow a numeral + 个.
SLOGAN_NOUNS = ("意识", "自信", "维护", "确立", "全面", "代表", "务必", "服从", "坚持", "统一",
                "结合", "文明", "面向", "转变", "融合", "着力", "百年", "一百年", "现代化", "至上",
                "留人", "敢于", "必须", "提升", "到位", "不让", "不忘", "作风", "覆盖", "优先",
                "落实", "体系", "机制", "规定", "注意", "基本原则")


def canonical_unit(unit: str) -> str:
    """The canonical spelling of a unit as stored (名 → 人, 萬元 → 元, 個 → 个)."""
    u = unit.translate(TRAD)
    if u in SCALED:
        return SCALED[u][1]
    return _UNITS.get(u, u)


def unit_scale(unit: str) -> float:
    """The factor a unit's multiplier adds to the value (万元 → 10000)."""
    u = unit.translate(TRAD)
    if u in MONEY_SCALE:
        return MONEY_SCALE[u]
    if u in SCALED:
        return SCALED[u][0]
    return 1.0


def match_unit(text: str, pos: int) -> str | None:
    """The longest unit spelled at ``text[pos:]`` (as written, possibly traditional)."""
    chunk = text[pos:pos + MAX_UNIT_LEN]
    folded = chunk.translate(TRAD)
    for n in range(min(MAX_UNIT_LEN, len(chunk)), 0, -1):
        if folded[:n] in _UNITS or folded[:n] in SCALED:
            return chunk[:n]
    return None


def is_unit(s: str) -> bool:
    u = s.translate(TRAD)
    return u in _UNITS or u in SCALED
