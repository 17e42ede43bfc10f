"""The store on real connections (SQLite here; PostgreSQL with REPORTMINE_TEST_DB)."""

from __future__ import annotations

from collections import Counter, defaultdict

import pytest
from sqlalchemy import func, select

from conftest import make_doc, sample_docs
from reportmine.store import QueryError, Scope
from reportmine.store.schema import DocumentRow, FactRow, ParagraphRow


def _count(store, model):
    with store.read() as s:
        return s.scalar(select(func.count()).select_from(model))


def _expected_facts(docs, pred):
    """Facts (surface, document sha) a filter should return, computed in Python."""
    out = []
    for d in docs:
        for f in d.facts:
            row = {"category": f.category, "unit": f.unit, "value": f.value, "metric": f.metric or "",
                   "year": f.year if f.year is not None else d.year, "org": f.org or d.org,
                   "para": d.text[d.paragraphs[f.paragraph].start:d.paragraphs[f.paragraph].end]}
            if pred(row):
                out.append((f.surface, d.sha256))
    return sorted(out)


def test_roundtrip_keeps_spans_and_fields(store, samples):
    doc = samples[0]
    doc_id, created = store.add_document(doc, "default")
    assert created
    got = store.get_document(doc_id)
    assert got["document"] == doc.sha256 and got["text"] == doc.text and got["year"] == 2023
    assert len(got["paragraphs"]) == len(doc.paragraphs)
    for p, src in zip(got["paragraphs"], doc.paragraphs):
        assert p["text"] == doc.text[src.start:src.end]
        assert p["category"] == src.category
    assert [f["surface"] for f in got["facts"]] == [f.surface for f in doc.facts]
    for f in got["facts"]:
        assert got["text"][f["start"]:f["end"]] == f["surface"]
        assert f["document"] == doc.sha256 and f["year"] == 2023 and f["org"] == "丰台区第一医院"
    assert got["facts"][3]["value"] == 85000 and got["facts"][1]["qualifier"] == "more_than"
    assert store.get_document(doc.sha256)["id"] == doc_id


def test_same_sha_in_a_tenant_is_stored_once(store, samples):
    doc = samples[0]
    first = store.add_document(doc, "default")
    n_facts = _count(store, FactRow)
    again = store.add_document(doc.model_copy(update={"source": "renamed.txt"}), "default")
    assert again == (first[0], False)
    assert _count(store, DocumentRow) == 1 and _count(store, FactRow) == n_facts
    other = store.add_document(doc, "tenant-b")  # tenants are separate stores of their own
    assert other[1] and other[0] != first[0]


def test_a_failure_mid_document_leaves_nothing(store, samples, monkeypatch):
    store.add_document(samples[1], "default")
    before = (_count(store, DocumentRow), _count(store, ParagraphRow), _count(store, FactRow))

    def boom(*a, **k):  # fails after the document and its paragraphs were written
        raise RuntimeError("disk full")

    monkeypatch.setattr(type(store), "_name_id", boom)
    with pytest.raises(RuntimeError):
        store.add_document(samples[0], "default")
    monkeypatch.undo()
    assert (_count(store, DocumentRow), _count(store, ParagraphRow), _count(store, FactRow)) == before
    assert store.find_document(samples[0].sha256) is None
    assert store.search("技能竞赛") == []  # nothing left in the full-text index either
    assert store.add_document(samples[0], "default")[1]  # and it can be stored afterwards


@pytest.mark.parametrize("term", ["培训", "慰问", "工会", "会", "职代会", "技能竞赛", "创新工作室", "送温暖"])
def test_search_finds_every_paragraph_with_the_term(filled, samples, term):
    hits = filled.search(term, limit=50)
    expected = sorted((d.sha256, p.start) for d in samples for p in d.paragraphs
                      if term in d.text[p.start:p.end])
    assert expected, "the samples must contain the term"
    assert sorted((h["document"], h["start"]) for h in hits) == expected
    by_sha = {d.sha256: d for d in samples}
    for h in hits:
        assert term in h["snippet"]
        assert term in by_sha[h["document"]].text[h["start"]:h["end"]]
        for a, b in h["highlights"]:
            assert h["snippet"][a:b] == term
        assert h["page"] == 1 and h["source"].endswith(".txt")


