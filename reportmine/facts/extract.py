"""Find the numeric facts of a document: quantity, unit, qualifier, span, metric, year, org.

One pass of a possessive (non-backtracking) regex finds every run of digits or Chinese
numerals; each run is then read left to right by hand: the multiplier (1.5万), the
approximation (150余, 十几), a range (3至5, 两三), the unit (longest match in ``units``), the
qualifiers before and after (近, 约, 以上, 左右), and the exclusions (dates, years, times,
document numbers, ordinals, named numerals, ages, phone numbers, list numbering). Numbers
without a unit that are listed before one that has one share it ("120、80人").
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from reportmine.document import Document, Fact
from reportmine.facts import units as U
from reportmine.facts.context import Context, build_context
from reportmine.facts.metric import metric_for
from reportmine.facts.numbers import CN_BIG, CN_DIGITS, CN_SMALL, MAX_CN_LEN, parse_arabic, parse_chinese_number

_CN_CLASS = "零〇○一二两三四五六七八九十百千万亿壹贰叁肆伍陆柒捌玖拾佰仟萬億兩"
_NUM = re.compile(
    # digits an OCR or a font garbled into letters: looo平方米, loo多万元
    # (looo平方米, 5O0人, l00人): digits and look-alike letters, at least one letter, not inside a word
    r"(?P<ocr>(?<![A-Za-z0-9])(?=[0-9lIoO]{0,11}[lIoO])[0-9lI][0-9lIoO]{1,11}+(?![A-Za-z0-9]))"
    r"|(?P<pct>百分之|千分之)?"
    rf"(?P<num>[0-9０-９]++(?:,[0-9]{{3}}(?![0-9]))*+(?:\.[0-9０-９]++)?|[{_CN_CLASS}]++)"
)
_ARABIC = re.compile(r"[0-9]++(?:\.[0-9]++)?")
_OCR_DIGITS = str.maketrans("lIoO", "1100")
_MULT = {**CN_SMALL, **CN_BIG}
_APPROX = "余多来几餘"
_RANGE_SEP = "至到~～-—－"
_SENT_END = set("。！？!?；;\n")
# qualifiers written before the number (longest first) and after the unit
_PRE_QUAL = [
    ("将近", "nearly"), ("接近", "nearly"), ("近", "nearly"),
    ("大约", "about"), ("约为", "about"), ("约有", "about"), ("大概", "about"), ("约", "about"),
    ("超过", "more_than"), ("多于", "more_than"), ("不少于", "more_than"), ("不低于", "more_than"),
    ("至少", "more_than"), ("逾", "more_than"), ("超", "more_than"),
    ("不足", "less_than"), ("不到", "less_than"), ("不满", "less_than"), ("少于", "less_than"),
    ("低于", "less_than"), ("不超过", "less_than"),
]
_PRE_QUAL.sort(key=lambda q: -len(q[0]))
_POST_QUAL = [("以上", "more_than"), ("之多", "more_than"), ("多", "more_than"), ("余", "more_than"),
              ("左右", "about"), ("上下", "about"), ("以下", "less_than"), ("以内", "less_than"),
              ("之内", "less_than")]
# a character before 近/约 that makes it part of another word (最近, 附近, 节约, 签约)
_NOT_QUAL_BEFORE = {"近": set("最附接将临靠亲贴"), "约": set("节签预制契条公大隐"), "超": set("高赶")}
_ORDINAL_BEFORE = set("第笫初周礼拜星")  # 笫: a common misprint of 第
_OPEN_QUOTE = set("“‘「『\"'")
_CLOSE_QUOTE = set("”’」』\"'")
_LIST_SEP = set("、，,和及与或 ")
_CN_DIGIT_ONLY = frozenset(CN_DIGITS)


@dataclass
class _Num:
    start: int  # start of the numeral (after any qualifier prefix)
    end: int
    value: float
    value_max: float | None
    qualifier: str
    is_cn: bool


def _read_number(text: str, m: re.Match, joins: frozenset[int] = frozenset()) -> _Num | None:
    """The number a regex match spells, with its multiplier and approximation suffix.
    ``joins``: offsets of spaces that stand for a line break inside a number (50 0家)."""
    group = "num" if m.group("num") is not None else "ocr"
    s, e = m.span(group)
    numstr = m.group(group)
    if group == "ocr":
        if not (any(ch.isdigit() for ch in numstr) or any(ch in "oO" for ch in numstr)):
            return None  # II, Il: Roman numerals or letters, not a garbled number
        numstr = numstr.translate(_OCR_DIGITS)
    is_cn = not numstr[0].isdigit()
    value_max = None
    qualifier = "exact"
    n = len(text)
    if is_cn:
        if len(numstr) > MAX_CN_LEN:
            return None
        rng = _cn_range(numstr)
        if rng is not None:
            value, value_max = rng
        else:
            if len(numstr) >= 2 and all(ch in _CN_DIGIT_ONLY for ch in numstr):
                return None  # 二〇一一, 五一: a year or a name, not a count
            value = parse_chinese_number(numstr)
            if value is None:
                return None
            # a Chinese decimal: 三十五点五, 零点八
            if e + 1 < n and text[e] == "点" and text[e + 1] in _CN_DIGIT_ONLY:
                j = e + 1
                frac = ""
                while j < n and text[j] in _CN_DIGIT_ONLY and len(frac) < 6:
                    frac += str(CN_DIGITS[text[j]])
                    j += 1
                if value == int(value) and (j >= n or text[j] not in _CN_DIGIT_ONLY):
                    value = float(f"{int(value)}.{frac}")
                    e = j
                    while e < n and text[e] in _MULT and e - j < 2:  # 三点五万
                        value *= _MULT[text[e]]
                        e += 1
    else:
        while e in joins and e + 1 < n and text[e + 1].isdigit() and len(numstr) < 12:
            m2 = _ARABIC.match(text, e + 1)
            numstr += m2.group(0)
            e = m2.end()
        value = parse_arabic(numstr)
        if value is None:
            return None
        # a Chinese multiplier after Arabic digits: 1.5万, 3千, 2百万, 6 千
        k = 0
        j = e
        while j < n and text[j] == " " and j - e < 2:
            j += 1
        if j > e and not (j < n and text[j] in _MULT):
            j = e
        while j < n and k < 3 and text[j] in _MULT:
            value *= _MULT[text[j]]
            j += 1
            k += 1
            e = j
        # 1万2千人, 3亿5千万元: a lower section written after the multiplier
        if k and text[e - 1] in CN_BIG and e < n and text[e].isdigit():
            m2 = re.match(r"[0-9]{1,4}([千百万])", text[e:e + 6])
            if m2 and _MULT[m2.group(1)] < _MULT[text[e - 1]]:
                value += int(m2.group(0)[:-1]) * _MULT[m2.group(1)]
                e += m2.end()
        e = _skip_gloss(text, e) if k else e
    # 150余, 500多, 十几, 十来: an approximate count, possibly with a multiplier after (十余万)
    if e < n and text[e] in _APPROX:
        ch = text[e]
        nxt = e + 1
        mult = 1.0
        while nxt < n and text[nxt] in CN_BIG:
            mult *= CN_BIG[text[nxt]]
            nxt += 1
        nxt = _skip_gloss(text, nxt)
        if ch in "来几" and not (nxt < n and (U.match_unit(text, nxt) or text[nxt] in CN_BIG)):
            return _Num(s, e, value, value_max, qualifier, is_cn)
        if ch == "几":
            # 十几 → 10..19, 二十几 → 20..29, 三百几 → 300..390
            step = 1 if value < 100 else 10 if value < 1000 else 100
            value_max = (value + 9 * step) * mult
        value *= mult
        qualifier = "more_than"
        e = nxt
    return _Num(s, e, value, value_max, qualifier, is_cn)


_GLOSS = re.compile(r"[(（][a-zA-Zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]{1,8}[)）]")


def _skip_gloss(text: str, pos: int) -> int:
    """Skip a pinyin gloss normalize left in place: 萬(wàn)元."""
    if pos < len(text) and text[pos] in "(（":
        m = _GLOSS.match(text, pos)
        if m and any(ord(ch) > 127 for ch in m.group(0)[1:-1]) or (m and m.group(0)[1:-1].islower()):
            return m.end()
    return pos


def _cn_range(numstr: str) -> tuple[float, float] | None:
    """两三 → (2, 3); 三四十 → (30, 40); 五六百 → (500, 600); 一两 → (1, 2)."""
    if len(numstr) < 2:
        return None
    a, b = CN_DIGITS.get(numstr[0]), CN_DIGITS.get(numstr[1])
    if a is None or b is None or a == 0 or not (b == a + 1 or (a == 1 and numstr[1] == "两")):
        return None
    rest = numstr[2:]
    mult = 1.0
    for ch in rest:
        m = _MULT.get(ch)
        if m is None:
            return None
        mult *= m
    return a * mult, b * mult


def _skip_space(text: str, pos: int) -> int:
    """Skip up to two spaces and at most one soft line break between a number and its unit."""
    n = len(text)
    spaces = 0
    newline = False
    while pos < n and spaces < 3:
        ch = text[pos]
        if ch in " \t\u3000":
            spaces += 1
        elif ch == "\n" and not newline:
            newline = True
        else:
            break
        pos += 1
    return pos


def _pre_qualifier(text: str, start: int, floor: int) -> tuple[int, str]:
    """A qualifier written just before the number: (its start, qualifier)."""
    j = start
    while j > floor and text[j - 1] in " \t":
        j -= 1
    if j > floor and text[j - 1] in ")）":
        # a pinyin gloss between the qualifier and the number: 約(yuē)五百人
        k = max(text.rfind("(", floor, j), text.rfind("（", floor, j))
        if k >= 0 and _GLOSS.fullmatch(text, k, j):
            j = k
    window = text[floor:j].translate(U.TRAD)
    for word, qual in _PRE_QUAL:
        k = j - len(word)
        if k >= floor and window.endswith(word):
            bad = _NOT_QUAL_BEFORE.get(word)
            if bad and k > 0 and text[k - 1] in bad:
                continue
            return k, qual
    return start, "exact"


# a prize after the counting word: 一个一等奖, 二个二等奖, 一项金奖 are counts
_PRIZE = re.compile(r"[一二三四五]等奖|特等奖|[金银铜]奖|优秀奖|优胜奖|单项奖")
_ROUND = frozenset(("十", "百", "千", "万", "百万", "千万", "十万", "亿"))
# four-character idioms with numerals that read like counts (三番五次 → 五次)
_IDIOMS = frozenset((
    "三番五次", "三令五申", "千家万户", "千方百计", "成千上万", "成百上千", "万无一失", "一五一十",
    "四面八方", "七嘴八舌", "五湖四海", "十全十美", "百花齐放", "千军万马", "三年五载", "十年如一日",
    "一心一意", "三心二意", "九牛一毛", "百里挑一", "千辛万苦", "千变万化", "万众一心", "千丝万缕",
    "两袖清风", "三五成群", "五花八门", "七上八下", "九九归一", "百年大计", "千秋万代", "十万火急",
))


def _in_idiom(text: str, s: int, e: int) -> bool:
    lo = max(0, s - 3)
    window = text[lo:e + 3]
    return any(i in window for i in _IDIOMS if len(window) >= 4)


def _is_named(text: str, s: int, end: int, num: _Num, unit: str) -> bool:
    """A numeral that names something rather than counts it: “四个意识”, “15分钟服务圈”,
    三位一体, 二次供水."""
    prev = text[s - 1] if s > 0 else ""
    if prev in _OPEN_QUOTE:
        close = text[end:end + 8]
        for ch in close:
            if ch in _CLOSE_QUOTE:
                return True
            if ch in "，。；：,;:“‘「『":
                break
    elif prev not in "，。；：,;:\n" and s > 0:
        # inside a short quoted phrase: “具有五种素养”, “三年再造”
        back = text[max(0, s - 8):s]
        o = max(back.rfind(q) for q in "“‘「『")
        if o >= 0 and not any(c in back[o:] for c in "”’」』，。；"):
            close = text[end:end + 8]
            for ch in close:
                if ch in "”’」』":
                    return True
                if ch in "，。；：,;:“‘「『":
                    break
    if unit in ("年", "个月", "天", "周") and text.startswith(("规划", "计划", "行动", "攻坚", "发展规划"), end):
        return True  # 三年规划, 五年计划: the name of a plan
    if prev in "”’」』\"" and num.is_cn:
        # “维护、建设、参与、教育”四项职能: the count of a named list just quoted
        back = text[max(0, s - 40):s - 1]
        o = max(back.rfind(q) for q in "“‘「『\"")
        if o >= 0 and back[o + 1:].count("、") + 1 == int(num.value):
            return True
    if unit == "周年":
        return True  # 成立100周年: an anniversary names the occasion
    if num.is_cn and unit.endswith("元") and text[s:s + 1] in "百千万" and text.startswith(("级", "以上"), end):
        return True  # 百万元级别: an order of magnitude
    if unit == "届" and (end < len(text) and (text[end] in _CN_CLASS or text[end].isdigit())):
        return True  # 五届三次职代会: a session number
    if unit == "次" and s > 0 and text[s - 1] == "届":
        return True
    if unit == "年" and (text.startswith(("来", "以来", "里", "间", "内", "前", "后", "中"), end)
                        or any(w in text[max(0, s - 3):s] for w in ("过去", "未来"))
                        or text[s - 1:s] in ("这", "那", "的")):
        return True  # 五年来, 过去五年: a period framing the text, not a count
    if not num.is_cn:
        return False
    if text[s:s + 1] == "二" and (end - s) == 1 + len(unit) and unit not in ("人", "名", "位") \
            and not _PRIZE.match(text, end):
        return True  # counting uses 两 (两次, 两个); 二次, 二级, 二类 name a kind
    nxt = text[end:end + 4]
    if unit in ("个", "項", "项", "位", "大") and nxt.startswith(U.SLOGAN_NOUNS):
        return True
    if (end + 1 < len(text) and text[end] in _CN_DIGIT_ONLY and text[end] not in "零〇"
            and text[end + 1] not in "等十百千万" and not U.is_unit(text[end + 1])):
        return True  # 三位一体, 一人一档 (but 四个三等奖 is a count)
    return False


def find_facts(text: str, joins: frozenset[int] = frozenset()) -> list[dict]:
    """Every numeric fact in ``text`` as dicts with span, value, unit and qualifier.
    ``joins``: offsets of spaces that stand for a soft line break inside a number."""
    out: list[dict] = []
    pending: list[dict] = []  # bare numbers that may share the unit of the next one
    n = len(text)
    last_end = 0
    consumed = 0
    for m in _NUM.finditer(text):
        s = m.start("num") if m.group("num") is not None else m.start("ocr")
        if s < last_end or s < consumed:
            continue
        pct = m.group("pct")
        prev = text[s - 1] if s > 0 and not pct else ""
        num = _read_number(text, m, joins)
        if num is None:
            continue
        consumed = num.end
        if num.is_cn and _in_idiom(text, s, num.end):
            continue
        vague = bool(num.is_cn and prev and prev in "数几上成" and m.group("num") in _ROUND)
        if prev and (prev in _ORDINAL_BEFORE or prev in "前×*＊÷") or (
                not pct and text[max(0, s - 2):s] in ("分之", "一式")):
            continue  # 第三, 前三名, 11×19, 三分之二, 一式四份
        if not num.is_cn and m.group("num") and len(m.group("num")) > 1 and m.group("num")[0] in "0０" \
                and m.group("num")[1:2] not in ".．":
            continue  # 05万元, 09年: a fragment of a number broken by OCR or an abbreviated year
        if not pct and prev and prev.isascii() and (prev.isalnum() or prev in "._/:#-+"):
            if not (prev == "-" and s >= 2 and not text[s - 2].isdigit()):
                continue  # No.5, V2, 0576-8412, 8:30, 1.2.3 headings
        if num.is_cn and not pct and m.group("num") in ("一", "壹") and num.value_max is None \
                and not _PRIZE.match(text, num.end + 1):
            continue  # 一 is an article far more often than a count (一个, 一项) — but 一个一等奖
        pos = num.end
        value, value_max, qual = num.value, num.value_max, num.qualifier
        # a range: 3至5人, 3-5人, 3~5
        if pos < n and text[pos] in _RANGE_SEP and value_max is None:
            m2 = _NUM.match(text, pos + 1)
            if m2 and not m2.group("pct"):
                num2 = _read_number(text, m2, joins)
                if num2 is not None and num2.is_cn == num.is_cn and num2.value > value:
                    digits = sum(ch.isdigit() for ch in text[num.start:num2.end])
                    if not (text[pos] in "-—－" and digits > 6):
                        value_max = num2.value
                        if num2.qualifier != "exact":
                            qual = num2.qualifier
                        pos = num2.end
        if pct:
            unit_written = "%" if pct == "百分之" else "‰"
            uend = unit_start = pos
            canon = unit_written
        else:
            upos = _skip_space(text, _skip_gloss(text, pos))
            unit_written = U.match_unit(text, upos)
            if unit_written is None:
                if num.end == pos and text[pos:pos + 1] in _LIST_SEP and not (prev and prev in "年月"):
                    pending.append({"start": s, "end": pos, "value": value, "qual": qual, "is_cn": num.is_cn})
                else:
                    pending.clear()
                continue
            unit_start = upos
            uend = upos + len(unit_written)
            canon = U.canonical_unit(unit_written)
            folded = unit_written.translate(U.TRAD)
            if canon == "年" and re.match(r"\s?[0-9〇零一二三四五六七八九十]{1,3}\s?月", text[uend:uend + 6]):
                pending.clear()
                continue  # 108年8月: a date in any era
            if canon == "年":
                after = text[uend:uend + 1]
                if (not num.is_cn and text[num.start] == "0") or value >= 1000 or value != int(value) or (after and after in "度级初底末中份") or (num.is_cn and value > 100):
                    pending.clear()
                    continue  # a year (2023年, 2023年度), not a duration
            if canon == "个" and text[uend:uend + 1] in "多余半" and text[uend + 1:uend + 2] == "月":
                if text[uend] == "半":
                    value += 0.5
                else:
                    qual = "more_than"
                canon, uend = "个月", uend + 2
            if _is_named(text, num.start, uend, num, folded):
                pending.clear()
                continue
            scale = U.unit_scale(unit_written)
            value *= scale
            if value_max is not None:
                value_max *= scale
            # 3人至5人
            if uend < n and text[uend] in "至到~～-—－" and value_max is None:
                m2 = _NUM.match(text, uend + 1)
                if m2 and not m2.group("pct"):
                    num2 = _read_number(text, m2)
                    if num2 is not None and text.startswith(unit_written, num2.end):
                        v2 = num2.value * scale
                        if v2 > value:
                            value_max = v2
                            uend = num2.end + len(unit_written)
        # qualifiers after the unit: 3年以上, 500人左右
        for word, q in _POST_QUAL:
            if text.startswith(word, uend):
                if word in ("多", "余") and (pct or canon not in ("年", "个月", "天", "小时", "周")):
                    continue
                if word == "上下" and text[uend + 2:uend + 3] and text[uend + 2] in "级班同一":
                    continue
                qual = q if qual == "exact" else qual
                uend += len(word)
                break
        fstart, pre_q = _pre_qualifier(text, num.start if not pct else m.start("pct"), max(0, s - 6))
        if pre_q == "nearly" and canon == "年" and not any(
                w in text[max(0, fstart - 3):fstart] for w in ("历时", "长达", "用了", "坚持", "经过", "达")):
            pending.clear()
            continue  # 近三年, 近2年来: a period framing the sentence
        if pre_q != "exact":
            qual = pre_q
        elif vague:
            qual, fstart = "more_than", num.start - 1  # 数十家, 上百人, 几千名
        else:
            fstart = m.start("pct") if pct else num.start
        value = round(value, 6)
        value_max = round(value_max, 6) if value_max is not None else None
        fact = {"start": fstart, "end": uend, "value": value, "value_max": value_max,
                "unit": canon, "qualifier": qual, "num_start": num.start, "unit_start": unit_start}
        # bare numbers listed just before share this unit: 120、80人
        if pending and not pct:
            shared = []
            nxt_start = fstart
            for p in reversed(pending):
                between = text[p["end"]:nxt_start]
                if 0 < len(between) <= 3 and all(ch in _LIST_SEP for ch in between) and p["is_cn"] == num.is_cn:
                    shared.append(p)
                    nxt_start = p["start"]
                else:
                    break
            for p in reversed(shared):
                pv = round(p["value"] * U.unit_scale(unit_written), 6)
                out.append({"start": p["start"], "end": p["end"], "value": pv, "value_max": None,
                            "unit": canon, "qualifier": p["qual"], "num_start": p["start"],
                            "unit_start": p["end"], "shared": True})
        pending.clear()
        out.append(fact)
        last_end = uend
    out.sort(key=lambda f: f["start"])
    return out


_MAX_SENTENCE = 300  # how far a sentence is looked for on each side of a fact


def _bounds(text: str, start: int, end: int, stops: set[str], lo: int, hi: int) -> tuple[int, int]:
    """The sentence around ``text[start:end]``: from after the last stop before it to the
    first stop after it, within ``lo``..``hi`` and at most _MAX_SENTENCE on each side."""
    lo = max(lo, start - _MAX_SENTENCE)
    hi = min(hi, end + _MAX_SENTENCE)
    a = max([text.rfind(c, lo, start) for c in stops] + [lo - 1]) + 1
    b = min([j for j in (text.find(c, end, hi) for c in stops) if j >= 0] + [hi])
    return max(a, lo), b


_DIGIT_SPACE_DIGIT = re.compile(r"(?<=[0-9]) (?=[0-9])")
_DIGIT_NEWLINE_DIGIT = re.compile(r"(?<=[0-9])\n(?=[0-9])")


def _soft_breaks_in_numbers(doc: Document) -> frozenset[int]:
    """Spaces between digits that normalize made of a line break (a PDF line wrapped
    inside a number: 50\n0家 → "50 0家"), so that the number is read whole."""
    text = doc.text
    out = set()
    # a hard break kept between digits at the end of a long (wrapped) line: 202\n3年
    for m in _DIGIT_NEWLINE_DIGIT.finditer(text):
        i = m.start()
        line_start = text.rfind("\n", max(0, i - 200), i) + 1
        if i - line_start >= 15:
            out.add(i)
    if not doc.offsets or not doc.raw_text:
        return frozenset(out)
    raw, offsets = doc.raw_text, doc.offsets
    for m in _DIGIT_SPACE_DIGIT.finditer(text):
        i = m.start()
        if i < len(offsets) and offsets[i] < len(raw) and raw[offsets[i]] == "\n":
            out.add(i)
    return frozenset(out)


def _page_index(doc: Document) -> tuple[list[int], list[int]]:
    """Block starts and their pages, for a bisect instead of ``Document.page_at``'s scan."""
    spans = sorted((b.start, p.number) for p in doc.pages for b in p.blocks if b.start is not None)
    return [s for s, _ in spans], [n for _, n in spans]


