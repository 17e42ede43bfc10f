"""The same queries give the same results on SQLite and on the PostgreSQL server."""

from __future__ import annotations

import pytest

from conftest import PG_DEFAULT, TEST_DB, PgSchema, pg_available, sample_docs
from reportmine.store import Scope, Store

PG_BASE = TEST_DB if TEST_DB.startswith("postgresql") else PG_DEFAULT
pytestmark = pytest.mark.skipif(not pg_available(PG_BASE), reason=f"no PostgreSQL server at {PG_BASE}")

QUERIES = [
    {}, {"category": "training"}, {"unit": "人", "value__gte": 100}, {"org__contains": "医院", "year": 2023},
    {"metric__contains": "培训"}, {"q": "技能竞赛"}, {"q": "会"}, {"year__lte": 2022},
    {"category__in": "welfare,innovation", "value__lt": 50},
]


def _strip(rows):
    return [{k: v for k, v in r.items() if k not in ("id", "document_id", "paragraph_id", "created")} for r in rows]


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    schema = PgSchema(PG_BASE)
    stores = [Store(f"sqlite:///{tmp_path_factory.mktemp('parity')}/p.db"), Store(schema.url)]
    for st in stores:
        for d, owner in zip(sample_docs(), ["A", "A", "B", None]):
            st.add_document(d, "default", owner)
    yield stores
    for st in stores:
        st.close()
    schema.drop()


@pytest.mark.parametrize("filters", QUERIES, ids=[",".join(q) or "all" for q in QUERIES])
@pytest.mark.parametrize("sort", ["id", "-value", "org", "metric"])
def test_facts_are_the_same(pair, filters, sort):
    lite, pg = (st.query_facts(filters, sort=sort, limit=100, facets=["category", "unit", "org", "year"])
                for st in pair)
    assert lite["total"] == pg["total"]
    assert _strip(lite["items"]) == _strip(pg["items"])
    assert lite["facets"] == pg["facets"]


@pytest.mark.parametrize("group_by", [["org", "year"], ["category"], ["metric", "unit"]])
def test_aggregates_are_the_same(pair, group_by):
    lite, pg = (st.aggregate({}, group_by=group_by) for st in pair)
    assert lite == pg


@pytest.mark.parametrize("q", ["培训", "慰问", "工会", "会", "技能竞赛", "慰问 万元", "职工之家"])
def test_search_finds_the_same_paragraphs(pair, q):
    lite, pg = (st.search(q, limit=50) for st in pair)
    key = lambda h: (h["document"], h["start"])  # noqa: E731 - ranking formulas differ, hits must not
    assert sorted(map(key, lite)) == sorted(map(key, pg))
    assert {key(h): h["snippet"] for h in lite} == {key(h): h["snippet"] for h in pg}


def test_scopes_are_the_same(pair):
    for scope in (Scope("default", "A"), Scope("default", "B"), Scope("elsewhere")):
        lite, pg = (_strip(st.query_facts({}, scope, limit=100)["items"]) for st in pair)
        assert lite == pg