def test_search_ands_terms_filters_category_and_limits(filled):
    hits = filled.search("慰问 万元")
    assert len(hits) == 2 and all("慰问" in h["snippet"] and "万元" in h["snippet"] for h in hits)
    assert filled.search("技能竞赛", category="training", limit=50)
    assert all(h["category"] == "training" for h in filled.search("工会", category="training"))
    assert len(filled.search("工会", limit=2)) == 2
    assert filled.search("不存在的词语组合") == []
    assert filled.search("   ") == []


def test_search_does_not_match_words_apart(store):
    store.add_document(make_doc(["职工技能提升，开展岗位竞赛活动。", "举办职工技能竞赛。"], source="x.txt"))
    hits = store.search("技能竞赛")
    assert [h["start"] for h in hits] == [len("职工技能提升，开展岗位竞赛活动。") + 1]


FILTERS = [
    ({"category": "training"}, lambda r: r["category"] == "training"),
    ({"unit": "人"}, lambda r: r["unit"] == "人"),
    ({"value__gte": 100}, lambda r: r["value"] >= 100),
    ({"value__gt": 300, "value__lt": 100000}, lambda r: 300 < r["value"] < 100000),
    ({"value__lte": 12}, lambda r: r["value"] <= 12),
    ({"year": 2022}, lambda r: r["year"] == 2022),
    ({"year__gte": 2023}, lambda r: r["year"] >= 2023),
    ({"org": "丰台区妇幼保健院"}, lambda r: r["org"] == "丰台区妇幼保健院"),
    ({"org__contains": "医院"}, lambda r: "医院" in (r["org"] or "")),
    ({"metric__contains": "慰问"}, lambda r: "慰问" in r["metric"]),
    ({"q": "技能竞赛"}, lambda r: "技能竞赛" in r["para"]),
    ({"q": "会"}, lambda r: "会" in r["para"]),
    ({"category__in": "training,welfare", "unit": "人"},
     lambda r: r["category"] in ("training", "welfare") and r["unit"] == "人"),
    ({"category": "training", "unit": "人", "value__gte": 100, "year": 2023, "q": "技能竞赛"},
     lambda r: r["category"] == "training" and r["unit"] == "人" and r["value"] >= 100 and r["year"] == 2023
     and "技能竞赛" in r["para"]),
]


@pytest.mark.parametrize("filters,pred", FILTERS, ids=[",".join(f) for f, _ in FILTERS])
def test_fact_filters_match_python(filled, samples, filters, pred):
    res = filled.query_facts(filters, limit=1000)
    got = sorted((f["surface"], f["document"]) for f in res["items"])
    assert got == _expected_facts(samples, pred)
    assert res["total"] == len(got)


def test_sorting_pagination_and_totals(filled):
    everything = filled.query_facts({}, sort="-value", limit=1000)["items"]
    values = [f["value"] for f in everything]
    assert values == sorted(values, reverse=True) and values[0] == 120000
    page1 = filled.query_facts({}, sort="-value", limit=5, offset=0)
    page2 = filled.query_facts({}, sort="-value", limit=5, offset=5)
    assert page1["total"] == len(everything) == 15
    assert [f["id"] for f in page1["items"] + page2["items"]] == [f["id"] for f in everything[:10]]
    orgs = [f["org"] for f in filled.query_facts({}, sort="org", limit=100)["items"]]
    assert orgs[:2] == [None, None] and orgs[2:] == sorted(orgs[2:]) and None not in orgs[2:]
    assert [f["id"] for f in filled.iter_facts({}, batch=4)] == sorted(f["id"] for f in everything)
    with pytest.raises(QueryError):
        filled.query_facts({"colour": "red"})
    with pytest.raises(QueryError):
        filled.query_facts({"value__gte": "many"})
    with pytest.raises(QueryError):
        filled.query_facts({}, sort="text")