def _page_at(index: tuple[list[int], list[int]], offset: int) -> int:
    starts, numbers = index
    k = bisect.bisect_right(starts, offset) - 1
    return numbers[k] if k >= 0 else 1


def extract_facts(doc: Document) -> Document:
    """Fill ``doc.facts`` and the document's year, org and (if unset) title."""
    text = doc.text
    ctx: Context = build_context(doc)
    doc.year = doc.year or ctx.doc_year
    doc.org = doc.org or ctx.doc_org
    ctx.doc_year = doc.year
    ctx.doc_org = doc.org
    para_starts = [p.start for p in doc.paragraphs]
    pages = _page_index(doc)
    raw = find_facts(text, _soft_breaks_in_numbers(doc))
    facts: list[Fact] = []
    for i, f in enumerate(raw):
        s, e = f["start"], f["end"]
        k = bisect.bisect_right(para_starts, s) - 1
        para = doc.paragraphs[k] if k >= 0 else None
        plo = para.start if para else 0
        phi = para.end if para and para.end >= e else len(text)
        sent_lo, sent_hi = _bounds(text, s, e, _SENT_END, plo, phi)
        if "\n" in text[s:e]:
            # a soft break inside the fact (224\n名) must not cut its own sentence
            sent_lo, sent_hi = _bounds(text, s, e, _SENT_END - {"\n"}, max(0, plo - 200), min(len(text), phi + 200))
        # a line broken inside a sentence (a long line not ending in punctuation) continues it
        while sent_hi < len(text) and text[sent_hi] == "\n" and sent_hi - sent_lo >= 15 \
                and text[sent_hi - 1] not in "。！？!?；;：:”" and sent_hi - s < 120:
            limit = min(len(text), sent_hi + 200)
            stops = [j for j in (text.find(c, sent_hi + 1, limit) for c in "\n。！？；") if j >= 0]
            sent_hi = min(stops) if stops else limit
        metric = metric_for(text, f, raw, i, sent_lo, sent_hi)
        same_sentence = bool(facts) and facts[-1].end >= sent_lo and bool(facts[-1].metric)
        if metric is None and same_sentence:
            metric = facts[-1].metric  # 发放500人次,1000盒: the same thing counted twice
        elif (metric and same_sentence and len(metric) <= 3 and not f.get("noun") and i > 0
              and raw[i - 1].get("noun") and raw[i - 1]["unit"] == f["unit"]
              and raw[i - 1]["noun"] not in metric):
            # 发放328份责任书，收回302份: the second figure counts the same thing
            metric = f"{metric}{raw[i - 1]['noun']}"
        elif metric and same_sentence and metric.startswith("占") and len(metric) <= 8:
            # 职工60人，占总数的30%: a share of what the figure before it counts
            metric = f"{facts[-1].metric}{metric.rstrip('的')}"
        facts.append(Fact(
            surface=text[s:e], value=f["value"], unit=f["unit"], qualifier=f["qualifier"],
            metric=metric, year=ctx.year_for(text, sent_lo, sent_hi, s),
            org=ctx.org_for(text, sent_lo, s), category=para.category if para else "other",
            start=s, end=e, page=_page_at(pages, s), paragraph=k if k >= 0 else None,
            value_max=f["value_max"],
        ))
    doc.facts = facts
    return doc
