"""Load on loopback: concurrent uploaders and readers against a real uvicorn server.

Starts ``reportmine serve`` on a free 127.0.0.1 port over a fresh SQLite store, then for a
bounded time runs U uploaders (each uploads unique small reports) and R readers (facts,
search, documents), waits for every job, and checks that every upload is stored once.
Reports requests, errors (5xx / transport), p50/p95 latency per kind, documents/s.

    .venv/bin/python benchmarks/load.py [--uploaders 20] [--readers 50] [--seconds 60]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = (ROOT / "corpora" / "samples" / "2023_hongshan_hospital.txt").read_text(encoding="utf-8")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pct(xs: list[float], p: float) -> float:
    if not xs:
        return float("nan")
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))] * 1000


async def main(args):
    tmp = Path(tempfile.mkdtemp(prefix="rm-load-"))
    db = f"sqlite:///{tmp / 'store.db'}"
    env = dict(os.environ, REPORTMINE_DB=db, REPORTMINE_RATE_PER_MINUTE="0", REPORTMINE_SANDBOX="0")
    token = json.loads(subprocess.run([sys.executable, "-m", "reportmine.cli", "user", "add", "load", "--role", "staff",
                                       "--json"], env=env, capture_output=True, text=True, check=True).stdout)["token"]
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "uvicorn", "api.main:app", "--host", "127.0.0.1", "--port", str(port),
                               "--log-level", "warning"], env=env, cwd=ROOT)
    base = f"http://127.0.0.1:{port}"
    headers = {"Authorization": f"Bearer {token}"}
    lat: dict[str, list[float]] = {"upload": [], "facts": [], "search": [], "documents": []}
    errors: list[str] = []
    jobs: list[int] = []
    sent = 0
    try:
        async with httpx.AsyncClient(base_url=base, headers=headers, timeout=60) as client:
            for _ in range(100):
                try:
                    if (await client.get("/health")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.2)
            stop = time.monotonic() + args.seconds

            async def uploader(i: int):
                nonlocal sent
                n = 0
                while time.monotonic() < stop:
                    body = f"第{i}-{n}号单位\n\n" + SAMPLE.replace("150余名", f"{100 + n}名")
                    t = time.monotonic()
                    try:
                        r = await client.post("/documents", files=[("files", (f"u{i}_{n}.txt", body.encode()))])
                        lat["upload"].append(time.monotonic() - t)
                        if r.status_code != 202:
                            errors.append(f"upload {r.status_code}")
                        else:
                            jobs.extend(j["id"] for j in r.json()["jobs"])
                            sent += 1
                    except httpx.HTTPError as exc:
                        errors.append(f"upload {type(exc).__name__}")
                    n += 1
                    await asyncio.sleep(0.5)

            async def reader(i: int):
                kinds = [("facts", "/facts?category=training&value__gte=100&limit=20"),
                         ("search", "/search?q=培训&limit=10"), ("documents", "/documents?limit=20")]
                k = i
                while time.monotonic() < stop:
                    kind, path = kinds[k % len(kinds)]
                    k += 1
                    t = time.monotonic()
                    try:
                        r = await client.get(path)
                        lat[kind].append(time.monotonic() - t)
                        if r.status_code >= 500:
                            errors.append(f"{kind} {r.status_code}")
                    except httpx.HTTPError as exc:
                        errors.append(f"{kind} {type(exc).__name__}")
                    await asyncio.sleep(0.05)

            t0 = time.monotonic()
            await asyncio.gather(*[uploader(i) for i in range(args.uploaders)], *[reader(i) for i in range(args.readers)])
            load_s = time.monotonic() - t0
            # every job must finish and every upload be stored once
            deadline = time.monotonic() + 600
            pending = set(jobs)
            while pending and time.monotonic() < deadline:
                for jid in list(pending)[:200]:
                    state = (await client.get(f"/jobs/{jid}")).json().get("state")
                    if state in ("done", "failed"):
                        pending.discard(jid)
                        if state == "failed":
                            errors.append(f"job {jid} failed")
                await asyncio.sleep(0.5)
            drained_s = time.monotonic() - t0
            total = (await client.get("/documents?limit=1")).json().get("total")
    finally:
        server.terminate()
        server.wait(10)
    print(f"{args.uploaders} uploaders, {args.readers} readers, {load_s:.0f} s of load")
    for kind, xs in lat.items():
        print(f"  {kind:10} {len(xs):6} requests  p50 {pct(xs, 50):7.1f} ms  p95 {pct(xs, 95):7.1f} ms")
    print(f"uploads accepted {sent}, jobs {len(jobs)}, still pending {len(pending)}, documents stored {total}")
    print(f"errors {len(errors)} {sorted(set(errors))[:5]}; lost documents {sent - (total or 0)}")
    print(f"ingestion throughput {(total or 0) / drained_s:.2f} documents/s (load + drain {drained_s:.0f} s)")


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--uploaders", type=int, default=20)
    ap.add_argument("--readers", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=60)
    asyncio.run(main(ap.parse_args()))
