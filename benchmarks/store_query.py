"""Query latency at scale: a synthetic store of N documents (≈20 facts each), then p50/p95
of keyword search, metric filter, combined and aggregate queries through the API.

    .venv/bin/python benchmarks/store_query.py --docs 100000            # SQLite (default)
    .venv/bin/python benchmarks/store_query.py --docs 20000 --db postgresql+psycopg://postgres@127.0.0.1:5432/test

The store is generated with bulk inserts (paragraphs from templates whose jieba tokens are
computed once per template, so building 100,000 documents takes minutes, not hours) and
kept under benchmarks/out/ for reruns (``--reuse``). On PostgreSQL the store goes into a
schema of its own (``--schema``, default ``rm_bench``). Results: a table on stdout and
benchmarks/out/store_query-<backend>-<docs>.json.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

OUT = ROOT / "benchmarks" / "out"

DISTRICTS = ["东城区", "西城区", "朝阳区", "海淀区", "丰台区", "石景山区", "门头沟区", "房山区", "通州区", "顺义区",
             "昌平区", "大兴区", "怀柔区", "平谷区", "密云区", "延庆区"]
KINDS = ["第一医院", "第二医院", "中医医院", "妇幼保健院", "疾病预防控制中心", "社区卫生服务中心", "口腔医院",
         "实验小学", "第三中学", "供电公司", "建筑工程公司", "公交分公司", "自来水公司", "卫生健康委员会"]

# (category, fragments): a fragment is text or (unit, metric, low, high)
TEMPLATES = [
    ("training", ["全年举办业务培训班", ("期", "业务培训班", 2, 30), "，培训工会干部", ("人次", "培训工会干部", 50, 3000), "。"]),
    ("training", ["组织职工技能竞赛", ("场", "职工技能竞赛", 1, 20), "，参赛职工达", ("人", "参赛职工", 20, 900), "，评选技术能手。"]),
    ("training", ["开展岗位练兵活动，覆盖", ("个", "岗位练兵覆盖科室", 3, 60), "科室，参加岗位练兵的职工", ("人", "参加岗位练兵的职工", 30, 2000), "。"]),
    ("training", ["依托职工书屋举办读书分享会", ("次", "读书分享会", 2, 40), "，线上学习平台注册", ("人", "线上学习注册职工", 100, 5000), "。"]),
    ("welfare", ["开展送温暖活动，慰问困难职工", ("户", "慰问困难职工", 5, 400), "，发放慰问金", ("元", "发放慰问金", 5000, 900000), "。"]),
    ("welfare", ["春节期间走访慰问一线职工", ("人", "慰问一线职工", 20, 3000), "，送温暖资金", ("元", "送温暖资金", 10000, 2000000), "。"]),
    ("welfare", ["组织职工健康体检", ("人", "职工健康体检", 100, 8000), "，开展心理咨询服务", ("次", "心理咨询服务", 5, 300), "。"]),
    ("welfare", ["建设职工之家和爱心妈妈小屋", ("个", "职工之家", 1, 20), "，夏季送清凉慰问", ("人次", "送清凉慰问", 50, 6000), "。"]),
    ("democratic_management", ["召开职工代表大会", ("次", "职工代表大会", 1, 4), "，征集职工提案", ("件", "职工提案", 3, 120), "，办结率达百分之百。"]),
    ("democratic_management", ["推进厂务公开，公开事项", ("项", "厂务公开事项", 5, 80), "，签订集体合同覆盖职工", ("人", "集体合同覆盖职工", 100, 9000), "。"]),
    ("innovation", ["新建职工创新工作室", ("个", "职工创新工作室", 1, 15), "，完成技术革新项目", ("项", "技术革新项目", 2, 90), "。"]),
    ("innovation", ["开展合理化建议活动，收集合理化建议", ("条", "合理化建议", 10, 900), "，获得国家专利", ("项", "国家专利", 1, 40), "。"]),
    ("other", ["加强工会组织建设，新建基层工会", ("个", "新建基层工会", 1, 30), "，发展会员", ("人", "发展会员", 10, 2000), "。"]),
    ("other", ["做好工会经费管理，全年审计经费", ("元", "审计工会经费", 100000, 9000000), "，完成审计项目", ("项", "审计项目", 1, 30), "。"]),
]
KEYWORDS = ["技能竞赛", "慰问", "职工之家", "创新工作室", "送温暖", "培训", "职代会", "合理化建议", "岗位练兵",
            "集体合同", "心理咨询", "读书分享会", "厂务公开", "健康体检"]


def orgs(n: int = 2000) -> list[str]:
    out = [d + k for d in DISTRICTS for k in KINDS]
    i = 2
    while len(out) < n:
        out.extend(f"{d}第{i}{k[-2:]}" for d in DISTRICTS for k in ("医院", "小学", "中学") if len(out) < n)
        i += 1
    return out[:n]


def build(url: str, docs: int, batch: int = 1000, seed: int = 1) -> None:
    from sqlalchemy import text

    from reportmine.store import Store
    from reportmine.store.schema import DocumentRow, FactRow, Metric, Org, ParagraphRow
    from reportmine.store.search import index_tokens

    st = Store(url)
    rnd = random.Random(seed)
    org_names = orgs()
    frag_tokens: dict[str, str] = {}
    for _, frags in TEMPLATES:
        for f in frags:
            if isinstance(f, str):
                frag_tokens[f] = index_tokens(f)
    title_tokens = {o: index_tokens(o + "工会工作总结") for o in org_names}
    metric_names = sorted({f[1] for _, frags in TEMPLATES for f in frags if not isinstance(f, str)})
    with st.engine.begin() as conn:
        conn.execute(Org.__table__.insert(), [{"id": i + 1, "tenant": "default", "name": o} for i, o in enumerate(org_names)])
        conn.execute(Metric.__table__.insert(), [{"id": i + 1, "name": m} for i, m in enumerate(metric_names)])
    org_id = {o: i + 1 for i, o in enumerate(org_names)}
    metric_id = {m: i + 1 for i, m in enumerate(metric_names)}
    now = datetime.now(timezone.utc)
    pid = fid = 0
    t0 = time.perf_counter()
    for start in range(0, docs, batch):
        drows, prows, frows = [], [], []
        for did in range(start + 1, min(docs, start + batch) + 1):
            org = rnd.choice(org_names)
            year = rnd.randint(2018, 2024)
            title = f"{org}工会{year}年工作总结"
            parts, pos = [title], len(title) + 1
            pid += 1
            prows.append({"id": pid, "document_id": did, "tenant": "default", "owner_org": None, "idx": 0,
                          "start": 0, "end": len(title), "page": 1, "category": "other", "labels": ["other"],
                          "section": None, "is_heading": True, "text": title,
                          "tokens": title_tokens[org] + f" {year}"})
            nfacts = 0
            for pi, (cat, frags) in enumerate(rnd.sample(TEMPLATES, 10), start=1):
                body, toks, facts = [], [], []
                for f in frags:
                    if isinstance(f, str):
                        body.append(f)
                        toks.append(frag_tokens[f])
                        continue
                    unit, metric, lo, hi = f
                    value = rnd.randint(lo, hi)
                    surface = f"{value}{unit}"
                    at = pos + sum(len(b) for b in body)
                    facts.append((surface, value, unit, metric, at))
                    body.append(surface)
                    toks.append(f"{value} {unit}")
                ptext = "".join(body)
                pid += 1
                page = 1 + pi // 4
                prows.append({"id": pid, "document_id": did, "tenant": "default", "owner_org": None, "idx": pi,
                              "start": pos, "end": pos + len(ptext), "page": page, "category": cat,
                              "labels": [cat], "section": None, "is_heading": False, "text": ptext,
                              "tokens": " ".join(toks)})
                for surface, value, unit, metric, at in facts:
                    fid += 1
                    frows.append({"id": fid, "document_id": did, "paragraph_id": pid, "tenant": "default",
                                  "owner_org": None, "idx": nfacts, "surface": surface, "value": float(value),
                                  "value_max": None, "unit": unit,
                                  "qualifier": "more_than" if rnd.random() < 0.2 else "exact",
                                  "metric": metric, "metric_id": metric_id[metric], "year": year, "org": org,
                                  "org_id": org_id[org], "fact_year": None, "fact_org": None, "category": cat,
                                  "start": at, "end": at + len(surface), "page": page})
                    nfacts += 1
                parts.append(ptext)
                pos += len(ptext) + 1
            body = "\n".join(parts)
            drows.append({"id": did, "tenant": "default", "owner_org": None, "sha256": f"{did:064x}",
                          "source": f"synthetic/{did:06d}.txt", "kind": "txt", "pages": 3, "title": title,
                          "org": org, "year": year, "text": body, "fact_count": nfacts, "warnings": [],
                          "uploaded_by": "benchmark", "created": now})
        with st.engine.begin() as conn:
            conn.execute(DocumentRow.__table__.insert(), drows)
            conn.execute(ParagraphRow.__table__.insert(), prows)
            conn.execute(FactRow.__table__.insert(), frows)
        done = min(docs, start + batch)
        rate = done / (time.perf_counter() - t0)
        print(f"\rgenerated {done:,}/{docs:,} documents ({rate:,.0f}/s)", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    with st.engine.begin() as conn:
        if st.dialect == "sqlite":
            conn.exec_driver_sql("ANALYZE")
            conn.exec_driver_sql("INSERT INTO paragraphs_fts(paragraphs_fts) VALUES ('optimize')")
    if st.dialect == "postgresql":  # what autovacuum does on a live server: index-only scans need it
        with st.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    st.close()


def measure(url: str, runs: int, seed: int = 2) -> dict:
    from fastapi.testclient import TestClient

    from api.main import create_app
    from reportmine.config import Settings
    from reportmine.store import Store
    from reportmine.store.auth import add_user

    st = Store(url)
    token = add_user(st, f"bench-{time.time_ns()}", "staff")["token"]
    app = create_app(Settings(db=url, sandbox=False), store=st, run_jobs=False)
    client = TestClient(app)
    headers = {"Authorization": f"Bearer {token}"}
    rnd = random.Random(seed)
    metric_words = ["培训", "慰问", "职工", "竞赛", "专利", "体检", "提案"]
    org_words = ["医院", "小学", "丰台区", "海淀区", "中心", "公司"]

    def keyword():
        return "/search", {"q": rnd.choice(KEYWORDS), "limit": 20}

    def metric():
        return "/facts", {"metric__contains": rnd.choice(metric_words), "unit": rnd.choice(["人", "人次", "元", "项"]),
                          "value__gte": rnd.choice([10, 100, 500]), "limit": 50}

    def combined():
        return "/facts", {"category": "training", "year": rnd.randint(2018, 2024), "value__gte": 100,
                          "q": rnd.choice(["技能竞赛", "培训", "岗位练兵"]), "org__contains": rnd.choice(org_words),
                          "limit": 50}

    def aggregate():
        return "/facts/aggregate", {"group_by": rnd.choice(["org,year", "year", "org", "category,year"]),
                                    "category": rnd.choice(["training", "welfare", "innovation"])}

    results = {}
    for name, make in (("keyword", keyword), ("metric", metric), ("combined", combined), ("aggregate", aggregate)):
        times, sizes = [], []
        for i in range(runs + 3):
            path, params = make()
            t = time.perf_counter()
            r = client.get(path, params=params, headers=headers)
            dt = (time.perf_counter() - t) * 1000
            if r.status_code != 200:
                raise SystemExit(f"{path} {params}: {r.status_code} {r.text[:300]}")
            body = r.json()
            if i >= 3:  # the first few warm the caches
                times.append(dt)
                sizes.append(len(body.get("hits") or body.get("items") or body.get("groups") or []))
        q = statistics.quantiles(times, n=100, method="inclusive")
        results[name] = {"p50_ms": round(statistics.median(times), 1), "p95_ms": round(q[94], 1),
                         "max_ms": round(max(times), 1), "runs": len(times),
                         "mean_results": round(statistics.mean(sizes), 1)}
    client.close()
    st.close()
    return results


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=int, default=100_000)
    ap.add_argument("--db", default=None, help="store URL (default: a SQLite file under benchmarks/out)")
    ap.add_argument("--schema", default="rm_bench", help="PostgreSQL schema for the store")
    ap.add_argument("--runs", type=int, default=100, help="requests per query kind")
    ap.add_argument("--reuse", action="store_true", help="keep an existing store of this size")
    args = ap.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    if args.db is None or args.db.startswith("sqlite"):
        path = OUT / f"bench-{args.docs}.db"
        url = args.db or f"sqlite:///{path}"
        fresh = not (args.reuse and path.exists())
        if fresh:
            for p in OUT.glob(f"bench-{args.docs}.db*"):
                p.unlink()
        backend = "sqlite"
    else:
        import psycopg
        from sqlalchemy.engine import make_url

        u = make_url(args.db)
        conn = psycopg.connect(host=u.host, port=u.port or 5432, user=u.username, password=u.password,
                               dbname=u.database, autocommit=True)
        exists = conn.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (args.schema,)).fetchone()
        fresh = not (args.reuse and exists)
        if fresh:
            conn.execute(f'DROP SCHEMA IF EXISTS "{args.schema}" CASCADE')
            conn.execute(f'CREATE SCHEMA "{args.schema}"')
        conn.close()
        sep = "&" if "?" in args.db else "?"
        url = f"{args.db}{sep}options=-csearch_path%3D{args.schema}"
        backend = "postgresql"
    t = time.perf_counter()
    if fresh:
        build(url, args.docs)
    build_s = time.perf_counter() - t
    res = measure(url, args.runs)
    report = {"backend": backend, "docs": args.docs, "facts": args.docs * 20, "build_seconds": round(build_s, 1),
              "queries": res, "targets_ms": {"keyword": 100, "metric": 100, "combined": 100, "aggregate": 500}}
    (OUT / f"store_query-{backend}-{args.docs}.json").write_text(json.dumps(report, indent=2))
    print(f"{backend}, {args.docs:,} documents ({args.docs * 20:,} facts); build {build_s:.0f} s")
    print(f"{'query':<10} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'target':>8}")
    for name, r in res.items():
        print(f"{name:<10} {r['p50_ms']:>8} {r['p95_ms']:>8} {r['max_ms']:>8} {report['targets_ms'][name]:>8}")


if __name__ == "__main__":
    main()
