"""Drafts: every number is one stored fact or a sum of comparable stored facts, and cites it."""

from __future__ import annotations

import io
import json
from functools import lru_cache
from pathlib import Path

import pytest

from conftest import SHARED, make_doc
from draft_checker import check_draft, prose_figures

ROOT = Path(__file__).resolve().parents[1]
SEEDS = SHARED / "corpus" / "seeds"
SAMPLES = ROOT / "corpora" / "samples"


@lru_cache(maxsize=None)
def _processed(path: str):
    from reportmine.pipeline import process_path

    return process_path(path)


def _store_with(store, paths):
    for p in paths:
        store.add_document(_processed(str(p)))
    return store


def _draft(store, **kw):
    from reportmine.draft import DraftOptions, draft_from_store

    return draft_from_store(store, None, DraftOptions(**kw))


# -- the checker itself -------------------------------------------------------------------

def test_checker_reads_figures_like_a_reader():
    assert prose_figures("2023年5月10日，参训职工2,240人次，慰问金2.24万元，办结率100%") == [2240, 22400, 100]
    bad = {"title": "t", "sections": [{"category": "training", "heading": "h", "text": "共56场⁽¹⁾，另有7人",
                                       "claims": [1]}],
           "claims": [{"id": 1, "text": "56场", "value": 56, "unit": "场", "qualifier": "exact", "op": "sum",
                       "facts": ["a", "b"], "base": []}],
           "facts": [{"id": "a", "value": 18, "unit": "场", "year": 2023, "surface": "18场", "quote": "开展18场。",
                      "source": "x"},
                     {"id": "b", "value": 30, "unit": "场", "year": 2023, "surface": "30场", "quote": "开展三十场。",
                      "source": "y"}]}
    problems = check_draft(bad)
    assert any("value 56.0 is not the sum" in p for p in problems)
    assert any("lacks surface '30场'" in p for p in problems)
    assert any("figure 7 is not one of its claims" in p for p in problems)


# -- real inputs --------------------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.skipif(not SEEDS.is_dir(), reason="../shared/corpus/seeds is absent")
def test_seed_draft_checks_out(store):
    seeds = sorted(SEEDS.glob("*.txt"))
    assert len(seeds) == 5
    _store_with(store, seeds)
    years = sorted({_processed(str(p)).year for p in seeds if _processed(str(p)).year})
    for year in [None] + years:
        d = _draft(store, year=year).to_json()
        assert check_draft(d) == [], (year, check_draft(d)[:5])
        if year is None:
            assert d["claims"] and d["facts"]
            assert d["title"].endswith("年度工作进展报告（草稿）")
            assert [s["category"] for s in d["sections"]] == [
                "overview", "training", "democratic_management", "welfare", "innovation"]
    # the year with most facts yields a draft with numbers in several sections
    best = max(years, key=lambda y: sum(1 for p in seeds for f in _processed(str(p)).facts if f.year == y))
    d = _draft(store, year=best).to_json()
    assert check_draft(d) == []
    with_numbers = [s for s in d["sections"] if s["category"] != "overview" and prose_figures(s["text"])]
    assert len(with_numbers) >= 2
    stored = {(f.surface, f.unit) for p in seeds for f in _processed(str(p)).facts}
    for f in d["facts"]:
        assert (f["surface"], f["unit"]) in stored


def test_sample_draft_checks_out_and_compares_years(store):
    _store_with(store, sorted(SAMPLES.glob("*.txt")))
    d = _draft(store, year=2023).to_json()
    assert check_draft(d) == []
    assert "2023年度" in d["title"]
    changes = [c for c in d["claims"] if c["op"] == "change"]
    assert changes, "2022 and 2023 reports of the same hospital give a year-on-year change"
    facts = {f["id"]: f for f in d["facts"]}
    for c in changes:
        assert all(facts[i]["year"] == 2023 for i in c["facts"])
        assert all(facts[i]["year"] == 2022 for i in c["base"])
    # every number keeps its qualifier: 150余 stays 150余
    for c in d["claims"]:
        if c["op"] == "value" and facts[c["facts"][0]]["qualifier"] == "more_than":
            assert "余" in c["text"] or "多" in c["text"] or "以上" in c["text"] or "超过" in c["text"], c


# -- the aggregation rules ----------------------------------------------------------------

