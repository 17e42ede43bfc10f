"""Ingestion throughput through the job queue: documents/s in-process and on Celery workers.

    .venv/bin/python benchmarks/ingest_jobs.py --docs 200 --workers 2

Writes N distinct synthetic summaries (TXT, a few hundred characters each, in the style of
the real ones), queues them as jobs and runs them (1) in this process with the embedded
runner's code and (2) on ``--workers`` Celery worker processes with the Redis broker
(skipped when no broker answers). Each run uses a fresh SQLite store under benchmarks/out.
Results: stdout and benchmarks/out/ingest_jobs.json.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
OUT = ROOT / "benchmarks" / "out"

SENTENCES = [
    "全年举办业务培训班{a}期，培训工会干部{b}人次。", "组织职工技能竞赛{a}场，参赛职工达{b}余人。",
    "开展送温暖活动，慰问困难职工{a}户，发放慰问金{b}万元。", "召开职工代表大会{a}次，征集职工提案{b}件。",
    "新建职工创新工作室{a}个，完成技术革新项目{b}项。", "组织职工健康体检{b}人，开展心理咨询{a}次。",
]


def synthetic(i: int, rnd: random.Random) -> bytes:
    org = f"第{i}单位"
    lines = [f"{org}工会{rnd.randint(2018, 2024)}年工作总结", "一、主要工作"]
    for s in rnd.sample(SENTENCES, 4):
        lines.append(s.format(a=rnd.randint(2, 30), b=rnd.randint(30, 3000)))
    return "\n".join(lines).encode("utf-8")


def _fresh_store(name: str) -> str:
    path = OUT / f"{name}.db"
    for p in OUT.glob(f"{name}.db*"):
        p.unlink()
    return f"sqlite:///{path}"


def in_process(docs: list[bytes]) -> dict:
    from reportmine.store import Store, jobs

    st = Store(_fresh_store("ingest-inproc"))
    for i, d in enumerate(docs):
        jobs.submit(st, d, f"s{i}.txt", "default", enqueue=False)
    jobs.process_document(docs[0], "warm.txt")  # load the models once, as a running server has
    t = time.perf_counter()
    n = jobs.drain(st, limit=len(docs) + 1)
    dt = time.perf_counter() - t
    st.close()
    return {"documents": n, "seconds": round(dt, 2), "docs_per_s": round(n / dt, 1)}


def celery(docs: list[bytes], workers: int, broker: str) -> dict | None:
    try:
        import redis

        redis.Redis.from_url(broker, socket_connect_timeout=2).ping()
    except Exception:  # noqa: BLE001
        return None
    url = _fresh_store("ingest-celery")
    queue = f"rmbench-{uuid.uuid4().hex[:8]}"
    env = dict(os.environ, REPORTMINE_DB=url, REPORTMINE_BROKER=broker, REPORTMINE_CELERY_QUEUE=queue,
               PYTHONPATH=str(ROOT))
    os.environ.update({k: env[k] for k in ("REPORTMINE_DB", "REPORTMINE_BROKER", "REPORTMINE_CELERY_QUEUE")})
    from reportmine.config import reset_settings

    reset_settings()
    from reportmine.store import Scope, Store, jobs

    st = Store(url)
    procs = [subprocess.Popen([sys.executable, "-m", "celery", "-A", "reportmine.store.celery_app", "worker",
                               "-Q", queue, "--concurrency", "1", "--loglevel", "warning", "--without-gossip",
                               "--without-mingle", "--without-heartbeat", "-n", f"w{i}-{queue}@%h"],
                              env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
             for i in range(workers)]
    try:
        rnd = random.Random(99)  # warm-up documents (every worker loads its models), not timed
        warm = [jobs.submit(st, synthetic(10**6 + i, rnd), f"warm{i}.txt", "default")["id"]
                for i in range(4 * workers)]
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and any(
                jobs.get_job(st, i, Scope())["state"] not in ("done", "failed") for i in warm):
            time.sleep(0.2)
        t = time.perf_counter()
        ids = [jobs.submit(st, d, f"s{i}.txt", "default")["id"] for i, d in enumerate(docs)]
        while time.monotonic() < deadline + 600:
            states = [jobs.get_job(st, i, Scope())["state"] for i in ids[-1:] + ids[:1]]
            if all(s in ("done", "failed") for s in states):
                pending = [i for i in ids if jobs.get_job(st, i, Scope())["state"] not in ("done", "failed")]
                if not pending:
                    break
            time.sleep(0.2)
        dt = time.perf_counter() - t
    finally:
        for p in procs:
            p.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                p.wait(20)
            except subprocess.TimeoutExpired:
                p.kill()
        import redis

        r = redis.Redis.from_url(broker)
        keys = list(r.scan_iter(f"*{queue}*"))
        if keys:
            r.delete(*keys)
        st.close()
    return {"workers": workers, "documents": len(ids), "seconds": round(dt, 2), "docs_per_s": round(len(ids) / dt, 1)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=int, default=200)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--broker", default=os.environ.get("REPORTMINE_BROKER") or "redis://127.0.0.1:6379/15")
    ap.add_argument("--sandbox", action="store_true", help="read each file in the sandboxed worker process")
    args = ap.parse_args()
    os.environ["REPORTMINE_SANDBOX"] = "1" if args.sandbox else "0"
    OUT.mkdir(parents=True, exist_ok=True)
    rnd = random.Random(5)
    docs = [synthetic(i, rnd) for i in range(args.docs)]
    report = {"sandbox": args.sandbox, "in_process": in_process(docs)}
    print(f"in-process: {report['in_process']}")
    report["celery"] = celery(docs, args.workers, args.broker)
    print(f"celery ({args.workers} workers): {report['celery'] or 'skipped: no broker'}")
    (OUT / "ingest_jobs.json").write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
