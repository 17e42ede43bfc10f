"""Build a draft: claims from comparable facts, wording from the Jinja2 templates in
``corpora/templates/draft`` (replace them to change the wording; no code changes).

Every figure the templates print comes from a ``Claim``; the templates place a claim with
``c(claim)``, which writes the claim's text and its note marker. Renderers turn the marker
into a footnote (Markdown), a superscript (JSON) or an endnote reference (DOCX).
"""

from __future__ import annotations

import json
import os
import re
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import jinja2

from reportmine.draft.aggregate import (
    MAIN_CATEGORIES, Claim, DFact, DraftInput, Group, NotAdded, build_groups, change_percent,
    fold_duplicates, group_rank, num, sum_qualifier,
)
from reportmine.draft.figures import figures, format_quantity, has_figures, superscript, with_qualifier

TEMPLATES = Path(__file__).resolve().parents[2] / "corpora" / "templates" / "draft"
MARK = re.compile(r"⟦(\d+)⟧")
GROUPS_PER_SECTION = 6
STANDOUTS_PER_SECTION = 3
ACHIEVEMENTS_PER_SECTION = 3
_ACHIEVEMENT = re.compile(r"获评|荣获|被评为|被授予|授予|获得.{0,20}(?:称号|奖|表彰|认定)|表彰|命名为|评为")
_QUALIFIER_WORD = re.compile(r"余|多|以上|超过|逾|近|将近|约|左右|不足|不到|上下")
_SENTENCE = re.compile(r"[^。！？!?；;\n]+[。！？!?；;]?")


def template_dir() -> Path:
    return Path(os.environ.get("REPORTMINE_DRAFT_TEMPLATES") or TEMPLATES)


@lru_cache(maxsize=4)
def _env(path: str) -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FileSystemLoader(path), autoescape=False,
                              trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=False,
                              undefined=jinja2.StrictUndefined)


@lru_cache(maxsize=4)
def _labels(path: str) -> dict:
    return json.loads((Path(path) / "labels.json").read_text(encoding="utf-8"))


def labels() -> dict:
    return _labels(str(template_dir()))


def _render(template: str, **ctx) -> str:
    text = _env(str(template_dir())).get_template(template).render(c=_mark, **ctx)
    text = re.sub(r"[ \t]*\n[ \t]*", "\n", text)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip()


def _mark(claim: Claim | None) -> str:
    if claim is None:
        return ""
    return f"{claim.text}⟦{claim.id}⟧"


@dataclass
class DraftOptions:
    year: int | None = None
    orgs: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    federation: str | None = None
    max_facts: int | None = None  # refuse (DraftTooLarge) a choice holding more facts


class DraftTooLarge(ValueError):
    """The chosen year, units and categories hold more facts than one draft may read."""

    def __init__(self, facts: int, limit: int):
        self.facts, self.limit = facts, limit
        super().__init__(f"the choice holds {facts:,} facts, more than a draft's limit of {limit:,}; "
                         f"choose units or categories (or raise REPORTMINE_MAX_DRAFT_FACTS)")


@dataclass
class DraftSection:
    category: str
    heading: str
    text: str  # with ⟦n⟧ markers
    claims: list[int]


@dataclass
class TableRow:
    category: str
    metric: str
    unit: str
    current: Claim
    previous: float | None
    change: Claim | None
    units: int


@dataclass
class ChartSeries:
    category: str
    metric: str
    unit: str
    bars: list[tuple[str, float]]  # (org, value) for the year
    previous: list[tuple[str, float]] = field(default_factory=list)