def test_facets_count_the_filtered_facts(filled, samples):
    res = filled.query_facts({"year": 2023}, facets=["category", "unit", "org", "year"], limit=0)
    facts = [(f, d) for d in samples for f in d.facts if d.year == 2023]
    assert res["items"] == [] and res["total"] == len(facts)
    assert {x["value"]: x["count"] for x in res["facets"]["category"]} == Counter(f.category for f, _ in facts)
    assert {x["value"]: x["count"] for x in res["facets"]["unit"]} == Counter(f.unit for f, _ in facts)
    assert {x["value"]: x["count"] for x in res["facets"]["org"]} == Counter(d.org for _, d in facts)
    counts = [x["count"] for x in res["facets"]["unit"]]
    assert counts == sorted(counts, reverse=True)


def test_aggregates_sum_comparable_facts(filled, samples):
    res = filled.aggregate({"category": "welfare"}, group_by=["org", "year"])
    assert res["group_by"] == ["org", "year", "unit"]
    expect = defaultdict(lambda: [0, 0.0])
    for d in samples:
        for f in d.facts:
            if f.category == "welfare":
                k = (d.org, d.year, f.unit)
                expect[k][0] += 1
                expect[k][1] += f.value
    got = {(g["org"], g["year"], g["unit"]): [g["count"], g["sum"]] for g in res["groups"]}
    assert got == {k: [c, s] for k, (c, s) in expect.items()}
    assert got[("丰台区第一医院", 2023, "元")] == [1, 85000]
    by_metric = filled.aggregate({"metric__contains": "培训"}, group_by=["metric"])
    assert {g["metric"] for g in by_metric["groups"]} == {"业务培训班", "培训工会干部", "培训职工", "技能竞赛培训"}
    by_org = filled.aggregate({"year__gte": 2022}, group_by=["org"])
    expect_org = defaultdict(lambda: [0, 0.0])
    for d in samples:
        for f in d.facts:
            expect_org[(d.org, f.unit)][0] += 1
            expect_org[(d.org, f.unit)][1] += f.value
    assert {(g["org"], g["unit"]): [g["count"], g["sum"]] for g in by_org["groups"]} == dict(expect_org)
    assert by_org["total_groups"] == len(expect_org)
    assert [g["org"] for g in by_org["groups"]][:1] == [None]  # NULL first, then by name
    with pytest.raises(QueryError):
        filled.aggregate({}, group_by=["colour"])


def test_scopes_isolate_units_and_tenants(filled, samples):
    a, b = Scope("default", "丰台区第一医院"), Scope("default", "丰台区妇幼保健院")
    assert {d["source"] for d in filled.list_documents(a)["items"]} == {"a2023.txt", "a2022.txt"}
    assert {d["source"] for d in filled.list_documents(b)["items"]} == {"b2023.txt"}
    assert filled.list_documents(Scope("default"))["total"] == 4
    assert filled.list_documents(Scope("other"))["total"] == 0
    assert {f["source"] for f in filled.query_facts({}, a, limit=100)["items"]} == {"a2023.txt", "a2022.txt"}
    assert filled.query_facts({}, Scope("other"))["total"] == 0
    assert {h["source"] for h in filled.search("工会", b, limit=50)} == {"b2023.txt"}
    assert filled.search("工会", Scope("other")) == []
    assert filled.get_document(samples[2].sha256, a) is None
    assert filled.get_document(samples[2].sha256, b)["source"] == "b2023.txt"
    assert filled.aggregate({}, a, group_by=["org"])["groups"][0]["org"] == "丰台区第一医院"
    assert all(g["org"] == "丰台区第一医院" for g in filled.aggregate({}, a, group_by=["org"])["groups"])


