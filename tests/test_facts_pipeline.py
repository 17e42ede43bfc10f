"""The facts stage on real documents: the pipeline's stages on the seeds, spans, context."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from reportmine.document import Block, Document, Page
from reportmine.facts import extract_facts, find_facts
from reportmine.text.normalize import normalize

SHARED = Path(__file__).parents[1].parent / "shared"
SEEDS = SHARED / "corpus" / "seeds"
GOLD = SHARED / "gold"
needs_shared = pytest.mark.skipif(not SEEDS.is_dir() or not GOLD.is_dir(),
                                  reason="../shared corpus and gold are not present")


def _doc(text: str, title: str | None = None) -> Document:
    blocks = [Block(page=1, text=line) for line in text.split("\n")]
    doc = Document(source="t.txt", sha256="0" * 64, kind="txt", pages=[Page(number=1, blocks=blocks)])
    doc = normalize(doc)
    if title:
        doc.title = title
    return doc


def _process(path: Path) -> Document:
    try:
        from reportmine.pipeline import process_path
    except ImportError:  # pragma: no cover - the pipeline is the lead's
        from reportmine.ingest import read_document

        return extract_facts(normalize(read_document(path)))
    return process_path(path)


@needs_shared
@pytest.mark.parametrize("seed", sorted(p.name for p in SEEDS.glob("*.txt")) if SEEDS.is_dir() else [])
def test_seed_spans_and_fields(seed):
    doc = _process(SEEDS / seed)
    assert doc.facts, "a seed report has numeric facts"
    for f in doc.facts:
        assert doc.text[f.start:f.end] == f.surface
        assert f.value >= 0 and f.unit
        assert f.paragraph is not None
        para = doc.paragraphs[f.paragraph]
        assert para.start <= f.start < max(para.end, f.start + 1) or "\n" in f.surface
        assert f.category == para.category
        assert f.page == doc.page_at(f.start)
    # every fact is a different span
    assert len({(f.start, f.end) for f in doc.facts}) == len(doc.facts)


@needs_shared
def test_seed_recall_against_gold():
    """Most required gold facts are found with their value and unit (a loose local check;
    the scorer in ../shared/tools is the measure)."""
    found = wanted = 0
    for g in sorted(GOLD.glob("*.json")):
        gold = json.loads(g.read_text(encoding="utf-8"))
        src = SEEDS / f"{gold['doc']}.txt"
        if not src.exists():
            continue
        doc = _process(src)
        got = [(round(f.value, 3), f.unit) for f in doc.facts]
        for gf in gold["facts"]:
            if not gf.get("required", True):
                continue
            wanted += 1
            unit = {"名": "人", "位": "人"}.get(gf["unit"], gf["unit"])
            key = (round(float(gf["value"]), 3), unit)
            if key in got:
                got.remove(key)
                found += 1
    assert wanted and found / wanted >= 0.9


def test_document_year_org_title_from_context():
    text = ("台州市黄岩区卫生局2011年工作总结\n"
            "今年共组织培训12期，参训职工1,200余人次；去年举办培训8期。\n"
            "2010年，全区共有42家单位参加技能大赛。\n"
            "二〇一二年一月十日")
    doc = extract_facts(_doc(text))
    assert doc.title == "台州市黄岩区卫生局2011年工作总结"
    assert doc.year == 2011
    assert doc.org == "台州市黄岩区卫生局"
    by_surface = {f.surface: f for f in doc.facts}
    assert by_surface["12期"].year == 2011
    assert by_surface["1,200余人次"].value == 1200 and by_surface["1,200余人次"].qualifier == "more_than"
    assert by_surface["8期"].year == 2010  # 去年, resolved against the document year
    assert by_surface["42家"].year == 2010


def test_summary_dated_in_january_reports_the_year_before():
    doc = extract_facts(_doc("工会工作总结\n全年开展活动16场。\n2024年1月8日"))
    assert doc.year == 2023
    assert doc.facts[0].year == 2023


def test_relative_years():
    doc = extract_facts(_doc("某某医院工会2023年工作总结\n去年发放慰问金5万元。明年计划培训300人。"))
    years = {f.surface: f.year for f in doc.facts}
    assert years == {"5万元": 2022, "300人": 2024}


def test_article_headings_carry_their_year():
    text = ("2023年“最美护林员”推荐活动启动\n"
            "本报讯 近日，2023年推荐活动启动。\n"
            "目前，我国共有各类生态护林员近200万人。\n"
            "专项劳动竞赛举办\n"
            "来自各单位的14支参赛队伍参加比赛。")
    doc = extract_facts(_doc(text))
    years = {f.surface: f.year for f in doc.facts}
    assert years["近200万人"] == 2023


def test_fact_category_and_paragraph():
    doc = _doc("第一段没有数字。\n共培训职工150余人。")
    doc.paragraphs[1].category = "training"
    extract_facts(doc)
    [f] = doc.facts
    assert f.paragraph == 1 and f.category == "training" and f.metric


def test_metric_is_what_is_counted():
    doc = extract_facts(_doc("全系统共有42家单位、56支代表队、224名选手报名参加。共计150余人参加了业务培训。"
                             "发放328份卫生达标责任书，收回302份，回收率92%。"))
    m = {f.surface: f.metric for f in doc.facts}
    assert "单位" in m["42家"] and "报名参加" in m["42家"]
    assert "代表队" in m["56支"]
    assert "选手" in m["224名"]
    assert "参加" in m["150余人"] and "培训" in m["150余人"]
    assert "责任书" in m["328份"] and "发放" in m["328份"]
    assert "收回" in m["302份"] and "责任书" in m["302份"]
    assert "回收率" in m["92%"]


def test_huge_inputs_are_linear():
    """No regex backtracks: hundreds of thousands of numerals, a 200,000-digit number."""
    t = time.perf_counter()
    assert find_facts("一二三四五六七八九十" * 30_000) == []
    assert find_facts("9" * 200_000 + "人") == []
    find_facts("1,000," * 30_000 + "人")
    find_facts("共有3人、" * 20_000)
    find_facts("“" * 50_000 + "三个" + "”" * 50_000)
    assert time.perf_counter() - t < 8


def test_dense_text_speed():
    text = "全系统共有42家单位、56支代表队、224名选手报名参加，近200万人，回收率92%。" * 2000
    t = time.perf_counter()
    facts = find_facts(text)
    elapsed = time.perf_counter() - t
    assert len(facts) == 5 * 2000
    assert len(text) / elapsed > 50_000  # a guard against quadratic time, not a benchmark


def test_big_document_is_linear():
    """A long report (many headings, years and facts) goes through in bounded time."""
    para = "（一）职工培训\n2023年，共组织培训12期，参训职工1,200余人次，发放慰问金5万余元，覆盖42家单位。\n"
    doc = _doc(para * 800)
    t = time.perf_counter()
    extract_facts(doc)
    assert len(doc.facts) == 4 * 800
    assert time.perf_counter() - t < 10


def test_year_of_a_period_start_is_not_the_facts_year():
    doc = extract_facts(_doc("某区总工会2023年工作总结\n自2018年以来，累计开展活动600余场。2021年，共培训职工300人。"))
    years = {f.surface: f.year for f in doc.facts}
    assert years == {"600余场": 2023, "300人": 2021}


def test_title_with_summary_and_plan_years():
    doc = extract_facts(_doc("市总工会2023年工作总结和2024年工作计划\n全年举办培训班16期。"))
    assert doc.year == 2023 and doc.facts[0].year == 2023


def test_one_huge_paragraph_is_linear():
    """A single line of 200,000 characters with facts and no full stop (a bad PDF layer)."""
    doc = _doc("共组织培训12期，参训职工1,200余人次，覆盖42家单位" * 6_000)
    t = time.perf_counter()
    extract_facts(doc)
    assert len(doc.facts) == 3 * 6_000
    assert time.perf_counter() - t < 10


def test_share_metric_names_what_it_is_a_share_of():
    doc = extract_facts(_doc("第一批次申请中，30岁以下职工60人，占总数的30%；女性职工281人，占职工总数的80%。"))
    m = {f.surface: f.metric for f in doc.facts}
    assert "30岁以下职工" in m["30%"] and "占总数" in m["30%"]
    assert "女性职工" in m["80%"]


def test_relative_year_in_an_article_uses_the_article_year():
    text = ("市总工会2025年工作简报\n"
            "2023年职工技能竞赛举办\n"
            "本报讯 2023年职工技能竞赛日前举办，今年共有42家单位参赛。\n"
            "去年参赛的有30家单位。")
    doc = extract_facts(_doc(text))
    years = {f.surface: f.year for f in doc.facts}
    assert years == {"42家": 2023, "30家": 2022}


def test_fact_org_is_the_unit_its_sentence_names():
    text = ("丰台区卫生健康系统工会2018年工作总结\n"
            "全系统共有42家单位参加技能大赛。丰台区妇幼保健院组织职工培训12期。")
    doc = extract_facts(_doc(text))
    assert doc.org == "丰台区卫生健康系统工会"
    orgs = {f.surface: f.org for f in doc.facts}
    assert orgs == {"42家": "丰台区卫生健康系统工会", "12期": "丰台区妇幼保健院"}


def test_numbers_broken_across_wrapped_lines():
    """A PDF line that wraps inside a number: normalize rejoins it with a space (50 0家) or
    keeps the break (202\\n3年); the number is read whole either way."""
    block = ("并起草了关于防止疫情扩散的紧急通知并将该通知向全区50\n"
             "0家供水单位发放重点对积水潭医院北大医院等单位进行检查\n"
             "由国家林业和草原局全国总工会联合开展的宣传活动共有12\n"
             "0名职工参加了这次活动并且取得了较好的效果和社会反响")
    doc = Document(source="t.txt", sha256="0" * 64, kind="txt",
                   pages=[Page(number=1, blocks=[Block(page=1, text=block)])])
    doc = extract_facts(normalize(doc))
    got = {(f.value, f.unit) for f in doc.facts}
    assert (500, "家") in got and (120, "人") in got
    assert all(doc.text[f.start:f.end] == f.surface for f in doc.facts)
    # a kept break inside a year at the end of a long line: not a duration of 3 years
    kept = _doc("由国家林业和草原局、全国总工会联合开展的202\n3年“最美生态护林员”推荐活动。")
    doc2 = extract_facts(kept)
    assert "202\n3" in doc2.text
    assert [f for f in doc2.facts if f.unit == "年"] == []


def test_org_and_year_from_running_headers():
    pages = [Page(number=n, blocks=[Block(page=n, kind="header", text="黄岩区第一人民医院工会 2023年度工作总结"),
                                    Block(page=n, text=f"第{n}部分共开展活动{n + 10}场。")]) for n in (1, 2)]
    doc = extract_facts(normalize(Document(source="t.txt", sha256="0" * 64, kind="txt", pages=pages)))
    assert doc.org == "黄岩区第一人民医院工会"
    assert doc.year == 2023
    assert [(f.value, f.page) for f in doc.facts] == [(11, 1), (12, 2)]


def test_documents_without_paragraphs_or_text():
    empty = extract_facts(Document(source="e.txt", sha256="0" * 64, kind="txt"))
    assert empty.facts == [] and empty.year is None
    bare = extract_facts(Document(source="b.txt", sha256="0" * 64, kind="txt", text="共有42家单位参加。"))
    [f] = bare.facts
    assert (f.value, f.unit, f.paragraph, f.page) == (42, "家", None, 1)