@dataclass
class Draft:
    title: str
    year: int | None
    federation: str
    sections: list[DraftSection]
    claims: list[Claim]
    not_added: list[NotAdded]
    duplicates: list[tuple[str, str]]
    table: list[TableRow]
    charts: list[ChartSeries]
    options: DraftOptions

    def facts(self) -> list[DFact]:
        """Every fact a claim is built from, in the order they are first cited."""
        seen: dict[str, DFact] = {}
        for c in self.claims:
            for f in list(c.facts) + list(c.base):
                seen.setdefault(f.id, f)
        return list(seen.values())

    def claim(self, cid: int) -> Claim:
        return self.claims[cid - 1]

    def to_json(self) -> dict:
        """The ``draft`` shape of ../shared/CONTRACT.md (plus a few added fields)."""
        used = self.facts()
        used_ids = {f.id for f in used}
        extra = [n.fact for n in self.not_added if n.fact.id not in used_ids]
        return {
            "title": self.title,
            "year": self.year,
            "federation": self.federation,
            "sections": [{"category": s.category, "heading": s.heading,
                          "text": MARK.sub(lambda m: superscript(int(m.group(1))), s.text),
                          "claims": s.claims} for s in self.sections],
            "claims": [c.contract() for c in self.claims],
            "facts": [f.contract() for f in used + extra],
            "not_added": [{"fact": n.fact.id, "reason": n.reason} for n in self.not_added],
            "duplicates": [{"source": a, "same_as": b} for a, b in self.duplicates],
            "table": [{"category": r.category, "metric": r.metric, "unit": r.unit,
                       "value": num(r.current.value), "claim": r.current.id,
                       "previous": None if r.previous is None else num(r.previous),
                       "change": None if r.change is None else num(r.change.value),
                       "units": r.units} for r in self.table],
        }


class _Claims:
    def __init__(self):
        self.items: list[Claim] = []

    def add(self, op: str, value: float, unit: str, qualifier: str, facts: list[DFact], text: str,
            base: list[DFact] | None = None, metric: str | None = None) -> Claim:
        c = Claim(id=len(self.items) + 1, op=op, value=num(round(value, 6)), unit=unit,
                  qualifier=qualifier, facts=list(facts), base=list(base or []), metric=metric, text=text)
        self.items.append(c)
        return c

    def value(self, f: DFact, text_prefix: str) -> Claim:
        shown = f.surface if _surface_shows(f) else with_qualifier(f.value, f.unit, f.qualifier, summed=False)
        return self.add("value", f.value, f.unit, f.qualifier, [f], f"{text_prefix}{shown}", metric=f.metric)

    def count(self, facts: list[DFact], unit: str, text_unit: str | None = None) -> Claim:
        n = len({f.source for f in facts})
        return self.add("count", n, unit, "exact", facts, f"{n}{text_unit or unit}")


def display_metric(metric: str) -> str:
    """A metric as the prose shows it: no stray punctuation at either end."""
    m = re.sub(r"^[\s、，,。：:；;）)”’]+|[\s、，,：:；;（(“‘]+$", "", metric or "")
    return m or metric


def _surface_shows(f: DFact) -> bool:
    """The surface can stand in the prose as written: its only figure is the value."""
    figs = figures(f.surface)
    if f.qualifier != "exact" and not _QUALIFIER_WORD.search(f.surface):
        return False  # 约12.6万元 found as "12.6万元": write the qualifier
    return len(figs) == 1 and abs(figs[0] - float(f.value)) < 1e-6 * max(1.0, abs(float(f.value)))


def _federation(opts: DraftOptions, orgs: list[str]) -> str:
    if opts.federation:
        return opts.federation
    env = os.environ.get("REPORTMINE_FEDERATION")
    if env:
        return env
    distinct = sorted(set(o for o in orgs if o))
    if len(distinct) == 1:
        return distinct[0]
    return labels()["federation_default"]


def _pick_year(inp: DraftInput, canon: dict[str, str]) -> int | None:
    years = [d.year for d in inp.docs if d.year and canon.get(d.key, d.key) == d.key]
    if years:
        return max(years)
    fy = [f.year for f in inp.facts if f.year]
    return max(fy) if fy else None


def _achievements(inp: DraftInput, canon: dict[str, str], category: str, year: int | None,
                  org_of: dict[str, str | None], docs_in: set[str]) -> list[dict]:
    doc_year = {d.key: d.year for d in inp.docs}
    out: list[dict] = []
    seen_orgs: set = set()
    for p in inp.paragraphs:
        if p.category != category or p.doc not in docs_in or canon.get(p.doc, p.doc) != p.doc:
            continue
        if year is not None and doc_year.get(p.doc) not in (year, None):
            continue
        org = org_of.get(p.doc)
        if org in seen_orgs or has_figures(org):
            continue
        for m in _SENTENCE.finditer(p.text):
            s = m.group(0).strip().rstrip("。；;！!？?")
            if not (10 <= len(s) <= 70) or not _ACHIEVEMENT.search(s) or re.search(r"\d", s):
                continue
            if "“" in s and "”" not in s or "”" in s and "“" not in s:
                continue
            out.append({"org": org, "quote": s.replace("“", "‘").replace("”", "’"),
                        "page": p.page, "doc": p.doc})
            seen_orgs.add(org)
            break
        if len(out) >= ACHIEVEMENTS_PER_SECTION:
            break
    return out


