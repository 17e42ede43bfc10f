"""From stored facts to the claims of a draft: only comparable facts are added.

Rules (issue #8, ../shared/CONTRACT.md ``draft``):

- Facts are comparable when they share the canonical unit, the normalised metric and the
  year. Only such facts are summed; a rate (``%``) is never summed.
- Each source document counts once: documents that are the same report uploaded twice (the
  same text, or the same unit and year with largely the same figures) are folded into one,
  and one document contributes at most one fact to a group (the largest, usually the total;
  the others are listed, not added).
- Qualifiers carry over: a single ``150余人`` stays ``150余人``; a sum with a ``余`` term is
  "逾 N"; a sum with an approximate term (约/近/不足) is "约 N".
- Facts that cannot be compared (no metric, no year, a unit the rest of the group does not
  share) are listed in ``not_added`` with the reason, never added.

The input is plain records (``DFact``, ``DDoc``, ``DPara``) so the same code drafts from the
store (``reportmine.draft.source``) and from processed ``Document`` objects (tests).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Iterable

MAIN_CATEGORIES = ("training", "democratic_management", "welfare", "innovation")
NON_ADDITIVE_UNITS = {"%", "‰", "岁", "分", "倍", "星", "级", "A", "名次"}
QUALIFIER_RANK = {"exact": 0, "more_than": 1, "about": 2, "nearly": 2, "less_than": 2}

# sentence boundaries for the quote around a fact
_SENT_END = "。！？!?；;\n"

_METRIC_PREFIX = re.compile(
    r"^(?:全年|全院|全区|全市|全县|全镇|全系统|全局|全校|全公司|全体|年内|本年度|本年|今年|当年|"
    r"累计|共计|总计|合计|共|总共|先后|分别|其中|已|新|另)+")
_METRIC_JUNK = re.compile(r"[\s\u3000“”\"'‘’《》〈〉「」『』（）()【】\[\]、，,。：:；;·.\-—_]+")
_METRIC_SUFFIX = re.compile(r"(?:总数|数量|人数|数)$")


def normalise_metric(metric: str | None) -> str | None:
    """The key under which metrics count as the same: width-folded, punctuation and
    filler prefixes (全年, 累计, 共 …) removed. None when nothing is left."""
    if not metric:
        return None
    m = unicodedata.normalize("NFKC", metric)
    m = _METRIC_JUNK.sub("", m)
    m = _METRIC_PREFIX.sub("", m)
    m2 = _METRIC_SUFFIX.sub("", m)
    m = m2 if len(m2) >= 2 else m
    return m or None


@dataclass
class DDoc:
    key: str  # the sha256 of the stored bytes
    source: str
    org: str | None = None
    year: int | None = None
    fingerprint: str | None = None  # hash of the text, whitespace removed


@dataclass
class DFact:
    id: str
    doc: str  # DDoc.key
    source: str
    value: float
    unit: str
    surface: str
    quote: str
    qualifier: str = "exact"
    metric: str | None = None
    year: int | None = None
    org: str | None = None
    category: str = "other"
    page: int = 1
    start: int = 0
    value_max: float | None = None  # a range (3至5人): listed, never added

    def contract(self) -> dict:
        out = {"id": self.id, "value": num(self.value), "unit": self.unit, "qualifier": self.qualifier,
               "metric": self.metric, "year": self.year, "org": self.org, "surface": self.surface,
               "quote": self.quote, "source": self.source, "page": self.page,
               "category": self.category, "document": self.doc}
        if self.value_max is not None:
            out["value_max"] = num(self.value_max)
        return out


@dataclass
class DPara:
    doc: str
    text: str
    category: str
    page: int = 1


@dataclass
class DraftInput:
    docs: list[DDoc]
    facts: list[DFact]
    paragraphs: list[DPara] = field(default_factory=list)


@dataclass
class Claim:
    id: int
    op: str  # value | sum | count | change
    value: float
    unit: str
    qualifier: str
    facts: list[DFact]
    base: list[DFact] = field(default_factory=list)
    metric: str | None = None
    text: str = ""

    def contract(self) -> dict:
        return {"id": self.id, "text": self.text, "value": num(self.value), "unit": self.unit,
                "qualifier": self.qualifier, "op": self.op, "facts": [f.id for f in self.facts],
                "base": [f.id for f in self.base], "metric": self.metric}


@dataclass
class Group:
    """Comparable facts: one normalised metric, one unit, one year; one fact per document."""

    key: tuple
    metric: str  # the most common spelling
    unit: str
    year: int
    category: str
    facts: list[DFact]

    @property
    def total(self) -> float:
        return sum(f.value for f in self.facts)

    @property
    def additive(self) -> bool:
        return self.unit not in NON_ADDITIVE_UNITS

    @property
    def orgs(self) -> list[str]:
        return sorted({f.org for f in self.facts if f.org})


@dataclass
class NotAdded:
    fact: DFact
    reason: str


def num(v: float) -> int | float:
    v = float(v)
    return int(v) if v.is_integer() else round(v, 6)


def sum_qualifier(qualifiers: Iterable[str]) -> str:
    qs = set(qualifiers)
    if qs <= {"exact"}:
        return "exact"
    if qs <= {"exact", "more_than"}:
        return "more_than"
    if qs <= {"exact", "less_than"}:
        return "less_than"
    return "about"


def change_percent(base: float, cur: float) -> float:
    return round((cur - base) / base * 100.0, 1)


def quote_around(text: str, start: int, end: int, limit: int = 160) -> str:
    """The sentence of ``text`` that holds ``text[start:end]`` (cut to about ``limit``
    characters around the fact when the sentence is very long); it contains the surface."""
    if not text:
        return ""
    a = start
    while a > 0 and text[a - 1] not in _SENT_END and start - a < limit:
        a -= 1
    b = end
    while b < len(text) and text[b] not in _SENT_END and b - end < limit:
        b += 1
    if b < len(text) and text[b] != "\n":
        b += 1  # keep the full stop
    quote = text[a:b]
    lead = len(quote) - len(quote.lstrip())
    quote = quote.strip()
    if not quote or text[start:end] not in quote:
        return text[start:end]
    return quote


def text_fingerprint(text: str) -> str:
    return hashlib.sha1(re.sub(r"\s+", "", text).encode("utf-8")).hexdigest()


# -- duplicates ----------------------------------------------------------------------------

def fold_duplicates(inp: DraftInput) -> tuple[dict[str, str], list[tuple[DDoc, DDoc]]]:
    """Map every document key to the key of the document it counts as (itself, or the
    report it duplicates) and list the folded pairs (duplicate, kept)."""
    facts_by_doc: dict[str, list[DFact]] = defaultdict(list)
    for f in inp.facts:
        facts_by_doc[f.doc].append(f)
    parent = {d.key: d.key for d in inp.docs}

    def find(k: str) -> str:
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    def union(a: str, b: str) -> None:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[rb] = ra

    by_fp: dict[str, str] = {}
    for d in inp.docs:
        if d.fingerprint:
            if d.fingerprint in by_fp:
                union(by_fp[d.fingerprint], d.key)
            else:
                by_fp[d.fingerprint] = d.key
    # same unit and year and mostly the same figures: the same report in another file
    buckets: dict[tuple, list[DDoc]] = defaultdict(list)
    for d in inp.docs:
        if d.org and d.year:
            buckets[(d.org, d.year)].append(d)
    for docs in buckets.values():
        if len(docs) < 2:
            continue
        sigs = {d.key: {(f.unit, num(f.value)) for f in facts_by_doc[d.key]} for d in docs}
        for i, a in enumerate(docs):
            for b in docs[i + 1:]:
                sa, sb = sigs[a.key], sigs[b.key]
                if len(sa) >= 3 and len(sb) >= 3 and len(sa & sb) / len(sa | sb) >= 0.6:
                    union(a.key, b.key)
    groups: dict[str, list[DDoc]] = defaultdict(list)
    for d in inp.docs:
        groups[find(d.key)].append(d)
    canon: dict[str, str] = {}
    folded: list[tuple[DDoc, DDoc]] = []
    for members in groups.values():
        keep = max(members, key=lambda d: (len(facts_by_doc[d.key]), -members.index(d)))
        for d in members:
            canon[d.key] = keep.key
            if d.key != keep.key:
                folded.append((d, keep))
    return canon, folded


# -- grouping ------------------------------------------------------------------------------

def build_groups(facts: list[DFact], canon: dict[str, str]) -> tuple[list[Group], list[NotAdded]]:
    """Comparable groups over ``facts``; what could not be added, with the reason."""
    not_added: list[NotAdded] = []
    buckets: dict[tuple, list[DFact]] = defaultdict(list)
    for f in facts:
        if canon.get(f.doc, f.doc) != f.doc:
            not_added.append(NotAdded(f, "重复上传的同一份报告，未重复计入"))
            continue
        m = normalise_metric(f.metric)
        if m is None:
            not_added.append(NotAdded(f, "未识别出统计指标，无法与其他数字比较"))
            continue
        if f.year is None:
            not_added.append(NotAdded(f, "年份不明，无法与其他数字比较"))
            continue
        if f.value_max is not None:
            not_added.append(NotAdded(f, "数字是一个区间，不能相加"))
            continue
        buckets[(m, f.unit, f.year)].append(f)
    groups: list[Group] = []
    for key, fs in buckets.items():
        per_doc: dict[str, list[DFact]] = defaultdict(list)
        for f in fs:
            per_doc[f.doc].append(f)
        chosen: list[DFact] = []
        for doc_facts in per_doc.values():
            best = max(doc_facts, key=lambda f: (f.value, -f.start))
            chosen.append(best)
            for f in doc_facts:
                if f is not best:
                    not_added.append(NotAdded(f, "同一份报告中同一指标的另一数字（只计入最大的一个）"))
        chosen.sort(key=lambda f: (-f.value, f.org or "", f.id))
        metric = Counter(f.metric for f in chosen).most_common(1)[0][0] or key[0]
        category = Counter(f.category for f in chosen).most_common(1)[0][0]
        groups.append(Group(key=key, metric=metric, unit=key[1], year=key[2], category=category,
                            facts=chosen))
    # a metric reported in a unit the others do not share is listed, not added
    units_by_metric: dict[tuple, Counter] = defaultdict(Counter)
    for g in groups:
        units_by_metric[(g.key[0], g.year)][g.unit] += len(g.facts)
    kept: list[Group] = []
    for g in groups:
        counts = units_by_metric[(g.key[0], g.year)]
        main_unit = max(counts, key=lambda u: (counts[u], u == g.unit))
        if g.unit != main_unit and len(g.facts) < counts[main_unit]:
            for f in g.facts:
                not_added.append(NotAdded(f, f"计量单位（{g.unit}）与其他单位报告的同一指标（{main_unit}）不同，未相加"))
            continue
        kept.append(g)
    return kept, not_added


def group_rank(g: Group) -> tuple:
    """Groups many units report first, then the larger ones."""
    return (-len(g.facts), -(1 if g.additive else 0), -g.total, g.metric)
