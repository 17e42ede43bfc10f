"""Document context: title, reporting unit (org) and year, and per-fact year and org.

The document year comes from the title ("2023年工作总结"), else from a date line (a line that
is a date, or a signature line ending in one; a summary dated January or February reports
on the year before), else from the years the text names most often. A fact's year is the
year named in its own sentence, else 今年/去年/明年 resolved against the document year, else
the year of the article or section it stands in (named in its heading or first paragraph),
else the document year.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter
from dataclasses import dataclass, field

from reportmine.document import Document
from reportmine.facts.numbers import CN_DIGITS

_CN_DIGIT_CLASS = "〇零○OＯО0一二三四五六七八九"  # O, Ｏ, О, 0: a zero typed otherwise (二O一一年, 二00四年)
# A year: 2023年, 2023 年, 二〇二三年. Years inside 《…》 titles and 〔…〕 numbers are skipped.
_YEAR = re.compile(
    rf"(?<![0-9])((?:19|20)[0-9]{{2}})(?![0-9])(?=\s?(?:年|—|-|－|至|~|～|\s?年度))"
    rf"|(?<![{_CN_DIGIT_CLASS}])([{_CN_DIGIT_CLASS}]{{4}})(?=年)"
)
_DATE = re.compile(
    rf"((?:19|20)[0-9]{{2}}|[{_CN_DIGIT_CLASS}]{{4}})\s?年\s?([0-9]{{1,2}}|[{_CN_DIGIT_CLASS}十]{{1,3}})\s?月"
    rf"(?:\s?([0-9]{{1,2}}|[{_CN_DIGIT_CLASS}十]{{1,3}})\s?[日号])?"
)
_RELATIVE = {"今年": 0, "本年": 0, "本年度": 0, "当年": 0, "去年": -1, "上年": -1, "上一年": -1,
             "前年": -2, "明年": 1, "来年": 1, "下一年": 1}
_RELATIVE_RE = re.compile("|".join(sorted(_RELATIVE, key=len, reverse=True)))
_FINAL = set("。！？!?；;…")
_ORG_SUFFIX = ("总工会", "工会委员会", "工会", "卫生健康委员会", "卫生健康委", "卫健委", "委员会",
               "卫生局", "管理局", "局", "医院", "卫生院", "保健院", "疗养院", "服务中心", "中心", "研究所", "研究院",
               "有限公司", "公司", "集团", "大学", "学院", "学校", "协会", "办事处", "街道", "政府")
_ORG = re.compile(
    r"[\u4e00-\u9fff]{2,16}?(?:" + "|".join(sorted(set(_ORG_SUFFIX), key=len, reverse=True)) + r")"
    r"(?![面势限部长工任])"  # 新局面, 中心工作, 中心任务 are not names
)
_SUFFIX = re.compile("|".join(sorted(set(_ORG_SUFFIX), key=len, reverse=True)))
_ORG_TAIL = ("工会委员会", "工会", "分会", "委员会", "女职工委员会")
# Characters that cannot stand inside an org name's prefix (a verb or particle before it).
_ORG_BREAK = set("的在由和与及对向从是为把被将让给经于了着过并而且等这那其此该各每全共来到")
_PLACE = set("省市区县镇乡村州盟旗")


def cn_year(s: str) -> int | None:
    if s.isdigit():
        return int(s)
    try:
        digits = [CN_DIGITS.get(ch, 0 if ch in "○OＯО0" else None) for ch in s]
        if None in digits:
            return None
        return int("".join(map(str, digits)))
    except ValueError:
        return None


def _cn_small(s: str) -> int | None:
    if s.isdigit():
        return int(s)
    if s == "十":
        return 10
    if s.startswith("十"):
        return 10 + CN_DIGITS.get(s[1], 0)
    if s.endswith("十"):
        return CN_DIGITS.get(s[0], 0) * 10
    if "十" in s:
        a, b = s.split("十", 1)
        return CN_DIGITS.get(a, 0) * 10 + CN_DIGITS.get(b, 0)
    return CN_DIGITS.get(s)


def _inside_brackets(text: str, pos: int) -> bool:
    """Whether ``pos`` stands inside 《…》 or 〔…〕/［…］ opened on the same line."""
    lo = max(0, pos - 60)
    window = text[lo:pos]
    for o, c in (("《", "》"), ("〔", "〕"), ("［", "］"), ("[", "]")):
        i = window.rfind(o)
        if i >= 0 and window.rfind(c) < i and "\n" not in window[i:]:
            return True
    return False


def year_mentions(text: str) -> list[tuple[int, int]]:
    """(offset, year) for every year the text names outside titles and document numbers."""
    out = []
    for m in _YEAR.finditer(text):
        y = cn_year(m.group(1) or m.group(2))
        if y is None or not 1949 <= y <= 2100:
            continue
        if _inside_brackets(text, m.start()):
            continue
        out.append((m.start(), y))
    return out


def find_title(doc: Document) -> str | None:
    for p in doc.paragraphs[:8]:
        line = doc.text[p.start:p.end].strip(" \t#*")
        if not line or len(line) < 4:
            continue
        if _NUMBERED.match(line):
            return None  # the document starts with its first section: no title line
        if line[-1] in _FINAL or len(line) > 50:
            return None
        if re.match(r"^(?:本报(?:记者|讯)|记者|通讯员|来源|作者|[0-9]{4}[-/年])", line):
            continue
        return line
    return None


def _clean_org(name: str) -> str | None:
    # cut the prefix at the last character that cannot be part of a name
    cut = 0
    for i, ch in enumerate(name[:-2]):
        if ch in _ORG_BREAK:
            cut = i + 1
    name = name[cut:]
    # and after the last verb, adverb or particle (积极配合卫生中心 → 卫生中心)
    from reportmine.facts.metric import _tag

    words = _tag(name)
    keep = []
    for w, f in reversed(words):
        if keep and (f[:1] in ("v", "d", "p", "u", "c", "r", "m", "x", "t", "q") and f not in ("vn",)
                     and not w.startswith("第")):  # 第一人民医院
            break
        keep.append(w)
    name = "".join(reversed(keep))
    if len(name) < 4:
        return None
    return name


def orgs_in(text: str) -> list[tuple[int, int, str]]:
    out = []
    for m in _ORG.finditer(text):
        end = m.end()
        for tail in _ORG_TAIL:  # 山西省人民医院 + 工会
            if text.startswith(tail, end):
                end += len(tail)
                break
        name = _clean_org(text[m.start():end])
        if name:
            out.append((end - len(name), end, name))
    return out


def find_org(doc: Document, title: str | None) -> str | None:
    candidates: list[str] = []
    if title:
        candidates += [n for _, _, n in orgs_in(title)]
    if candidates:
        # the reporting unit is the longest name in the title that is not a document's title
        return max(candidates, key=len)
    # a running header on the pages ("XX医院工会  2023年工作总结")
    header = Counter(n for page in doc.pages for b in page.blocks if b.kind == "header"
                     for _, _, n in orgs_in(b.text[:200]))
    if header:
        return max(header, key=lambda n: (header[n], len(n)))
    text = doc.text
    # a signature line near the end: "…卫生局办公室  2011年3月14日印发" or an org on its own line
    tail = text[-600:]
    for line in reversed(tail.split("\n")):
        s = line.strip()
        if 4 <= len(s) <= 40 and s[-1] not in _FINAL:
            names = [n for _, _, n in orgs_in(s)]
            if names:
                return names[0]
    # the unit the text names most, a union first
    counts = Counter(n for _, _, n in orgs_in(text[:20000]) if any(ch in _PLACE for ch in n[:6]) or n.endswith("工会"))
    if counts:
        return max(counts, key=lambda n: (counts[n] + (2 if n.endswith("工会") else 0), len(n)))
    return None


def find_year(doc: Document, title: str | None, mentions: list[tuple[int, int]]) -> int | None:
    text = doc.text
    if title:
        ys = [y for _, y in year_mentions(title)]
        if ys:
            return ys[0]  # 2023年工作总结和2024年工作计划: the year summarised comes first
    headers = [b.text for page in doc.pages for b in page.blocks if b.kind == "header"][:20]
    hy = Counter(y for h in headers for _, y in year_mentions(h))
    if hy:
        return hy.most_common(1)[0][0]
    summary = "总结" in (title or "") or "总结" in text[:2000]
    # date lines: a short line that is, or ends in, a date
    lines = text.split("\n")
    for line in lines[:12] + lines[-12:]:
        s = line.strip()
        if not s or len(s) > 60:
            continue
        m = None
        for m in _DATE.finditer(s):
            pass
        if m is None or len(s) - m.end() > 4 or (m.start() > 0 and len(s) > 40 and s[-1] in _FINAL):
            continue
        y = cn_year(m.group(1))
        month = _cn_small(m.group(2))
        if y is None or not 1949 <= y <= 2100:
            continue
        if summary and month is not None and month <= 2:
            return y - 1
        return y
    if mentions:
        counts = Counter(y for _, y in mentions)
        top = max(counts.values())
        return max(y for y, c in counts.items() if c == top)
    return None


@dataclass
class Context:
    """What extract needs to give each fact its year and org."""

    doc_year: int | None
    doc_org: str | None
    mentions: list[tuple[int, int]] = field(default_factory=list)
    mention_pos: list[int] = field(default_factory=list)
    scope_starts: list[int] = field(default_factory=list)
    scope_years: list[int | None] = field(default_factory=list)

    def year_for(self, text: str, sent_start: int, sent_end: int, start: int) -> int | None:
        # an explicit year in the sentence, the closest one before the fact first
        i = bisect.bisect_left(self.mention_pos, sent_start)
        before = after = None
        while i < len(self.mentions) and self.mentions[i][0] < sent_end:
            pos, y = self.mentions[i]
            if re.match(r"[0-9〇零一二三四五六七八九]{4}\s?年(?:以来|至今|起|开始)", text[pos:pos + 9]):
                i += 1
                continue  # 2018年以来: the start of a period, not the year the figure belongs to
            if pos < start:
                before = y
            elif after is None:
                after = y
            i += 1
        if before is not None:
            return before
        k = bisect.bisect_right(self.scope_starts, start) - 1
        scope_year = self.scope_years[k] if k >= 0 else None
        sent = text[sent_start:sent_end]
        rel = _RELATIVE_RE.search(sent)
        base = scope_year if scope_year is not None else self.doc_year
        if rel and base is not None:
            return base + _RELATIVE[rel.group(0)]  # 今年/去年 of the article or the document
        if after is not None:
            return after
        if scope_year is not None:
            return scope_year
        return self.doc_year

    def org_for(self, text: str, sent_start: int, start: int) -> str | None:
        # a unit named as the subject of the fact's sentence, before the fact
        left = text[sent_start:start]
        if not _SUFFIX.search(left):
            return self.doc_org
        names = [n for _, _, n in orgs_in(left) if any(ch in _PLACE for ch in n[:6]) or len(n) >= 6]
        if names:
            return names[-1]
        return self.doc_org


def _is_heading_line(line: str) -> bool:
    s = line.strip()
    if not s:
        return False
    if s.startswith("#"):
        return True
    return len(s) <= 40 and s[-1] not in _FINAL and s[-1] not in "，,、：:"


_NUMBERED = re.compile(r"^\s*(?:[一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十0-9]+[)）]|[0-9]{1,2}[、.．])")


def build_context(doc: Document) -> Context:
    text = doc.text
    mentions = year_mentions(text)
    title = doc.title or find_title(doc)
    if doc.title is None and title:
        doc.title = title
    year = find_year(doc, title, mentions)
    org = find_org(doc, title)
    ctx = Context(doc_year=year, doc_org=org, mentions=mentions, mention_pos=[p for p, _ in mentions])
    # scopes: a run of headings and the body after it, up to the next heading
    paras = doc.paragraphs
    i = 0
    prev_year: int | None = None
    while i < len(paras):
        p = paras[i]
        line = text[p.start:p.end]
        heading = p.is_heading or _is_heading_line(line)
        if not heading:
            i += 1
            continue
        start = p.start
        j = i
        headings = []
        heading_years = []  # the first year each heading of the run names
        mp = ctx.mention_pos
        while j < len(paras) and (paras[j].is_heading or _is_heading_line(text[paras[j].start:paras[j].end])):
            headings.append(text[paras[j].start:paras[j].end])
            k = bisect.bisect_left(mp, paras[j].start)
            if k < len(mp) and mp[k] < paras[j].end:
                heading_years.append(mentions[k][1])
            j += 1
        body_start = paras[j].start if j < len(paras) else p.end
        body_end = paras[j].end if j < len(paras) else p.end
        y = None
        bm = [yy for _, yy in mentions[bisect.bisect_left(mp, body_start):bisect.bisect_left(mp, body_end)]]
        if heading_years:
            y = heading_years[-1]  # the heading closest to the body; its first year (总结 before 计划)
        elif bm:
            y = bm[0]
        elif all(_NUMBERED.match(h) for h in headings):
            y = prev_year  # a numbered subheading stays in its parent's year
        ctx.scope_starts.append(start)
        ctx.scope_years.append(y)
        prev_year = y if y is not None else prev_year
        i = j
    return ctx