def test_corrections_change_the_paragraph_and_are_loaded_for_training(filled, samples):
    doc = filled.get_document(samples[0].sha256)
    para = doc["paragraphs"][2]
    out = filled.add_correction(Scope(), "alice", paragraph_id=para["id"], field="category", new="training")
    assert out["old"] == "welfare" and out["new"] == "training"
    assert filled.get_document(samples[0].sha256)["paragraphs"][2]["category"] == "training"
    fact = doc["facts"][0]
    f_out = filled.add_correction(Scope(), "bob", fact_id=fact["id"], field="value", new=13)
    assert f_out["old"] == "12.0" and filled.query_facts({"metric": "职工技能竞赛"})["items"][0]["value"] == 13
    loaded = filled.load_corrections()
    assert [(c["text"], c["old"], c["new"], c["who"]) for c in loaded] == [
        (para["text"], "welfare", "training", "alice")]
    assert loaded[0]["when"]
    # a unit cannot correct another unit's paragraph, and bad values are refused
    assert filled.add_correction(Scope("default", "丰台区妇幼保健院"), "eve", paragraph_id=para["id"],
                                 new="other") is None
    with pytest.raises(QueryError):
        filled.add_correction(Scope(), "alice", paragraph_id=para["id"], new="sports")
    # a fact's required fields cannot be emptied, and values must make sense (schemathesis found
    # a null unit reaching the NOT NULL constraint)
    for field, new in (("unit", None), ("value", None), ("unit", "  "), ("unit", "人" * 21),
                       ("value", "nan"), ("value", 1e400), ("qualifier", "plenty"), ("year", 12)):
        with pytest.raises(QueryError):
            filled.add_correction(Scope(), "bob", fact_id=fact["id"], field=field, new=new)
    assert filled.add_correction(Scope(), "bob", fact_id=fact["id"], field="year", new=None)["new"] is None
    actions = [a["action"] for a in filled.audit_log("default")]
    assert actions.count("correct") == 3


def test_delete_removes_document_and_index(filled, samples):
    doc_id = filled.find_document(samples[2].sha256)
    assert not filled.delete_document(doc_id, Scope("default", "丰台区第一医院"))
    assert filled.delete_document(doc_id, Scope())
    assert filled.search("创新工作室") == []
    assert filled.query_facts({"document": samples[2].sha256})["total"] == 0


def test_id_pages_are_the_same_for_dense_and_sparse_matches(store):
    """A page in id order comes from a walk of the table when matches are dense and from a
    sort of the index's matches when they are sparse (under 1 % of the facts): both give
    the matching facts in id order, page after page, with the exact total."""
    docs = []
    for i in range(30):
        org = "海淀区第一医院" if i == 7 else f"朝阳区第{i}小学"
        year = 2021 + i % 3
        facts = [{"surface": f"{10 + i * 10 + k}人", "value": 10 + i * 10 + k, "unit": "人", "paragraph": 0,
                  "metric": "参训职工"} for k in range(5)]
        facts += [{"surface": f"{k + 1}次", "value": k + 1, "unit": "次", "paragraph": 1, "metric": "职代会"}
                  for k in range(6)]
        text0 = "培训职工" + "、".join(f["surface"] for f in facts[:5]) + "。"
        text1 = "召开会议" + "、".join(f["surface"] for f in facts[5:]) + "。"
        docs.append(make_doc([(text0, "training"), (text1, "democratic_management")], facts,
                             source=f"d{i}.txt", org=org, year=year))
    for d in docs:
        store.add_document(d, "default")
    everything = store.query_facts({}, limit=1000)["items"]
    assert len(everything) == 330 and [f["id"] for f in everything] == sorted(f["id"] for f in everything)
    cases = [({"unit": "次"}, lambda f: f["unit"] == "次"),  # dense: 180 of 330
             ({"org": "海淀区第一医院", "unit": "人"}, lambda f: f["org"] == "海淀区第一医院" and f["unit"] == "人"),
             ({"value__gte": 303}, lambda f: f["value"] >= 303),  # sparse: 2 of 330
             ({"org": "海淀区第一医院", "value__gte": 84}, lambda f: f["org"] == "海淀区第一医院" and f["value"] >= 84),
             ({"year": 2022, "category": "training"}, lambda f: f["year"] == 2022 and f["category"] == "training")]
    for filters, pred in cases:
        want = [f["id"] for f in everything if pred(f)]
        assert want, filters
        for limit in (1, 3, 50):
            got, offset = [], 0
            while True:
                page = store.query_facts(filters, limit=limit, offset=offset)
                assert page["total"] == len(want), filters
                if not page["items"]:
                    break
                got += [f["id"] for f in page["items"]]
                offset += limit
            assert got == want, (filters, limit)