def _unit_docs():
    a = make_doc([("红星医院工会2023年工作总结", "other"),
                  ("全年开展岗位练兵活动18场，参训职工1200人次，150余名青年职工参加培训。", "training"),
                  ("职工提案办结率达到100%。", "democratic_management")],
                 [{"surface": "18场", "value": 18, "unit": "场", "metric": "岗位练兵活动", "paragraph": 1, "year": 2023},
                  {"surface": "1200人次", "value": 1200, "unit": "人次", "metric": "参训职工", "paragraph": 1, "year": 2023},
                  {"surface": "150余名", "value": 150, "unit": "人", "qualifier": "more_than", "metric": "参加培训的青年职工",
                   "paragraph": 1, "year": 2023},
                  {"surface": "100%", "value": 100, "unit": "%", "metric": "职工提案办结率", "paragraph": 2, "year": 2023}],
                 source="hongxing.txt", org="红星医院工会", year=2023)
    b = make_doc([("绿洲卫生院工会2023年工作总结", "other"),
                  ("共开展岗位练兵活动38场，参训职工1040人次，另有近60名青年职工参加培训，又举办岗位练兵活动3次。", "training"),
                  ("职工提案办结率为95%。", "democratic_management")],
                 [{"surface": "38场", "value": 38, "unit": "场", "metric": "岗位练兵活动", "paragraph": 1, "year": 2023},
                  {"surface": "1040人次", "value": 1040, "unit": "人次", "metric": "全年参训职工", "paragraph": 1, "year": 2023},
                  {"surface": "近60名", "value": 60, "unit": "人", "qualifier": "nearly", "metric": "参加培训的青年职工",
                   "paragraph": 1, "year": 2023},
                  {"surface": "3次", "value": 3, "unit": "次", "metric": "岗位练兵活动", "paragraph": 1, "year": 2023},
                  {"surface": "95%", "value": 95, "unit": "%", "metric": "职工提案办结率", "paragraph": 2, "year": 2023}],
                 source="lvzhou.txt", org="绿洲卫生院工会", year=2023)
    return a, b


def _claim(d, text_part, op=None):
    found = [c for c in d["claims"] if text_part in c["text"] and (op is None or c["op"] == op)]
    assert found, (text_part, [c["text"] for c in d["claims"]])
    return found[0]


def test_only_comparable_facts_are_added(store):
    a, b = _unit_docs()
    store.add_document(a)
    store.add_document(b)
    d = _draft(store, year=2023).to_json()
    assert check_draft(d) == []
    assert _claim(d, "岗位练兵活动", "sum")["value"] == 56
    assert _claim(d, "参训职工", "sum")["value"] == 2240  # 参训职工 and 全年参训职工 are one metric
    assert "2,240人次" in _claim(d, "参训职工", "sum")["text"]
    # 3次 is another unit than 场: listed, not added
    facts = {f["id"]: f for f in d["facts"]}
    reasons = {facts[n["fact"]]["surface"]: n["reason"] for n in d["not_added"]}
    assert "3次" in reasons and "单位" in reasons["3次"]
    # a sum with 余 and 近 terms is approximate; rates are never summed
    youth = _claim(d, "青年职工", "sum")
    assert youth["value"] == 210 and youth["qualifier"] == "about" and "约210人" in youth["text"]
    assert not [c for c in d["claims"] if c["op"] == "sum" and c["unit"] == "%"]
    training = next(s for s in d["sections"] if s["category"] == "training")
    assert "2,240人次" in training["text"] and "56场" in training["text"]
    assert "表现突出的单位" in training["text"]


def test_a_report_uploaded_twice_counts_once(store):
    a, b = _unit_docs()
    again = a.model_copy(update={"source": "hongxing-copy.txt", "sha256": "f" * 64})
    for doc in (a, b, again):
        store.add_document(doc)
    d = _draft(store, year=2023).to_json()
    assert check_draft(d) == []
    assert _claim(d, "岗位练兵活动", "sum")["value"] == 56
    assert d["duplicates"] and d["duplicates"][0]["source"] in ("hongxing-copy.txt", "hongxing.txt")
    overview = d["sections"][0]
    assert overview["category"] == "overview" and "2份" in overview["text"]


def test_single_qualified_fact_keeps_its_wording(store):
    a, _ = _unit_docs()
    store.add_document(a)
    d = _draft(store, year=2023).to_json()
    assert check_draft(d) == []
    c = _claim(d, "150余", "value")
    assert c["value"] == 150 and c["qualifier"] == "more_than"
    assert d["title"] == "红星医院工会2023年度工作进展报告（草稿）"


def test_filters_by_org_and_category(store):
    a, b = _unit_docs()
    store.add_document(a)
    store.add_document(b)
    d = _draft(store, year=2023, orgs=["绿洲"], categories=["training"]).to_json()
    assert check_draft(d) == []
    assert [s["category"] for s in d["sections"]] == ["overview", "training"]
    assert {f["org"] for f in d["facts"]} == {"绿洲卫生院工会"}


def test_a_corrected_paragraph_moves_its_facts(store):
    a, _ = _unit_docs()
    store.add_document(a)
    from reportmine.store.repository import Scope

    doc = store.get_document(a.sha256, Scope())
    para = next(p for p in doc["paragraphs"] if "办结率" in p["text"])
    store.add_correction(Scope(), "tester", paragraph_id=para["id"], field="category", new="welfare")
    d = _draft(store, year=2023).to_json()
    welfare = next(s for s in d["sections"] if s["category"] == "welfare")
    assert "100%" in welfare["text"]


# -- renderers ----------------------------------------------------------------------------

