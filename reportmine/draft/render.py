"""Render a ``Draft``: JSON (CONTRACT ``draft``), Markdown (web preview) and DOCX.

Every claim is numbered; its note names the document, the unit, the page and quotes the
source sentence of each fact it is built from; an appendix lists every fact used and
another the facts that were not added, with the reason.

The DOCX starts from ``corpora/templates/draft/template.docx`` (or
``$REPORTMINE_DRAFT_TEMPLATES/template.docx``): a federation replaces it with its own
letterhead and styles; whatever its body holds stays on top, the draft follows.
"""

from __future__ import annotations

import dataclasses
import io
import re
from pathlib import Path

from reportmine.draft.aggregate import DFact, num
from reportmine.draft.build import MARK, Draft, labels, plain_text, template_dir
from reportmine.draft.figures import format_number, format_quantity, with_qualifier

NOTE_FACTS = 20  # facts quoted in one note; the rest are in the appendix


def _one_line(s: str | None) -> str:
    return re.sub(r"\s+", " ", s or "").strip()


def _cite(f: DFact) -> str:
    org = f.org or "单位不详"
    return f"《{f.source}》（{org}，第{f.page}页）：“{_one_line(f.quote)}”"


def _fact_value(f: DFact) -> str:
    return with_qualifier(f.value, f.unit, f.qualifier, summed=False)


