#!/usr/bin/env python3
"""Server time of every web page with N documents stored (target: ≤ 300 ms at 100,000).

    .venv/bin/python benchmarks/web_pages.py [--docs 100000] [--db URL] [--runs 5] [--reuse]

The store comes from the bulk builder of benchmarks/store_query.py (kept under
benchmarks/out/ for reruns with --reuse). Each page is requested through FastAPI's
TestClient as anonymous staff; the figure is the page's own ``Server-Timing`` (from the
moment the request reaches the route's dependencies to the rendered template), and the
wall time of the whole request beside it. The first request of each page is a warm-up.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
OUT = ROOT / "benchmarks" / "out"

PAGES = [
    ("upload", "/"),
    ("documents", "/web/documents"),
    ("documents p.500", "/web/documents?page_no=500"),
    ("documents filtered", "/web/documents?org=医院&year=2023"),
    ("document", "/web/documents/{doc}"),
    ("search", "/web/search?q=技能竞赛"),
    ("search + filters", "/web/search?q=慰问&unit=元&value__gte=10000"),
    ("facts", "/web/facts"),
    ("facts filtered", "/web/facts?category=training&year=2023&sort=-value"),
    ("drafts form", "/web/drafts"),
    ("draft preview (one unit)", "/web/drafts/preview?year=2023&org={org}"),
    ("login", "/web/login"),
]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=int, default=100_000)
    ap.add_argument("--db", default=None)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--reuse", action="store_true", help="keep and reuse benchmarks/out/web-N.db")
    ap.add_argument("--target-ms", type=float, default=300.0)
    args = ap.parse_args()

    url = args.db
    if url is None:
        OUT.mkdir(parents=True, exist_ok=True)
        path = OUT / f"web-{args.docs}.db"
        if path.exists() and not args.reuse:
            for p in OUT.glob(f"web-{args.docs}.db*"):
                p.unlink()
        url = f"sqlite:///{path}"
        fresh = not path.exists()
    else:
        fresh = True
    if fresh:
        from store_query import build

        t = time.perf_counter()
        build(url, args.docs)
        print(f"built {args.docs:,} documents in {time.perf_counter() - t:.0f} s", file=sys.stderr)

    from fastapi.testclient import TestClient
    from sqlalchemy import func, select

    from api.main import create_app
    from reportmine.config import Settings
    from reportmine.store.repository import Store
    from reportmine.store.schema import DocumentRow

    st = Store(url)
    with st.read() as s:
        doc = s.scalar(select(func.max(DocumentRow.id)))
        org = s.scalar(select(DocumentRow.org).where(DocumentRow.id == doc))
    app = create_app(Settings(db=url, anonymous=True, sandbox=False), store=st, run_jobs=False)
    client = TestClient(app)
    print(f"{'page':<26}{'server p50 ms':>14}{'server max ms':>15}{'wall p50 ms':>13}")
    worst = 0.0
    failed = []
    for name, path in PAGES:
        path = path.format(doc=doc, org=org)
        server, wall = [], []
        for i in range(args.runs + 1):
            t = time.perf_counter()
            r = client.get(path)
            dt = (time.perf_counter() - t) * 1000
            if r.status_code != 200:
                raise SystemExit(f"{path}: {r.status_code} {r.text[:300]}")
            if i == 0:
                continue
            server.append(float(r.headers["server-timing"].split("dur=")[1]))
            wall.append(dt)
        mx = max(server)
        worst = max(worst, mx)
        if mx > args.target_ms:
            failed.append(name)
        print(f"{name:<26}{statistics.median(server):>14.1f}{mx:>15.1f}{statistics.median(wall):>13.1f}")
    st.close()
    print(f"worst server time {worst:.0f} ms; target ≤ {args.target_ms:g} ms: "
          f"{'PASS' if not failed else 'FAIL (' + ', '.join(failed) + ')'}")
    return 0 if not failed else 1


if __name__ == "__main__":
    raise SystemExit(main())