def test_docx_opens_and_cites_every_claim(store, tmp_path):
    from docx import Document as Docx

    from reportmine.draft import render

    _store_with(store, sorted(SAMPLES.glob("*.txt")))
    d = _draft(store, year=2023)
    data = render(d, "docx")
    doc = Docx(io.BytesIO(data))
    text = "\n".join(p.text for p in doc.paragraphs)
    cells = "\n".join(c.text for t in doc.tables for row in t.rows for c in row.cells)
    assert d.title in text
    for c in d.claims:
        assert f"[{c.id}]" in text
    f = d.claims[1].facts[0]
    assert f"第{f.page}页" in text and f.quote[:20] in text and f.source in text
    assert all(x.id in cells for x in d.facts())  # the appendix lists every fact used
    assert doc.inline_shapes, "the chart is in the document"


def test_docx_of_a_name_with_control_characters_still_opens(store):
    """schemathesis sent a federation name of one control character: lxml refused it, a 500."""
    from docx import Document as Docx

    from reportmine.draft import render

    _store_with(store, sorted(SAMPLES.glob("*.txt")))
    d = _draft(store, year=2023, federation="某\x1f市\x00总工会\ud800")
    doc = Docx(io.BytesIO(render(d, "docx")))
    assert "某市总工会" in doc.paragraphs[0].text


def test_chart_png_has_cjk_font(store, tmp_path):
    from reportmine.draft.charts import cjk_font, render_chart

    _store_with(store, sorted(SAMPLES.glob("*.txt")))
    path = tmp_path / "chart.png"
    data = render_chart(_draft(store, year=2023), path)
    assert data and data[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 10_000
    if cjk_font() is None:
        pytest.skip("no CJK font installed (apt-get install fonts-wqy-microhei)")


def test_markdown_has_footnotes_table_and_appendix(store, tmp_path):
    from reportmine.draft import render

    _store_with(store, sorted(SAMPLES.glob("*.txt")))
    d = _draft(store, year=2023)
    md = render(d, "md", chart_path=tmp_path / "c.png").decode("utf-8")
    for c in d.claims:
        assert f"[^{c.id}]:" in md
    assert "主要数据汇总表" in md and "附录一" in md and "![" in md and (tmp_path / "c.png").exists()


def test_cli_draft_json_to_stdout(settings_env, store):
    from typer.testing import CliRunner

    from reportmine.cli import app

    a, b = _unit_docs()
    store.add_document(a)
    store.add_document(b)
    res = CliRunner().invoke(app, ["draft", "--year", "2023", "--category", "教育培训", "--format", "json"])
    assert res.exit_code == 0, res.output
    d = json.loads(res.stdout)
    assert check_draft(d) == [] and [s["category"] for s in d["sections"]] == ["overview", "training"]
    bad = CliRunner().invoke(app, ["draft", "--format", "pdf"])
    assert bad.exit_code == 2


def test_ranges_and_facts_without_metric_are_listed_not_added(store):
    doc = make_doc([("蓝天小学工会2023年工作总结", "other"),
                    ("每周组织3至5名青年教师参加培训，全年参训教师260人次，另有若干人参加了120次活动。", "training")],
                   [{"surface": "3至5名", "value": 3, "value_max": 5, "unit": "人", "metric": "参加培训的青年教师",
                     "paragraph": 1, "year": 2023},
                    {"surface": "260人次", "value": 260, "unit": "人次", "metric": "参训教师", "paragraph": 1, "year": 2023},
                    {"surface": "120次", "value": 120, "unit": "次", "metric": None, "paragraph": 1, "year": 2023}],
                   source="lantian.txt", org="蓝天小学工会", year=2023)
    store.add_document(doc)
    d = _draft(store, year=2023).to_json()
    assert check_draft(d) == []
    facts = {f["id"]: f for f in d["facts"]}
    in_claims = {facts[i]["surface"] for c in d["claims"] if c["op"] != "count" for i in c["facts"]}
    assert in_claims == {"260人次"}
    reasons = {facts[n["fact"]]["surface"]: n["reason"] for n in d["not_added"]}
    assert "区间" in reasons["3至5名"] and "指标" in reasons["120次"]
    training = next(s for s in d["sections"] if s["category"] == "training")
    assert "260人次" in training["text"] and "3至5" not in training["text"]


def test_a_federation_replaces_the_templates_and_letterhead(store, tmp_path, monkeypatch):
    import shutil

    from docx import Document as Docx

    from reportmine.draft import render
    from reportmine.draft.build import TEMPLATES

    mine = tmp_path / "templates"
    shutil.copytree(TEMPLATES, mine)
    letter = Docx(str(mine / "template.docx"))
    letter.add_paragraph("蓝海市总工会（信笺）")
    letter.save(str(mine / "template.docx"))
    (mine / "title.j2").write_text("{{ federation }}{{ year }}年工作情况报告（征求意见稿）", encoding="utf-8")
    monkeypatch.setenv("REPORTMINE_DRAFT_TEMPLATES", str(mine))
    a, b = _unit_docs()
    store.add_document(a)
    store.add_document(b)
    d = _draft(store, year=2023, federation="蓝海市卫生健康系统工会")
    assert d.title == "蓝海市卫生健康系统工会2023年工作情况报告（征求意见稿）"
    paras = [p.text for p in Docx(io.BytesIO(render(d, "docx"))).paragraphs]
    assert paras[0] == "蓝海市总工会（信笺）" and paras[1] == d.title