def build_draft(inp: DraftInput, opts: DraftOptions | None = None) -> Draft:
    opts = opts or DraftOptions()
    lab = labels()
    canon, folded = fold_duplicates(inp)
    year = opts.year or _pick_year(inp, canon)
    cats = [c for c in MAIN_CATEGORIES if not opts.categories or c in opts.categories]
    org_filter = [o for o in opts.orgs if o]

    def org_ok(org: str | None) -> bool:
        return not org_filter or any(o in (org or "") for o in org_filter)

    docs_in = {d.key for d in inp.docs if org_ok(d.org)}
    org_of = {d.key: d.org for d in inp.docs}
    facts = [f for f in inp.facts if f.category in cats and (org_ok(f.org) or f.doc in docs_in)]
    cur = [f for f in facts if year is None or f.year == year]
    prev = [f for f in facts if year is not None and f.year == year - 1]
    groups, not_added = build_groups(cur, canon)
    prev_groups, _ = build_groups(prev, canon)
    prev_by_key = {(g.key[0], g.unit): g for g in prev_groups}

    claims = _Claims()
    overview_slot = claims.add("count", 0, "份", "exact", [], "")  # filled in below
    sections: list[DraftSection] = []
    highlights: list[dict] = []
    table: list[TableRow] = []
    charts: list[ChartSeries] = []
    by_cat: dict[str, list[Group]] = defaultdict(list)
    for g in groups:
        by_cat[g.category].append(g)

    for i, cat in enumerate(cats):
        start_id = len(claims.items) + 1
        info = lab["categories"][cat]
        chosen = [g for g in sorted(by_cat.get(cat, []), key=group_rank) if not has_figures(g.metric)]
        chosen = chosen[:GROUPS_PER_SECTION]
        for g in chosen:
            g.metric = display_metric(g.metric)
        rows = []
        standouts = []
        for g in chosen:
            row: dict = {"metric": g.metric, "org": None, "change": None, "change_scope": ""}
            if not g.additive and len(g.facts) >= 2:
                lo = min(g.facts, key=lambda f: (f.value, f.id))
                hi = max(g.facts, key=lambda f: (f.value, f.id))
                row.update(kind="range", low=claims.value(lo, ""), high=claims.value(hi, ""),
                           count=claims.count(g.facts, "家"))
                main = row["high"]
            elif len(g.facts) >= 2:
                total = round(g.total, 6)
                q = sum_qualifier(f.qualifier for f in g.facts)
                text = f"{g.metric}{with_qualifier(total, g.unit, q, summed=True)}"
                row.update(kind="sum", claim=claims.add("sum", total, g.unit, q, g.facts, text, metric=g.metric),
                           count=claims.count(g.facts, "家"))
                main = row["claim"]
            else:
                f = g.facts[0]
                row.update(kind="value", org=f.org if not has_figures(f.org) else None,
                           claim=claims.value(f, g.metric))
                main = row["claim"]
            pg = prev_by_key.get((g.key[0], g.unit))
            previous_total = None
            if pg is not None and g.additive:
                common = {f.org for f in g.facts if f.org} & {f.org for f in pg.facts if f.org}
                if len(g.facts) == 1 and len(pg.facts) == 1 and g.facts[0].org == pg.facts[0].org:
                    common = {g.facts[0].org}
                cur_f = [f for f in g.facts if f.org in common]
                base_f = [f for f in pg.facts if f.org in common]
                base_sum = round(sum(f.value for f in base_f), 6)
                if cur_f and base_f and base_sum > 0:
                    pct = change_percent(base_sum, round(sum(f.value for f in cur_f), 6))
                    qual = sum_qualifier(f.qualifier for f in cur_f + base_f)
                    qual = "exact" if qual == "exact" else "about"
                    word = "增长" if pct > 0 else ("下降" if pct < 0 else "持平")
                    text = f"比上年{word}{abs(pct):g}%" if pct else "与上年持平"
                    if qual != "exact" and pct:
                        text = f"比上年约{word}{abs(pct):g}%"
                    row["change"] = claims.add("change", pct, "%", qual, cur_f, text, base=base_f, metric=g.metric)
                    same = len(cur_f) == len(g.facts) and len(base_f) == len(pg.facts)
                    row["change_scope"] = "" if same else "按两年均有报告的单位同口径计算，"
                    if same:
                        previous_total = pg.total
            rows.append(row)
            table.append(TableRow(category=cat, metric=g.metric, unit=g.unit, current=main,
                                  previous=previous_total, change=row["change"],
                                  units=len({f.source for f in g.facts})))
        for g in chosen:
            if g.additive and len(g.facts) >= 2 and len(standouts) < STANDOUTS_PER_SECTION:
                top = g.facts[0] if g.additive else max(g.facts, key=lambda f: f.value)
                if top.org and not has_figures(top.org) and all(s["org"] != top.org for s in standouts):
                    standouts.append({"org": top.org, "claim": claims.value(top, g.metric)})
        if chosen:
            g = chosen[0]
            pg = prev_by_key.get((g.key[0], g.unit))
            charts.append(ChartSeries(
                category=cat, metric=g.metric, unit=g.unit,
                bars=[(f.org or f.source, float(f.value)) for f in g.facts[:10]],
                previous=[(f.org or f.source, float(f.value)) for f in (pg.facts if pg else [])]))
        if rows:
            first = rows[0]
            highlights.append({"name": info["name"], "claim": first.get("claim") or first.get("high"),
                               "org": first["org"] if first["kind"] == "value" else None,
                               "kind": first["kind"], "metric": first["metric"]})
        multi = [r for r in rows if r["kind"] != "value"]
        units: dict = {}
        for r in rows:
            if r["kind"] == "value":
                units.setdefault(r["org"], []).append(r)
        text = _render("section.j2", name=info["name"], groups=multi,
                       units=[{"org": o, "entries": e} for o, e in units.items()], standouts=standouts,
                       achievements=_achievements(inp, canon, cat, year, org_of, docs_in))
        ids = sorted({int(m.group(1)) for m in MARK.finditer(text)})
        assert all(i >= start_id for i in ids)
        sections.append(DraftSection(category=cat, heading=f"{lab['ordinals'][i]}、{info['heading']}",
                                     text=text, claims=ids))

    # the overview counts the reports every other claim draws on
    used = {f.id: f for c in claims.items[1:] for f in c.facts + c.base}
    used_docs = [f for f in used.values() if f.year == year] or list(used.values())
    overview_slot.facts = used_docs
    overview_slot.value = len({f.source for f in used_docs})
    overview_slot.text = f"{overview_slot.value}份"
    orgs_all = [d.org for d in inp.docs if d.key in docs_in]
    federation = _federation(opts, orgs_all)
    has_prev = any(c.op == "change" for c in claims.items)
    overview = _render("overview.j2", year=year, federation=federation,
                       categories=[lab["categories"][c]["name"] for c in cats],
                       documents=overview_slot, previous_year=(year - 1) if has_prev and year else None,
                       highlights=highlights)
    sections.insert(0, DraftSection(category="overview", heading=lab["overview_heading"], text=overview,
                                    claims=sorted({int(m.group(1)) for m in MARK.finditer(overview)})))
    _renumber(sections, claims.items)
    title = _render("title.j2", federation=federation, year=year if year is not None else "")
    dup_names = [(a.source, b.source) for a, b in folded]
    return Draft(title=title, year=year, federation=federation, sections=sections, claims=claims.items,
                 not_added=not_added, duplicates=dup_names, table=table, charts=charts, options=opts)


def _renumber(sections: list[DraftSection], items: list[Claim]) -> None:
    """Number the claims in the order the prose first cites them."""
    order: list[int] = []
    for sec in sections:
        for m in MARK.finditer(sec.text):
            cid = int(m.group(1))
            if cid not in order:
                order.append(cid)
    order += [c.id for c in items if c.id not in order]
    new = {old: i + 1 for i, old in enumerate(order)}
    for sec in sections:
        sec.text = MARK.sub(lambda m: f"⟦{new[int(m.group(1))]}⟧", sec.text)
        sec.claims = sorted(new[c] for c in sec.claims)
    for c in items:
        c.id = new[c.id]
    items.sort(key=lambda c: c.id)


def plain_text(text: str, style: str = "superscript") -> str:
    """Section text with the markers as superscripts, Markdown footnotes or removed."""
    if style == "superscript":
        return MARK.sub(lambda m: superscript(int(m.group(1))), text)
    if style == "markdown":
        return MARK.sub(lambda m: f"[^{m.group(1)}]", text)
    return MARK.sub("", text)


__all__ = ["Draft", "DraftOptions", "DraftSection", "build_draft", "plain_text", "labels",
           "format_quantity"]