def note_lines(draft: Draft) -> list[tuple[int, str, list[str]]]:
    """For each claim: (id, head, cited facts)."""
    lab = labels()
    out = []
    for c in draft.claims:
        if c.op == "sum":
            head = f"{c.text}：{lab['note_sum']}（{len(c.facts)}项）"
        elif c.op == "count":
            head = f"{c.text}：{lab['note_count']}"
        elif c.op == "change":
            base = round(sum(f.value for f in c.base), 6)
            cur = round(sum(f.value for f in c.facts), 6)
            head = (f"{c.text}：{lab['note_change']}（{format_quantity(cur, c.facts[0].unit)}，"
                    f"上年{format_quantity(base, c.base[0].unit)}）")
        else:
            head = f"{c.text}：{lab['note_value']}"
        cites = [f"[{f.id}] {_fact_value(f)}，{_cite(f)}" for f in c.facts[:NOTE_FACTS]]
        if c.op == "change":
            cites = [f"本年 [{f.id}] {_fact_value(f)}，{_cite(f)}" for f in c.facts[:NOTE_FACTS // 2]]
            cites += [f"上年 [{f.id}] {_fact_value(f)}，{_cite(f)}" for f in c.base[:NOTE_FACTS // 2]]
        rest = len(c.facts) + len(c.base) - len(cites)
        if rest > 0:
            cites.append(lab["note_more"].format(n=rest))
        out.append((c.id, head, cites))
    return out


def table_rows(draft: Draft) -> list[list[str]]:
    lab = labels()
    rows = []
    for r in draft.table:
        cur = r.current
        rows.append([
            lab["categories"][r.category]["name"],
            f"{r.metric}（{r.unit}）",
            with_qualifier(cur.value, cur.unit, cur.qualifier, summed=cur.op == "sum") + f" [{cur.id}]",
            "—" if r.previous is None else format_quantity(r.previous, r.unit),
            "—" if r.change is None else f"{r.change.value:+g}% [{r.change.id}]",
            format_number(r.units),
        ])
    return rows


def _md_cell(s: str) -> str:
    return _one_line(s).replace("|", "｜")


def _md_table(head: list[str], rows: list[list[str]]) -> list[str]:
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    out += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in rows]
    return out


def to_markdown(draft: Draft, chart_path: str | None = None) -> str:
    lab = labels()
    lines = [f"# {draft.title}", ""]
    for s in draft.sections:
        lines += [f"## {s.heading}", ""]
        for para in s.text.split("\n"):
            if para.strip():
                lines += [plain_text(para, "markdown"), ""]
    if draft.table:
        lines += [f"## {lab['table_heading']}", ""]
        lines += _md_table(lab["table_columns"], table_rows(draft)) + [""]
    if chart_path:
        lines += [f"![{lab['chart_caption']}]({chart_path})", ""]
    lines += [f"## {lab['notes_heading']}", ""]
    for cid, head, cites in note_lines(draft):
        lines.append(f"[^{cid}]: {_md_cell(head)}" + "".join(f"<br>{_md_cell(c)}" for c in cites))
    lines.append("")
    facts = draft.facts()
    lines += [f"## {lab['appendix_facts_heading']}", ""]
    lines += _md_table(lab["appendix_facts_columns"], [
        [f.id, f.org or "", f.metric or "", _fact_value(f), f.quote, f.source, str(f.page)] for f in facts]) + [""]
    if draft.not_added:
        lines += [f"## {lab['appendix_not_added_heading']}", ""]
        lines += _md_table(lab["appendix_not_added_columns"], [
            [n.fact.id, n.fact.org or "", n.fact.metric or "", n.fact.quote, n.fact.source,
             str(n.fact.page), n.reason] for n in draft.not_added]) + [""]
    if draft.duplicates:
        lines += [f"## {lab['appendix_duplicates_heading']}", ""]
        lines += [f"- 《{_md_cell(a)}》与《{_md_cell(b)}》为同一份报告，只计一次" for a, b in draft.duplicates] + [""]
    return "\n".join(lines)


# -- DOCX ---------------------------------------------------------------------------------

def _docx_template():
    from docx import Document as Docx

    path = template_dir() / "template.docx"
    return Docx(str(path)) if path.exists() else Docx()


def _style(doc, name: str, fallback: str = "Normal"):
    try:
        return doc.styles[name]
    except KeyError:
        return doc.styles[fallback]


def _fast_table(doc, head: list[str], rows: list[list[str]]):
    """A table built element by element inside the document (python-docx's add_row is
    quadratic on big tables, and moving a parsed tree between documents is slow too)."""
    from lxml import etree
    from docx.oxml.ns import qn

    body = doc.element.body
    tbl = body.makeelement(qn("w:tbl"), {})
    sect = body.find(qn("w:sectPr"))
    if sect is not None:
        sect.addprevious(tbl)
    else:
        body.append(tbl)
    sub = etree.SubElement
    pr = sub(tbl, qn("w:tblPr"))
    sub(pr, qn("w:tblStyle"), {qn("w:val"): "TableGrid"})
    sub(pr, qn("w:tblW"), {qn("w:w"): "5000", qn("w:type"): "pct"})
    grid = sub(tbl, qn("w:tblGrid"))
    for _ in head:
        sub(grid, qn("w:gridCol"))
    t_tr, t_tc, t_p, t_r, t_t, t_rpr, t_b = (qn("w:tr"), qn("w:tc"), qn("w:p"), qn("w:r"), qn("w:t"),
                                             qn("w:rPr"), qn("w:b"))
    space = "{http://www.w3.org/XML/1998/namespace}space"
    for i, cells in enumerate([head] + rows):
        tr = sub(tbl, t_tr)
        for c in cells:
            r = sub(sub(sub(tr, t_tc), t_p), t_r)
            if i == 0:
                sub(sub(r, t_rpr), t_b)
            t = sub(r, t_t, {space: "preserve"})
            t.text = _xml_safe(_one_line(c))
    doc.add_paragraph()


_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _xml_safe(s: str) -> str:
    return _XML_BAD.sub("", s)


def _scrubbed(value):
    """The draft with every string made XML-safe: a control character in a federation name or
    a quoted source sentence must not make python-docx (lxml) refuse the whole document."""
    if isinstance(value, str):
        return _xml_safe(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.replace(value, **{f.name: _scrubbed(getattr(value, f.name))
                                             for f in dataclasses.fields(value) if f.init})
    if isinstance(value, list):
        return [_scrubbed(v) for v in value]
    if isinstance(value, tuple):
        return tuple(_scrubbed(v) for v in value)
    if isinstance(value, dict):
        return {k: _scrubbed(v) for k, v in value.items()}
    return value


def to_docx(draft: Draft, chart_png: bytes | None = None) -> bytes:
    from docx.shared import Cm, Pt

    lab = labels()
    draft = _scrubbed(draft)
    doc = _docx_template()
    doc.add_paragraph(draft.title, style=_style(doc, "Title"))
    for s in draft.sections:
        doc.add_paragraph(s.heading, style=_style(doc, "Heading 1"))
        for para in s.text.split("\n"):
            if not para.strip():
                continue
            p = doc.add_paragraph()
            pos = 0
            for m in MARK.finditer(para):
                p.add_run(para[pos:m.start()])
                r = p.add_run(f"[{m.group(1)}]")
                r.font.superscript = True
                pos = m.end()
            p.add_run(para[pos:])
    if draft.table:
        doc.add_paragraph(lab["table_heading"], style=_style(doc, "Heading 1"))
        _fast_table(doc, lab["table_columns"], table_rows(draft))
    if chart_png:
        doc.add_paragraph(lab["chart_heading"], style=_style(doc, "Heading 1"))
        doc.add_picture(io.BytesIO(chart_png), width=Cm(16))
        doc.add_paragraph(lab["chart_caption"], style=_style(doc, "Caption"))
    doc.add_paragraph(lab["notes_heading"], style=_style(doc, "Heading 1"))
    for cid, head, cites in note_lines(draft):
        p = doc.add_paragraph()
        p.add_run(f"[{cid}] ").bold = True
        p.add_run(head)
        for c in cites:
            r = p.add_run()
            r.add_break()
            r.add_text(c)
            r.font.size = Pt(9)
    doc.add_paragraph(lab["appendix_facts_heading"], style=_style(doc, "Heading 1"))
    _fast_table(doc, lab["appendix_facts_columns"], [
        [f.id, f.org or "", f.metric or "", _fact_value(f), f.quote, f.source, str(f.page)] for f in draft.facts()])
    if draft.not_added:
        doc.add_paragraph(lab["appendix_not_added_heading"], style=_style(doc, "Heading 1"))
        _fast_table(doc, lab["appendix_not_added_columns"], [
            [n.fact.id, n.fact.org or "", n.fact.metric or "", n.fact.quote, n.fact.source, str(n.fact.page),
             n.reason] for n in draft.not_added])
    if draft.duplicates:
        doc.add_paragraph(lab["appendix_duplicates_heading"], style=_style(doc, "Heading 1"))
        for a, b in draft.duplicates:
            doc.add_paragraph(f"《{a}》与《{b}》为同一份报告，只计一次")
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def render(draft: Draft, fmt: str, chart_path: Path | None = None) -> bytes:
    """The draft as bytes in ``fmt`` (json, md, docx); for md a chart PNG is written to
    ``chart_path`` when given and linked from the text."""
    import json

    from reportmine.draft.charts import render_chart

    if fmt == "json":
        return (json.dumps(draft.to_json(), ensure_ascii=False, indent=1) + "\n").encode("utf-8")
    if fmt == "md":
        link = None
        if chart_path is not None and render_chart(draft, chart_path) is not None:
            link = Path(chart_path).name
        return to_markdown(draft, link).encode("utf-8")
    if fmt == "docx":
        return to_docx(draft, render_chart(draft))
    raise ValueError(f"unknown draft format {fmt!r}; one of json, md, docx")


__all__ = ["render", "to_markdown", "to_docx", "note_lines", "table_rows", "num"]
