#!/usr/bin/env python3
"""Draft speed: a progress-report draft over N stored documents of one year (target: 1,000
documents in ≤ 5 s), with half as many documents of the year before for the comparison.

    .venv/bin/python benchmarks/draft_speed.py [--docs 1000] [--db URL] [--runs 3]

The store is generated with the bulk builder of benchmarks/store_query.py (synthetic
summaries, ≈20 facts each), then the first N documents are dated 2023 and the rest 2022.
Times: reading the facts from the store and building the claims, then each renderer (JSON,
Markdown, DOCX with the chart). The JSON draft is checked with tests/draft_checker.py.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / "tests"))


def prepare(url: str, docs: int) -> None:
    from sqlalchemy import text

    from store_query import build

    build(url, docs + docs // 2)
    from reportmine.store.repository import Store

    st = Store(url)
    with st.engine.begin() as conn:
        for table, key in (("documents", "id"), ("facts", "document_id")):
            conn.execute(text(f"UPDATE {table} SET year = CASE WHEN {key} <= :n THEN 2023 ELSE 2022 END"),
                         {"n": docs})
    st.close()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=int, default=1000)
    ap.add_argument("--db", default=None, help="store URL (default: a temporary SQLite file)")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--target", type=float, default=5.0, help="seconds allowed for build + DOCX")
    args = ap.parse_args()

    tmp = None
    url = args.db
    if url is None:
        tmp = tempfile.TemporaryDirectory()
        url = f"sqlite:///{tmp.name}/draft-bench.db"
    t = time.perf_counter()
    prepare(url, args.docs)
    print(f"store of {args.docs:,} + {args.docs // 2:,} documents built in {time.perf_counter() - t:.1f} s",
          file=sys.stderr)

    from draft_checker import check_draft

    from reportmine.draft import DraftOptions, draft_from_store
    from reportmine.draft.charts import render_chart
    from reportmine.draft.render import to_docx, to_markdown
    from reportmine.store.repository import Store

    st = Store(url)
    rows = {"build": [], "json": [], "md": [], "docx": [], "total": []}
    draft = None
    for _ in range(args.runs):
        t0 = time.perf_counter()
        draft = draft_from_store(st, None, DraftOptions(year=2023))
        t1 = time.perf_counter()
        data = json.dumps(draft.to_json(), ensure_ascii=False)
        t2 = time.perf_counter()
        to_markdown(draft)
        t3 = time.perf_counter()
        to_docx(draft, render_chart(draft))
        t4 = time.perf_counter()
        rows["build"].append(t1 - t0)
        rows["json"].append(t2 - t1)
        rows["md"].append(t3 - t2)
        rows["docx"].append(t4 - t3)
        rows["total"].append(t1 - t0 + t4 - t3)
    st.close()
    d = json.loads(data)
    problems = check_draft(d)
    docs_used = len({f["source"] for f in d["facts"] if f["year"] == 2023})
    print(f"draft of {docs_used:,} documents of 2023: {len(d['claims'])} claims, {len(d['facts']):,} facts cited, "
          f"{len(d['not_added']):,} listed not added; checker: {'OK' if not problems else problems[:3]}")
    print(f"{'step':<8}{'median s':>10}{'max s':>10}")
    for k, v in rows.items():
        print(f"{k:<8}{statistics.median(v):>10.2f}{max(v):>10.2f}")
    worst = max(rows["total"])
    ok = worst <= args.target and not problems
    print(f"build + DOCX (with chart): worst {worst:.2f} s, target ≤ {args.target:g} s: {'PASS' if ok else 'FAIL'}")
    if tmp is not None:
        tmp.cleanup()
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
